"""Metrics after real traffic through real processes: matches POSTed here → outbox → a real
Celery worker (prefork, 2 pool processes) → Pub/Sub fake → a real ``consume_events``; then the
worker's and the consumer's metrics ports and this process's /metrics are scraped and every
counter has moved by exactly what was sent (duplicates, poison and rejected messages included)."""

import json
import uuid

import pytest

from events import pubsub
from events.models import OutboxEvent, ProcessedEvent
from events.registry import handler_name
from events.services import build_envelope
from ranking.handlers import apply_match_ratings
from tests.events import processes
from tests.events.conftest import match_payload
from tests.events.test_integration import broker_queue, post_all  # noqa: F401 - fixture
from tests.metrics import Scrape, free_port, scrape_client, scrape_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
MATCH = handler_name(apply_match_ratings)
MATCHES = 5


@pytest.fixture
def exporters(pubsub_env, broker_queue, tmp_path):  # noqa: F811
    worker_port, consumer_port = free_port(), free_port()
    worker = processes.start_worker(
        pubsub_env, tmp_path, broker_queue, WORKER_METRICS_PORT=worker_port
    )
    consumer = processes.start_consumer(pubsub_env, tmp_path, "--metrics-port", str(consumer_port))
    worker.wait_for_output("Worker metrics on")
    consumer.wait_for_output("consume_events: metrics on")

    class Exporters:
        def worker_scrape(self) -> Scrape:
            return scrape_url(f"http://127.0.0.1:{worker_port}/metrics")

        def consumer_scrape(self) -> Scrape:
            return scrape_url(f"http://127.0.0.1:{consumer_port}/metrics")

    yield Exporters()
    consumer.stop()
    worker.stop()


def _consumed(scrape, outcome, event_type="match.completed", handler=MATCH):
    return scrape.value(
        "events_consumed_total", event_type=event_type, handler=handler, outcome=outcome
    )


def _publish_raw(data: bytes, **attributes):
    future = pubsub.get_publisher().publish(
        pubsub.topic_path("match-completed"), data, **attributes
    )
    future.result(timeout=30)


def test_counters_after_real_traffic(exporters, service_client, client, make_user):
    web_before = scrape_client(client)
    players = [make_user() for _ in range(4)]
    matches = [match_payload(players[i % 4], players[(i + 1) % 4]) for i in range(MATCHES)]
    post_all(service_client, matches)

    def applied() -> int:
        return ProcessedEvent.objects.filter(handler=MATCH).count()

    processes.wait_until(lambda: applied() == MATCHES, 120, f"only {applied()} applied")
    processes.wait_until(
        lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(),
        60,
        "follow-up events were not all relayed",
    )

    # A redelivered match, a message that is not JSON, and a match the handler refuses.
    first = ProcessedEvent.objects.filter(handler=MATCH).first()
    _publish_raw(json.dumps(OutboxEvent.objects.get(pk=first.event_id).envelope).encode())
    _publish_raw(b"not json at all")
    ghost = match_payload(players[0], players[1], player2_id=str(uuid.uuid4()))
    _publish_raw(json.dumps(build_envelope("match.completed", ghost)).encode())

    def settled() -> bool:
        scrape = exporters.consumer_scrape()
        return (
            _consumed(scrape, "duplicate") == 1
            and _consumed(scrape, "rejected") == 1
            and _consumed(scrape, "rejected", "unknown", "none") == 1
        )

    processes.wait_until(settled, 60, "the consumer never counted the odd messages")

    consumer = exporters.consumer_scrape()
    assert _consumed(consumer, "processed") == MATCHES
    assert _consumed(consumer, "failed") == 0
    assert (
        consumer.value(
            "events_handler_duration_seconds_count", event_type="match.completed", handler=MATCH
        )
        == MATCHES + 1
    )  # the rejected one ran too; the duplicate did not
    assert (
        consumer.value("events_dead_letters_total", event_type="match.completed", handler=MATCH)
        == 1
    )
    assert consumer.value("events_dead_letters_total", event_type="unknown", handler="none") == 1
    assert consumer.value("events_consumer_messages_in_flight") == 0
    assert 0 <= consumer.value("events_consumer_lag_seconds") < 600

    worker = exporters.worker_scrape()
    # Counted in the pool processes, served by the main process: multiprocess mode at work.
    assert worker.value("events_outbox_published_total", event_type="match.completed") == MATCHES
    assert worker.value("events_outbox_publish_failures_total", event_type="match.completed") == 0
    relays = worker.value("celery_tasks_total", task="events.relay_outbox", outcome="succeeded")
    assert relays >= 1
    assert worker.total("celery_task_duration_seconds_count", task="events.relay_outbox") >= relays
    assert worker.value("events_outbox_relay_batches_total", backend="pubsub") >= 1
    assert worker.value("django_db_execute_total", alias="default", vendor="postgresql") > 0

    web = scrape_client(client)
    assert web.value("events_outbox_pending") == 0
    assert web.value("events_outbox_parked") == 0
    posted = {"view": "matches-ingest", "method": "POST", "status": "202"}
    responses = "django_http_responses_total_by_status_view_method_total"
    assert web.value(responses, **posted) - web_before.value(responses, **posted) == MATCHES
