"""Who may read metrics: a loopback client without credentials, anyone else only with
``Authorization: Bearer <METRICS_TOKEN>`` (with the token unset: loopback only). One rule for the
web processes' ``/metrics`` and the worker's and consumer's metrics ports; ``check`` takes a
WSGI environ or a Django ``request.META`` (the same keys).

The client is ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT = N`` the address the outermost
trusted proxy saw (as for the rate limits), so a proxy on the same host does not make every
client "loopback". A loopback client without a token must also name a loopback host or one of
``ALLOWED_HOSTS``: a web page whose DNS name was rebound to 127.0.0.1 cannot read the metrics
through a browser.
"""

import hmac
import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.http.request import split_domain_port, validate_host

LOOPBACK_HOSTS = [".localhost", "127.0.0.1", "[::1]"]
REALM = 'Bearer realm="metrics"'


@dataclass(frozen=True)
class Denied:
    status: int
    code: str
    message: str
    headers: dict = field(default_factory=dict)


def client_address(meta) -> str:
    address = meta.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    return address


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _host_allowed(meta) -> bool:
    domain, _port = split_domain_port(meta.get("HTTP_HOST") or meta.get("SERVER_NAME", ""))
    return bool(domain) and validate_host(domain, [*LOOPBACK_HOSTS, *settings.ALLOWED_HOSTS])


def _bearer(meta) -> bytes | None:
    """The presented token; ``b""`` for an Authorization header that is not a bearer token."""
    header = meta.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    parts = header.encode("latin-1", "replace").split()
    if len(parts) == 2 and parts[0].lower() == b"bearer":
        return parts[1]
    return b""


def check(meta) -> Denied | None:
    """None when the request may read the metrics, else why not."""
    presented = _bearer(meta)
    expected = settings.METRICS_TOKEN.encode()
    if presented is not None:
        # compare_digest even when no token is configured, so timing tells nothing.
        if hmac.compare_digest(presented, expected or b"\0unset") and expected:
            return None
        return Denied(
            401,
            "AUTH_TOKEN_INVALID",
            "Invalid metrics token.",
            {"WWW-Authenticate": REALM},
        )
    if is_loopback(client_address(meta)):
        if _host_allowed(meta):
            return None
        return Denied(400, "BAD_REQUEST", "Host not allowed.")
    if not expected:
        return Denied(
            403,
            "PERMISSION_DENIED",
            "Metrics are served to loopback clients only (METRICS_TOKEN is not set).",
        )
    return Denied(
        401,
        "AUTH_TOKEN_INVALID",
        "Metrics need Authorization: Bearer <METRICS_TOKEN>.",
        {"WWW-Authenticate": REALM},
    )
