"""Reading Prometheus scrapes in tests: sample values by name and labels, and free ports."""

import re
import socket
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

UUID_RE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


class Scrape:
    def __init__(self, text: str):
        self.text = text
        self.families = list(text_string_to_metric_families(text))
        self.samples = [s for f in self.families for s in f.samples]

    def value(self, name: str, **labels) -> float:
        """The sample with exactly these labels (0 when absent: a counter not moved yet)."""
        for s in self.samples:
            if s.name == name and s.labels == labels:
                return s.value
        return 0.0

    def total(self, name: str, **labels) -> float:
        """The sum of the samples whose labels include these."""
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)

    def label_values(self, label: str, prefix: str = "") -> set[str]:
        return {
            s.labels[label] for s in self.samples if label in s.labels and s.name.startswith(prefix)
        }


def scrape_client(client, **extra) -> Scrape:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)
    assert response.status_code == 200, response.content
    return Scrape(response.content.decode())


def fetch(url: str, headers: dict | None = None, timeout: float = 10.0) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def scrape_url(url: str, headers: dict | None = None) -> Scrape:
    status, body = fetch(url, headers)
    assert status == 200, body
    return Scrape(body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
