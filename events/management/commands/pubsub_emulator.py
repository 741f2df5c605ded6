"""``manage.py pubsub_emulator``: the local Pub/Sub of ``make up`` (the Procfile's ``pubsub``)."""

import os
import shutil
import signal
import subprocess
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _default_port() -> int:
    host = settings.PUBSUB_EMULATOR_HOST
    return int(host.rsplit(":", 1)[1]) if ":" in host else 8085


class Command(BaseCommand):
    help = (
        "Serve a local Pub/Sub on 127.0.0.1:PORT until SIGTERM/SIGINT: Google's emulator "
        "(`gcloud beta emulators pubsub start`) when gcloud is installed, otherwise the "
        "project's gRPC fake (events/testing/pubsub_fake.py, state in memory). Point the other "
        "processes at it with PUBSUB_EMULATOR_HOST and create the topics with setup_pubsub."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="Port (default: the one in PUBSUB_EMULATOR_HOST, else 8085).",
        )
        parser.add_argument(
            "--engine",
            choices=["auto", "gcloud", "fake"],
            default="auto",
            help="auto (default): gcloud when installed, else the fake.",
        )

    def handle(self, *args, **options):
        port = options["port"] or _default_port()
        engine = options["engine"]
        gcloud = shutil.which("gcloud")
        if engine == "gcloud" and not gcloud:
            raise CommandError("gcloud is not installed (or use --engine fake).")
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            if gcloud and engine != "fake":
                self._run_gcloud(gcloud, port, stop)
            else:
                self._run_fake(port, stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run_fake(self, port: int, stop: threading.Event) -> None:
        from events.testing.pubsub_fake import FakePubSub

        fake = FakePubSub()
        fake.port = port
        try:
            address = fake.start()
        except RuntimeError as exc:  # grpc: "Failed to bind"
            raise CommandError(f"Cannot listen on 127.0.0.1:{port} ({exc}).")
        self.stdout.write(f"pubsub_emulator: fake Pub/Sub on {address} (in memory)", ending="\n")
        self.stdout.flush()
        stop.wait()
        fake.stop(grace=1)
        self.stdout.write("pubsub_emulator: stopped.")

    def _run_gcloud(self, gcloud: str, port: int, stop: threading.Event) -> None:
        command = [
            gcloud,
            "beta",
            "emulators",
            "pubsub",
            "start",
            f"--host-port=127.0.0.1:{port}",
            f"--project={settings.GCP_PROJECT}",
        ]
        self.stdout.write(f"pubsub_emulator: {' '.join(command)}")
        self.stdout.flush()
        # Its own process group: gcloud starts the emulator (Java) as a child, stopped with it.
        process = subprocess.Popen(command, start_new_session=True)  # noqa: S603
        while not stop.wait(0.5):
            if process.poll() is not None:
                raise CommandError(f"The gcloud emulator exited with status {process.returncode}.")
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        self.stdout.write("pubsub_emulator: stopped.")
