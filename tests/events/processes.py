"""Real processes for the integration tests: a Celery worker (with embedded beat) and the
``consume_events`` consumer, on the current test database, the run's Redis namespace and the
in-process Pub/Sub fake."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER_DB = int(os.environ.get("EVENTS_TEST_BROKER_DB", "2"))


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_url() -> str:
    base = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
    return f"{base}/{BROKER_DB}"


def process_env(fake, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(),
        EVENT_BACKEND="pubsub",
        GCP_PROJECT=settings.GCP_PROJECT,
        PUBSUB_EMULATOR_HOST=fake.address,
        PUBSUB_ACK_DEADLINE_SECONDS="10",
        PUBSUB_MAX_DELIVERY_ATTEMPTS=str(settings.PUBSUB_MAX_DELIVERY_ATTEMPTS),
        PUBSUB_PUBLISH_TIMEOUT_SECONDS="2",
        OUTBOX_RETRY_BASE_SECONDS="0.5",
        OUTBOX_RETRY_MAX_SECONDS="2",
        OUTBOX_SWEEP_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.output():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.name} never printed {text!r}:\n{self.output()[-4000:]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def stop(self) -> None:
        """Teardown: the whole process group at once (graceful exits are tested explicitly)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._log.close()


def start_consumer(fake, log_dir: Path, *args: str) -> Process:
    process = Process(
        "consumer",
        [sys.executable, "manage.py", "consume_events", "--log-interval", "2", *args],
        process_env(fake),
        log_dir,
    )
    process.wait_for_output("consume_events: pulling")
    return process


def start_worker(fake, log_dir: Path, queue: str, **env) -> Process:
    process = Process(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--schedule",
            str(log_dir / f"beat-{queue}"),
            "-Q",
            queue,
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        # Its metrics directory under the test's tmp_path (a SIGKILLed worker leaves it behind).
        process_env(
            fake,
            CELERY_BROKER_URL=broker_url(),
            PROMETHEUS_MULTIPROC_DIR=log_dir / f"metrics-{queue}",
            **env,
        ),
        log_dir,
    )
    process.wait_for_output("ready.")
    return process


def wait_until(predicate, timeout: float, message: str, interval: float = 0.2) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(message)
