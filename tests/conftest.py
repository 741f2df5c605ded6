import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import UserFactory


def _delete_test_keys() -> None:
    """Remove this run's keys only (never FLUSHDB: other runs may share the Redis)."""
    from core.redis import get_redis

    client = get_redis()
    if client is None:
        return
    keys = list(client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    from core.outage import outage_reports_reset
    from core.ratelimit import memory_windows
    from cosmetics.cache import shop_pages_forget
    from ranking.board_pages import pages_forget

    _delete_test_keys()
    pages_forget()
    shop_pages_forget()
    if not settings.REDIS_URL:
        cache.clear()
    memory_windows.clear()
    outage_reports_reset()
    yield
    _delete_test_keys()
    memory_windows.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def make_user(db):
    return UserFactory


def bearer_client(user) -> APIClient:
    from accounts.tokens import issue_tokens

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    """An APIClient sending a real RS256 access token of ``user``."""
    return bearer_client(user)


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


def pytest_configure(config):
    from hypothesis import HealthCheck
    from hypothesis import settings as hsettings

    common = {
        "max_examples": 100,
        "deadline": None,
        "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    }
    hsettings.register_profile("default", **common)
    # `make test` and `make mutation`: the same examples on every run, so a property deciding
    # money or ratings fails or passes the same way each time (no seed that happens to miss).
    hsettings.register_profile("ci", derandomize=True, database=None, **common)
    hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
