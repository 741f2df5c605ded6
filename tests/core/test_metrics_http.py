"""Counters move by exactly the traffic sent (this process's registry), and no client can add
label values: views are route names, unknown routes one label, methods a fixed set."""

import uuid

import pytest
from celery import shared_task
from django.db import connection

from core.cache import get_or_set_json
from core.metrics.middleware import UNMATCHED_VIEW
from events.tasks import prune_outbox
from tests.metrics import UUID_RE, scrape_client

pytestmark = pytest.mark.django_db

RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY_COUNT = "django_http_requests_latency_seconds_by_view_method_count"
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"}


def test_requests_by_view_method_and_status(client):
    before = scrape_client(client)
    for _ in range(3):
        assert client.get("/api/v1/leaderboards/global/").status_code == 200
    assert (
        client.post("/api/v1/auth/login/", {}, content_type="application/json").status_code == 400
    )
    after = scrape_client(client)

    def moved(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved(RESPONSES, view="leaderboard-global", method="GET", status="200") == 3
    assert moved(LATENCY_COUNT, view="leaderboard-global", method="GET") == 3
    assert moved(RESPONSES, view="auth-login", method="POST", status="400") == 1
    assert moved(LATENCY_COUNT, view="auth-login", method="POST") == 1


def test_hostile_traffic_adds_no_label_values(client, make_user):
    """Ids in paths, unknown paths, invented methods: the label sets stay those of the routes."""
    user = make_user()
    client.get(f"/api/v1/ratings/{user.pk}/")
    before = scrape_client(client)
    for i in range(10):
        client.get(f"/api/v1/ratings/{uuid.uuid4()}/")
        client.get(f"/api/v1/no-such-route-{i}/{uuid.uuid4()}")
        client.get(f"/wp-admin/{i}.php")
        client.generic(f"BREW{i}", "/api/v1/leaderboards/global/")
    after = scrape_client(client)

    views = after.label_values("view")
    assert views - before.label_values("view") <= {UNMATCHED_VIEW}
    assert after.label_values("method", "django_http") <= HTTP_METHODS | {"<invalid method>"}
    unmatched = after.total(RESPONSES, view=UNMATCHED_VIEW) - before.total(
        RESPONSES, view=UNMATCHED_VIEW
    )
    assert unmatched == 20
    assert (
        after.total(RESPONSES, view="rating-detail") - before.total(RESPONSES, view="rating-detail")
        == 10
    )
    assert (
        after.total(RESPONSES, method="<invalid method>")
        - before.total(RESPONSES, method="<invalid method>")
        == 10
    )
    for sample in after.samples:
        for value in sample.labels.values():
            assert not UUID_RE.search(value), sample
            assert not value.startswith("/"), sample
    # 40 requests on 30 different paths: at most the few new (view, method, status) series.
    assert len(_series(after, RESPONSES) - _series(before, RESPONSES)) <= 4


def _series(scrape, name) -> set[frozenset]:
    return {frozenset(s.labels.items()) for s in scrape.samples if s.name == name}


def test_database_statements_counted_and_timed(client):
    labels = {"alias": "default", "vendor": connection.vendor}
    before = scrape_client(client)
    with connection.cursor() as cursor:
        for _ in range(7):
            cursor.execute("SELECT 1")
    after = scrape_client(client)
    # The scrape itself runs the state collectors' queries; count them out.
    scrape_queries = _scrape_queries(client)
    executed = after.value("django_db_execute_total", **labels) - before.value(
        "django_db_execute_total", **labels
    )
    assert executed == 7 + scrape_queries
    timed = after.value("django_db_query_duration_seconds_count", **labels) - before.value(
        "django_db_query_duration_seconds_count", **labels
    )
    assert timed == executed


def _scrape_queries(client) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        scrape_client(client)
    return len(queries)


def test_cache_hits_and_misses(client, settings):
    backend = "redis" if settings.REDIS_URL else "locmem"
    before = scrape_client(client)
    key = f"test:metrics:{uuid.uuid4()}"
    assert get_or_set_json(key, lambda: {"n": 1}) == {"n": 1}  # miss, then stored
    assert get_or_set_json(key, lambda: {"n": 2}) == {"n": 1}  # hit
    assert get_or_set_json(key, lambda: {"n": 3}) == {"n": 1}  # hit
    after = scrape_client(client)
    for name, expected in (
        ("django_cache_get_total", 3),
        ("django_cache_get_misses_total", 1),
        ("django_cache_get_hits_total", 2),
    ):
        assert after.value(name, backend=backend) - before.value(name, backend=backend) == expected


@shared_task(name="tests.metrics.explode")
def explode():
    raise RuntimeError("boom")


def test_celery_tasks_by_name_and_outcome(client):
    before = scrape_client(client)
    prune_outbox.delay()
    prune_outbox.delay()
    with pytest.raises(RuntimeError):
        explode.delay()
    after = scrape_client(client)

    def moved(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("celery_tasks_total", task="events.prune_outbox", outcome="succeeded") == 2
    assert moved("celery_tasks_total", task="tests.metrics.explode", outcome="failed") == 1
    assert moved("celery_task_duration_seconds_count", task="events.prune_outbox") == 2
    assert moved("celery_task_duration_seconds_count", task="tests.metrics.explode") == 1
