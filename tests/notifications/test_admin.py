"""Admin: notifications are read-only, filterable by kind and read status."""

import pytest

from notifications.models import NotificationKind
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/notification/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_filters_by_kind_and_read_status(admin_client, user):
    unread = make_notification(user, kind=NotificationKind.LEVEL_UP)
    read = make_notification(
        user, kind=NotificationKind.COSMETIC_PURCHASED, read_at=unread.created_at
    )
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(unread.pk) in html or unread.title in html
    ids = lambda resp: {str(o.pk) for o in resp.context["cl"].result_list}  # noqa: E731
    assert ids(admin_client.get(CHANGELIST, {"status": "unread"})) == {str(unread.pk)}
    assert ids(admin_client.get(CHANGELIST, {"status": "read"})) == {str(read.pk)}
    assert ids(admin_client.get(CHANGELIST, {"kind": "cosmetic_purchased"})) == {str(read.pk)}


def test_notifications_cannot_be_added_changed_or_deleted(admin_client, user):
    row = make_notification(user)
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    detail = admin_client.get(f"{CHANGELIST}{row.pk}/change/")
    assert detail.status_code == 200  # viewable
    response = admin_client.post(f"{CHANGELIST}{row.pk}/change/", {"title": "edited"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.title == "Level up!"
    assert admin_client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
