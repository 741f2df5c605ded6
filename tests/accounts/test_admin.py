"""Admin: users list with 2FA/staff/last login; deactivate and reset-2FA actions."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.signals import user_deactivated
from accounts.tokens import issue_tokens
from tests.accounts.conftest import bearer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_users_list_shows_email_2fa_staff_and_last_login(admin_client, account):
    TOTPDevice.objects.create(user=account, name="a", confirmed=True)
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Email", "2FA", "Is staff", "Last login"):
        assert heading in html
    assert "alice@example.com" in html
    row = response.context["cl"].result_list.get(pk=account.pk)
    assert row.two_factor_on is True


def test_deactivate_action_stops_tokens_at_once_and_signals(
    admin_client, account, django_capture_on_commit_callbacks
):
    tokens = issue_tokens(account)
    received = []

    def receiver(sender, user_id, **kwargs):
        received.append(user_id)

    user_deactivated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                CHANGELIST, {"action": "deactivate_users", "_selected_action": [str(account.pk)]}
            )
    finally:
        user_deactivated.disconnect(receiver)
    assert response.status_code == 302
    assert received == [account.pk]
    assert not User.objects.get(pk=account.pk).is_active
    assert bearer(tokens["access"]).get("/api/v1/auth/me/").status_code == 401


def test_unticking_active_on_the_change_form_deactivates_too(
    admin_client, account, django_capture_on_commit_callbacks
):
    tokens = issue_tokens(account)
    page = admin_client.get(f"{CHANGELIST}{account.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "email": account.email,
            "is_active": "",
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        }
    )
    data = {k: v for k, v in data.items() if v != ""}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(f"{CHANGELIST}{account.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=account.pk).is_active
    assert bearer(tokens["access"]).get("/api/v1/auth/me/").status_code == 401
    assert callbacks  # the user_deactivated signal was queued for after commit


def test_reset_2fa_action_removes_devices(admin_client, account):
    TOTPDevice.objects.create(user=account, name="a", confirmed=True)
    StaticDevice.objects.create(user=account, name="r", confirmed=True)
    response = admin_client.post(
        CHANGELIST, {"action": "reset_two_factor", "_selected_action": [str(account.pk)]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticDevice.objects.filter(user=account).exists()
