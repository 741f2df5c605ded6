"""Hypothesis: paging matches the newest-first list; marking read never crosses users."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import Notification
from tests.conftest import bearer_client
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db

LIST, READ = "/api/v1/notifications/", "/api/v1/notifications/read/"


@pytest.fixture
def inbox(user):
    """23 rows, a few sharing a timestamp, every third one read; newest-first ids."""
    base = timezone.now() - timedelta(days=1)
    for i in range(23):
        make_notification(
            user,
            created_at=base + timedelta(seconds=i // 2),
            read_at=base if i % 3 == 0 else None,
        )
    user.client = bearer_client(user)  # one token for every example
    return user


@given(
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=130)),
    offset=st.one_of(st.none(), st.integers(min_value=0, max_value=30)),
    unread_only=st.booleans(),
)
def test_any_page_is_the_matching_slice_of_the_newest_first_list(inbox, limit, offset, unread_only):
    rows = Notification.objects.filter(user=inbox)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    expected = [str(pk) for pk in rows.order_by("-created_at", "-id").values_list("id", flat=True)]
    params = {"unread_only": str(unread_only).lower()}
    if limit is not None:
        params["limit"] = limit
    if offset is not None:
        params["offset"] = offset
    response = inbox.client.get(LIST, params)
    assert response.status_code == 200
    body = response.json()
    start, size = offset or 0, min(limit if limit is not None else 50, 100)
    assert body["count"] == len(expected)
    assert [r["id"] for r in body["results"]] == expected[start : start + size]
    assert (body["next"] is None) == (start + size >= len(expected))
    assert all(r["read_at"] is None for r in body["results"]) or not unread_only


@pytest.fixture
def two_inboxes(user, make_user):
    other = make_user()
    mine = [make_notification(user) for _ in range(6)]
    theirs = [make_notification(other) for _ in range(6)]
    user.client = bearer_client(user)  # one token for every example
    return user, other, mine, theirs


def _state() -> dict:
    return dict(Notification.objects.values_list("id", "read_at"))


@given(data=st.data())
def test_marking_read_never_touches_another_users_rows(two_inboxes, data):
    user, _other, mine, theirs = two_inboxes
    candidates = [r.id for r in mine] + [r.id for r in theirs] + [uuid.UUID(int=7)]
    picked = data.draw(st.lists(st.sampled_from(candidates), max_size=8))
    before = _state()
    response = user.client.post(READ, {"ids": [str(i) for i in picked]}, format="json")
    after = _state()
    own = {r.id for r in mine}
    if set(picked) <= own:
        unread_picked = {i for i in picked if before[i] is None}
        assert response.status_code == 200
        assert response.json() == {"updated": len(unread_picked)}
        for pk, read_at in after.items():
            if pk in unread_picked:
                assert read_at is not None
            else:
                assert read_at == before[pk]
    else:
        assert response.status_code == 404
        assert after == before
