"""``manage.py setup_pubsub``: create the topics and subscriptions (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand


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

    def handle(self, *args, **options):
        from events import pubsub

        created = pubsub.setup(max_delivery_attempts=options["max_delivery_attempts"])
        where = settings.PUBSUB_EMULATOR_HOST or "Google Cloud"
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(
            f"setup_pubsub: {len(created)} created, project {settings.GCP_PROJECT} on {where}."
        )
