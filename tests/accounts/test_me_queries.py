"""auth/me/ — what every authenticated request pays — costs no SQL statement once the user is in
the authentication cache, and one (the user with its display name and 2FA state,
``accounts.selectors.user_auth_row``) when it is not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.conftest import bearer_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _long_lease(settings):
    settings.AUTH_CACHE_LEASE_SECONDS = 300  # the lease never runs out during a test


def _me(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/auth/me/")
    assert response.status_code == 200
    return response.json(), [q["sql"] for q in queries]


@pytest.mark.parametrize("with_2fa", [False, True])
def test_auth_me_is_one_sql_statement_cold_and_none_warm(with_2fa):
    user = UserFactory()
    if with_2fa:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = bearer_client(user)
    APIClient().get("/api/v1/auth/jwks/")  # warm the key ring, not the user's entry
    cold, cold_queries = _me(client)
    warm, warm_queries = _me(client)
    assert len(cold_queries) == 1, cold_queries
    assert warm_queries == []
    assert cold == warm
    assert warm["two_factor_enabled"] is with_2fa
    assert warm["display_name"] == user.profile.display_name
    assert warm["email"] == user.email and warm["id"] == str(user.pk)


def test_a_malformed_user_claim_is_an_invalid_token(settings):
    from accounts.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = "not-a-uuid"
    client = bearer_client(UserFactory())
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_TOKEN_INVALID"


@pytest.mark.parametrize("cached", [False, True])
def test_user_body_is_the_user_serializers_data(cached):
    """auth/me/ writes ``user_body``; the schema (and every other answer) ``UserSerializer``."""
    from accounts import selectors
    from accounts.serializers import UserSerializer, user_body

    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    if cached:
        user = selectors.user_from_row(selectors.user_auth_row(user.pk))
    assert user_body(user) == dict(UserSerializer(user).data)
