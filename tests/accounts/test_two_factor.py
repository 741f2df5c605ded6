"""TOTP 2FA: setup, verify (recovery codes), login with codes, replay, disable, limits."""

import base64
from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tokens import issue_tokens
from tests.accounts.conftest import bearer, error_code, fresh_ip, login, totp_code

pytestmark = pytest.mark.django_db

SETUP, VERIFY, DISABLE = (
    "/api/v1/auth/2fa/setup/",
    "/api/v1/auth/2fa/verify/",
    "/api/v1/auth/2fa/disable/",
)


@pytest.fixture
def client_of(account):
    return bearer(issue_tokens(account)["access"])


def _post(client, path, body=None):
    return client.post(path, body or {}, REMOTE_ADDR=fresh_ip())


def _enable(client, account) -> list[str]:
    assert _post(client, SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=account)
    response = _post(client, VERIFY, {"code": totp_code(device)})
    assert response.status_code == 200, response.content
    return response.json()["recovery_codes"]


def test_setup_returns_secret_uri_and_svg_qr_code(client_of, account):
    response = _post(client_of, SETUP)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret", "otpauth_url", "qr_code"}
    device = TOTPDevice.objects.get(user=account)
    assert not device.confirmed
    assert base64.b32decode(body["secret"]) == device.bin_key
    url = urlparse(body["otpauth_url"])
    assert url.scheme == "otpauth" and url.netloc == "totp"
    assert url.path == "/1v1bro%3Aalice%40example.com" or url.path == "/1v1bro:alice@example.com"
    query = parse_qs(url.query)
    assert query["secret"] == [body["secret"]] and query["issuer"] == ["1v1bro"]
    prefix = "data:image/svg+xml;base64,"
    assert body["qr_code"].startswith(prefix)
    svg = base64.b64decode(body["qr_code"][len(prefix) :]).decode()
    assert "<svg" in svg
    assert client_of.get("/api/v1/auth/me/").json()["two_factor_enabled"] is False


def test_setup_again_replaces_the_pending_secret(client_of, account):
    first = _post(client_of, SETUP).json()["secret"]
    second = _post(client_of, SETUP).json()["secret"]
    assert first != second
    assert TOTPDevice.objects.filter(user=account).count() == 1


def test_verify_turns_2fa_on_gives_ten_recovery_codes_and_secret_is_never_shown_again(
    client_of, account
):
    codes = _enable(client_of, account)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client_of.get("/api/v1/auth/me/").json()["two_factor_enabled"] is True
    again = _post(client_of, SETUP)
    assert again.status_code == 409 and error_code(again) == "AUTH_2FA_ALREADY_ENABLED"
    assert "secret" not in again.content.decode()


def test_verify_with_wrong_code_is_2fa_invalid_and_without_setup_is_conflict(client_of, account):
    response = _post(client_of, VERIFY, {"code": "000000"})
    assert response.status_code == 409 and error_code(response) == "AUTH_2FA_NOT_SET_UP"
    _post(client_of, SETUP)
    device = TOTPDevice.objects.get(user=account)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = _post(client_of, VERIFY, {"code": wrong})
    assert response.status_code == 403 and error_code(response) == "AUTH_2FA_INVALID"
    assert not TOTPDevice.objects.get(user=account).confirmed


def test_login_with_2fa_requires_a_code_and_issues_no_tokens_without_it(
    api_client, client_of, account
):
    _enable(client_of, account)
    response = login(api_client, account.email)
    assert response.status_code == 403 and error_code(response) == "AUTH_2FA_REQUIRED"
    assert "access" not in response.json()
    wrong = login(api_client, account.email, totp_code="123456")
    assert wrong.status_code == 403 and error_code(wrong) == "AUTH_2FA_INVALID"
    # Wrong password stays a 401 whatever the code (the code is not checked first).
    assert error_code(login(api_client, account.email, "Nope-Nope-42", totp_code="1")) == (
        "AUTH_INVALID_CREDENTIALS"
    )


def test_a_totp_code_is_accepted_once(api_client, client_of, account, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the back-off would hide the replay check
    _enable(client_of, account)
    device = TOTPDevice.objects.get(user=account)
    code = totp_code(device, steps_ahead=1)  # the verify used the current step
    first = login(api_client, account.email, totp_code=code)
    assert first.status_code == 200, first.content
    replay = login(api_client, account.email, totp_code=code)
    assert replay.status_code == 403 and error_code(replay) == "AUTH_2FA_INVALID"


def test_wrong_code_triggers_django_otp_back_off_as_rate_limit(api_client, client_of, account):
    _enable(client_of, account)
    device = TOTPDevice.objects.get(user=account)
    assert login(api_client, account.email, totp_code="000001").status_code == 403
    blocked = login(api_client, account.email, totp_code=totp_code(device, steps_ahead=1))
    assert blocked.status_code == 429 and error_code(blocked) == "AUTH_RATE_LIMITED"
    assert int(blocked["Retry-After"]) >= 1


def test_recovery_codes_work_once_in_place_of_a_totp_code(api_client, client_of, account):
    codes = _enable(client_of, account)
    response = login(api_client, account.email, totp_code=codes[0].upper())
    assert response.status_code == 200, response.content
    assert StaticToken.objects.filter(device__user=account).count() == 9
    reused = login(api_client, account.email, totp_code=codes[0])
    assert reused.status_code == 403 and error_code(reused) == "AUTH_2FA_INVALID"


def test_disable_needs_a_valid_code(client_of, account, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    codes = _enable(client_of, account)
    wrong = _post(client_of, DISABLE, {"code": "999999"})
    assert wrong.status_code == 403 and error_code(wrong) == "AUTH_2FA_INVALID"
    assert TOTPDevice.objects.filter(user=account, confirmed=True).exists()
    ok = _post(client_of, DISABLE, {"code": codes[3]})
    assert ok.status_code == 200 and ok.json() == {"two_factor_enabled": False}
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticToken.objects.filter(device__user=account).exists()
    again = _post(client_of, DISABLE, {"code": codes[4]})
    assert again.status_code == 409 and error_code(again) == "AUTH_2FA_NOT_ENABLED"


def test_2fa_endpoints_need_authentication(api_client):
    for path in (SETUP, VERIFY, DISABLE):
        response = api_client.post(path, {"code": "123456"})
        assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_2fa_codes_are_rate_limited_per_ip(client_of, account, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _post(client_of, SETUP)
    responses = [
        client_of.post(VERIFY, {"code": "000000"}, REMOTE_ADDR="192.0.2.50") for _ in range(6)
    ]
    assert [r.status_code for r in responses] == [403] * 5 + [429]
    assert error_code(responses[5]) == "AUTH_RATE_LIMITED" and int(responses[5]["Retry-After"]) >= 1


def test_2fa_wrong_codes_are_limited_per_account(client_of, account, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _post(client_of, SETUP)
    statuses = [_post(client_of, VERIFY, {"code": "000000"}).status_code for _ in range(11)]
    assert statuses == [403] * 10 + [429]
