"""The inbox endpoints of API.md: list, unread count, mark read — only ever the caller's rows."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from tests.conftest import bearer_client
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db

LIST, COUNT, READ = (
    "/api/v1/notifications/",
    "/api/v1/notifications/unread-count/",
    "/api/v1/notifications/read/",
)


def _inbox(user, n: int, *, read_every: int = 0) -> list[Notification]:
    """``n`` notifications a minute apart (oldest first); every ``read_every``-th one read."""
    start = timezone.now() - timedelta(hours=1)
    return [
        make_notification(
            user,
            created_at=start + timedelta(minutes=i),
            read_at=start if read_every and i % read_every == 0 else None,
        )
        for i in range(n)
    ]


def _error(response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("get", COUNT), ("post", READ)])
def test_inbox_needs_a_token(api_client, method, path):
    response = getattr(api_client, method)(path, {"all": True} if method == "post" else None)
    assert response.status_code == 401
    assert _error(response) == "AUTH_TOKEN_INVALID"


def test_list_is_newest_first_with_the_contract_fields(auth_client, user):
    rows = _inbox(user, 3)
    rows[0].read_at = timezone.now()
    rows[0].save()
    response = auth_client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [r["id"] for r in body["results"]] == [str(r.id) for r in reversed(rows)]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "title", "body", "data", "created_at", "read_at"}
    assert first["kind"] == "level_up" and first["read_at"] is None
    assert first["data"] == {"new_level": 2}
    assert body["results"][-1]["read_at"] is not None


def test_unread_only_filters_and_bad_value_is_400(auth_client, user):
    rows = _inbox(user, 6, read_every=2)
    unread = [str(r.id) for r in reversed(rows) if r.read_at is None]
    for value in ("true", "1"):
        body = auth_client.get(LIST, {"unread_only": value}).json()
        assert [r["id"] for r in body["results"]] == unread and body["count"] == 3
    assert auth_client.get(LIST, {"unread_only": "false"}).json()["count"] == 6
    response = auth_client.get(LIST, {"unread_only": "maybe"})
    assert response.status_code == 400 and _error(response) == "VALIDATION_ERROR"
    assert "unread_only" in response.json()["error"]["details"]


def test_pagination_rules(auth_client, user):
    rows = list(reversed(_inbox(user, 105)))
    default = auth_client.get(LIST).json()
    assert len(default["results"]) == 50 and default["count"] == 105
    assert "offset=50" in default["next"] and default["previous"] is None
    capped = auth_client.get(LIST, {"limit": 500}).json()
    assert len(capped["results"]) == 100
    page = auth_client.get(LIST, {"limit": 10, "offset": 100}).json()
    assert [r["id"] for r in page["results"]] == [str(r.id) for r in rows[100:]]
    assert page["next"] is None and page["previous"] is not None
    assert auth_client.get(LIST, {"offset": 1000}).json()["results"] == []
    for bad in ({"limit": -1}, {"limit": "ten"}, {"offset": -5}, {"offset": "x"}):
        response = auth_client.get(LIST, bad)
        assert response.status_code == 400 and _error(response) == "VALIDATION_ERROR"


def test_equal_timestamps_still_page_without_gaps_or_repeats(auth_client, user):
    same = timezone.now()
    rows = [make_notification(user, created_at=same) for _ in range(7)]
    seen = []
    for offset in range(0, 7, 3):
        page = auth_client.get(LIST, {"limit": 3, "offset": offset}).json()["results"]
        seen += [r["id"] for r in page]
    assert sorted(seen) == sorted(str(r.id) for r in rows) and len(seen) == 7


def test_a_user_never_sees_anothers_notifications(auth_client, user, make_user):
    other = make_user()
    mine = _inbox(user, 2)
    _inbox(other, 3)
    body = auth_client.get(LIST).json()
    assert body["count"] == 2 and {r["id"] for r in body["results"]} == {str(r.id) for r in mine}
    assert auth_client.get(COUNT).json() == {"unread": 2}
    assert bearer_client(other).get(COUNT).json() == {"unread": 3}


def test_mark_read_by_ids_counts_only_rows_that_were_unread(
    auth_client, user, django_capture_on_commit_callbacks
):
    rows = _inbox(user, 4)
    earlier = timezone.now() - timedelta(days=1)
    Notification.objects.filter(pk=rows[0].pk).update(read_at=earlier)
    ids = [str(r.id) for r in rows[:3]]
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(READ, {"ids": ids + ids[:1]}, format="json")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    rows[0].refresh_from_db()
    assert rows[0].read_at == earlier  # the first read time is kept
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = auth_client.post(READ, {"ids": ids}, format="json")
    assert again.json() == {"updated": 0}


def test_mark_read_with_a_foreign_id_is_404_and_changes_nothing(auth_client, user, make_user):
    mine = _inbox(user, 2)
    theirs = _inbox(make_user(), 1)[0]
    response = auth_client.post(READ, {"ids": [str(mine[0].id), str(theirs.id)]}, format="json")
    assert response.status_code == 404 and _error(response) == "NOT_FOUND"
    assert response.json()["error"]["details"] == {"ids": [str(theirs.id)]}
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_mark_read_with_an_unknown_id_is_404_like_a_foreign_one(auth_client, user):
    mine = _inbox(user, 1)[0]
    unknown = uuid.uuid4()
    response = auth_client.post(READ, {"ids": [str(mine.id), str(unknown)]}, format="json")
    assert response.status_code == 404 and _error(response) == "NOT_FOUND"
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_touches_only_the_callers_unread_rows(auth_client, user, make_user):
    other = make_user()
    _inbox(user, 5, read_every=2)
    _inbox(other, 2)
    response = auth_client.post(READ, {"all": True}, format="json")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 2
    assert auth_client.post(READ, {"all": True}, format="json").json() == {"updated": 0}


def test_mark_read_with_an_empty_id_list_updates_nothing(auth_client, user):
    _inbox(user, 1)
    response = auth_client.post(READ, {"ids": []}, format="json")
    assert response.status_code == 200 and response.json() == {"updated": 0}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"all": False}, "all"),
        ({"all": "sure"}, "all"),
        ({"all": True, "ids": []}, "non_field_errors"),
        ({"ids": "abc"}, "ids"),
        ({"ids": ["not-a-uuid"]}, "ids"),
        ({"ids": [str(uuid.uuid4()) for _ in range(101)]}, "ids"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_malformed_mark_read_body_is_400_and_changes_nothing(auth_client, user, body, field):
    _inbox(user, 2)
    response = auth_client.post(READ, body, format="json")
    assert response.status_code == 400 and _error(response) == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_mark_read_with_broken_json_is_malformed_request(auth_client):
    response = auth_client.generic("POST", READ, "{not json", content_type="application/json")
    assert response.status_code == 400 and _error(response) == "MALFORMED_REQUEST"


def test_unread_count_is_cached_and_fresh_after_marking_read(
    auth_client, user, django_capture_on_commit_callbacks
):
    rows = _inbox(user, 3)
    assert auth_client.get(COUNT).json() == {"unread": 3}
    # A row written behind the service's back is not seen: the count is served from the cache.
    make_notification(user, kind=NotificationKind.REWARD_EARNED)
    assert auth_client.get(COUNT).json() == {"unread": 3}
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(READ, {"ids": [str(rows[0].id)]}, format="json")
    assert auth_client.get(COUNT).json() == {"unread": 3}  # 4 unread - 1 read
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(READ, {"all": True}, format="json")
    assert auth_client.get(COUNT).json() == {"unread": 0}


def test_list_query_count_does_not_grow_with_the_page(auth_client, user, settings):
    settings.AUTH_CACHE_LEASE_SECONDS = 300  # both requests find the user cached
    auth_client.get(LIST)  # caches the user (accounts.auth_cache): not part of the page's cost
    _inbox(user, 1)
    with CaptureQueriesContext(connection) as small:
        auth_client.get(LIST)
    _inbox(user, 60)
    with CaptureQueriesContext(connection) as large:
        auth_client.get(LIST)
    assert len(large) == len(small)
