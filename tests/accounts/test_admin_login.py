"""The admin login over HTTP (the real form, CSRF enforced): the second factor for staff with
2FA, ADMIN_REQUIRE_2FA for staff without, and the API's per-IP and per-account limits."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import PASSWORD, error_code, fresh_ip, login, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def staff(make_user):
    from django.contrib.auth.hashers import make_password

    return make_user(
        email="boss@example.com", password=make_password(PASSWORD), is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_totp(staff):
    return TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def admin_login(client: Client, email: str, password: str = PASSWORD, *, code="", ip=None):
    """GET the login page, then POST its form with the CSRF token, like a browser."""
    ip = ip or fresh_ip()
    page = client.get(f"{LOGIN}?next=/admin/", REMOTE_ADDR=ip)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client.post(
        LOGIN,
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": email,
            "password": password,
            "otp_token": code,
            "next": "/admin/",
        },
        REMOTE_ADDR=ip,
    )


def wrong_code(device) -> str:
    valid = {totp_code(device, steps_ahead=k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def in_admin(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_form_needs_its_csrf_token(staff):
    response = browser().post(LOGIN, {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 403


def test_staff_with_2fa_cannot_log_in_with_the_password_alone(staff, staff_totp):
    client = browser()
    response = admin_login(client, staff.email)
    assert response.status_code == 200
    assert "enter the code from your authenticator app" in response.content.decode()
    assert not in_admin(client)


def test_staff_with_2fa_logs_in_with_password_and_code_once(staff, staff_totp):
    code = totp_code(staff_totp)
    client = browser()
    response = admin_login(client, staff.email, code=code)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert in_admin(client)
    # The same code in another browser is refused (django-otp keeps the last used step).
    other = browser()
    replay = admin_login(other, staff.email, code=code)
    assert replay.status_code == 200
    assert "wrong, expired or already used" in replay.content.decode()
    assert not in_admin(other)


def test_a_wrong_code_is_refused(staff, staff_totp):
    client = browser()
    response = admin_login(client, staff.email, code=wrong_code(staff_totp))
    assert response.status_code == 200
    assert "wrong, expired or already used" in response.content.decode()
    assert not in_admin(client)


def test_a_recovery_code_works_once(staff, staff_totp):
    device = StaticDevice.objects.create(user=staff, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")
    client = browser()
    assert admin_login(client, staff.email, code="abcd2345").status_code == 302
    assert in_admin(client)
    assert admin_login(browser(), staff.email, code="abcd2345").status_code == 200


def test_a_session_of_staff_with_2fa_that_skipped_the_code_is_refused(client, staff, staff_totp):
    client.force_login(staff)  # a session without an OTP-verified device
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    page = client.get(response["Location"])
    assert "not verified with your two-factor code" in page.content.decode()


def test_without_the_requirement_staff_without_2fa_log_in_with_the_password(settings, staff):
    settings.ADMIN_REQUIRE_2FA = False
    client = browser()
    assert admin_login(client, staff.email).status_code == 302
    assert in_admin(client)


def test_the_requirement_refuses_staff_without_2fa_and_says_how_to_set_it_up(settings, staff):
    settings.ADMIN_REQUIRE_2FA = True
    client = browser()
    response = admin_login(client, staff.email)
    assert response.status_code == 200
    html = response.content.decode()
    assert "need two-factor authentication" in html
    assert "/api/v1/auth/2fa/setup/" in html and "/api/v1/auth/2fa/verify/" in html
    assert not in_admin(client)
    # An existing session without 2FA is refused as well.
    session = Client()
    session.force_login(staff)
    assert session.get("/admin/").status_code == 302
    assert "/api/v1/auth/2fa/setup/" in session.get(LOGIN).content.decode()


def test_the_requirement_admits_staff_who_give_their_code(settings, staff, staff_totp):
    settings.ADMIN_REQUIRE_2FA = True
    client = browser()
    assert admin_login(client, staff.email, code=totp_code(staff_totp)).status_code == 302
    assert in_admin(client)


def test_non_staff_cannot_log_in_even_with_the_right_password(account):
    client = browser()
    response = admin_login(client, account.email)
    assert response.status_code == 200
    assert "Please enter the correct email and password for a staff account" in (
        response.content.decode()
    )
    assert not in_admin(client)


def test_admin_logins_are_limited_per_ip_with_retry_after(settings, staff):
    settings.ADMIN_REQUIRE_2FA = False
    ip = fresh_ip()
    statuses = [
        admin_login(browser(), staff.email, "Wrong-Pass-9", ip=ip).status_code for _ in range(5)
    ]
    assert statuses == [200] * 5
    client = browser()
    limited = admin_login(client, staff.email, ip=ip)  # even the right password
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many attempts" in limited.content.decode()
    assert not in_admin(client)
    assert admin_login(browser(), staff.email).status_code == 302  # another IP is not affected


def test_admin_and_api_failures_share_the_per_account_limit(api_client, settings, staff):
    settings.ADMIN_REQUIRE_2FA = False
    for _ in range(5):
        assert admin_login(browser(), staff.email, "Wrong-Pass-9").status_code == 200
    for _ in range(5):
        assert login(api_client, staff.email, "Wrong-Pass-9").status_code == 401
    # Ten failures from ten IPs: the account is locked for both doors, right password or not.
    limited = admin_login(browser(), staff.email)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    api = login(api_client, staff.email)
    assert api.status_code == 429 and error_code(api) == "AUTH_RATE_LIMITED"


def test_wrong_admin_codes_count_against_the_account(staff, staff_totp, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would answer first
    for _ in range(10):
        assert admin_login(browser(), staff.email, code=wrong_code(staff_totp)).status_code == 200
    assert admin_login(browser(), staff.email, code=totp_code(staff_totp)).status_code == 429
