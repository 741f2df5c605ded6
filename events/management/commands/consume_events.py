"""The Procfile's consumer process."""

import signal
import threading

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Consume events from the Pub/Sub subscription. With EVENT_BACKEND=inline (the embedded "
        "default) events are dispatched in-process after commit, so there is nothing to pull and "
        "this process idles until SIGTERM/SIGINT. The Pub/Sub consumer arrives with the events "
        "issue."
    )

    def handle(self, *args, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("consume_events: inline event backend, nothing to pull; idling.")
        stop.wait()
        self.stdout.write("consume_events: stopped.")
