"""The Procfile's consumer process: ``manage.py consume_events``."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events.registry import handled_event_types
from events.schemas import EVENT_SCHEMAS

logger = logging.getLogger("events.consumer")


class Command(BaseCommand):
    help = (
        "Consume events from Google Pub/Sub (EVENT_BACKEND=pubsub): routes each message by "
        "event_type to the registered handlers, acks after their transaction commits, nacks on "
        "failure, dead-letters malformed messages. SIGTERM/SIGINT finish in-flight messages and "
        "exit 0. With EVENT_BACKEND=inline events are dispatched in-process after commit, so "
        "there is nothing to pull and the process idles."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--subscription",
            action="append",
            dest="subscriptions",
            metavar="NAME",
            help="Subscription id or path (repeatable). Default: ours on every topic that has "
            "registered handlers.",
        )
        parser.add_argument(
            "--max-messages",
            type=int,
            default=200,
            help="Flow control: at most N messages in flight per subscription (default 200).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Threads applying batches, each its own database connection (default 2).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="At most N messages per batch; a batch handler applies them in one "
            "transaction (default 100).",
        )
        parser.add_argument(
            "--lease-seconds",
            type=int,
            default=0,
            help="Ack deadline asked per lease extension, 10-600 s (default: the client's, 60 s): "
            "how long the messages of a crashed consumer stay invisible before redelivery.",
        )
        parser.add_argument(
            "--log-interval", type=float, default=30.0, help="Seconds between count log lines."
        )
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=None,
            help="Serve this process's Prometheus metrics on METRICS_BIND:PORT/metrics "
            "(default CONSUMER_METRICS_PORT; 0: off).",
        )

    def handle(self, *args, **options):
        stop = threading.Event()
        running = []  # the consumer, once started

        def on_signal(signum, _frame):
            logger.info("consume_events: signal %s, finishing in-flight messages", signum)
            stop.set()
            for consumer in running:
                consumer.stop()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        server = self._serve_metrics(options["metrics_port"])
        try:
            self._consume(options, stop, running)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if server is not None:
                server.shutdown()
                server.server_close()

    def _serve_metrics(self, port: int | None):
        from core.metrics import exposition
        from events.metrics import ConsumerLagCollector

        port = settings.CONSUMER_METRICS_PORT if port is None else port
        if not port:
            return None
        addr = settings.METRICS_BIND
        try:
            server = exposition.serve(port=port, addr=addr, extra=[ConsumerLagCollector()])
        except OSError as exc:  # another consumer on this host: give each its own --metrics-port
            logger.error("consume_events: cannot serve metrics on %s:%s (%s)", addr, port, exc)
            return None
        logger.info("consume_events: metrics on http://%s:%s/metrics", addr, port)
        return server

    def _consume(self, options, stop: threading.Event, running: list) -> None:
        if settings.EVENT_BACKEND != "pubsub":
            self.stdout.write("consume_events: inline event backend, nothing to pull; idling.")
            stop.wait()
            self.stdout.write("consume_events: stopped.")
            return

        from events import pubsub
        from events.consumer import Consumer

        names = options["subscriptions"] or [
            pubsub.subscription_id(EVENT_SCHEMAS[t].topic) for t in handled_event_types()
        ]
        if not names:
            raise CommandError("No handlers are registered and no --subscription was given.")
        if min(options["max_messages"], options["workers"], options["batch_size"]) < 1:
            raise CommandError("--max-messages, --workers and --batch-size must be at least 1.")
        consumer = Consumer(
            names,
            max_messages=options["max_messages"],
            workers=options["workers"],
            batch_size=options["batch_size"],
            log_interval=options["log_interval"],
            lease_seconds=options["lease_seconds"],
        )
        running.append(consumer)
        if stop.is_set():
            return
        if consumer.run():
            raise CommandError("A subscription stream failed (run `manage.py setup_pubsub`?).")
