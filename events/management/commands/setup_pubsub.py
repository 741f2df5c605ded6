"""``manage.py setup_pubsub``: create the topics and subscriptions (idempotent)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create every event topic of API.md (with PUBSUB_TOPIC_PREFIX), our subscription on each "
        "with a dead-letter policy (PUBSUB_MAX_DELIVERY_ATTEMPTS), and the dead-letter topic with "
        "its subscription. Existing ones are kept. Honours PUBSUB_EMULATOR_HOST."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-delivery-attempts",
            type=int,
            default=None,
            help="Deliveries before a message goes to the dead-letter topic (5–100 on GCP).",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Retry for up to SECONDS while Pub/Sub does not answer yet (an emulator "
            "starting beside this command, as in `make up`).",
        )

    def handle(self, *args, **options):
        from google.api_core import exceptions

        from events import pubsub

        where = settings.PUBSUB_EMULATOR_HOST or "Google Cloud"
        deadline = time.monotonic() + options["wait"]
        while True:
            try:
                created = pubsub.setup(
                    max_delivery_attempts=options["max_delivery_attempts"],
                    timeout=5.0 if options["wait"] else None,
                )
                break
            except (
                exceptions.ServiceUnavailable,
                exceptions.RetryError,
                exceptions.DeadlineExceeded,
            ) as exc:
                if time.monotonic() >= deadline:
                    raise CommandError(f"Pub/Sub on {where} does not answer: {exc}")
                pubsub.reset_clients()
                time.sleep(0.5)
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(
            f"setup_pubsub: {len(created)} created, project {settings.GCP_PROJECT} on {where}."
        )
