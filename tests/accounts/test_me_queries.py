"""auth/me/ — what every authenticated request pays — costs one SQL statement: the user with
its profile and 2FA state (``accounts.selectors.user_for_request``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import bearer_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("with_2fa", [False, True])
def test_auth_me_is_one_sql_statement(with_2fa):
    user = UserFactory()
    if with_2fa:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = bearer_client(user)
    client.get("/api/v1/auth/me/")  # warm: JWKS key, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/auth/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["two_factor_enabled"] is with_2fa
    assert body["display_name"] == user.profile.display_name
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_a_malformed_user_claim_is_an_invalid_token(settings):
    from accounts.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = "not-a-uuid"
    client = bearer_client(UserFactory())
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_TOKEN_INVALID"
