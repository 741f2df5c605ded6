"""The shop and inventory caches: hits, invalidation after commit, and a dead Redis."""

import logging
import socket

import pytest
from django.test import override_settings

from cosmetics import cache
from cosmetics.services import inventory_grant, wallet_change
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_shop_page_is_served_from_cache_until_a_catalog_edit(
    api_client, django_capture_on_commit_callbacks
):
    CosmeticFactory(slug="first")
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 1
    CosmeticFactory(slug="second")  # written behind the services' back: the cache still answers
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        from cosmetics.services import catalog_changed

        catalog_changed()
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 2


def test_cached_pages_are_keyed_by_query(api_client):
    CosmeticFactory(type="skin")
    CosmeticFactory(type="emote")
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 2
    assert api_client.get("/api/v1/cosmetics/", {"type": "emote"}).json()["count"] == 1
    assert len(api_client.get("/api/v1/cosmetics/", {"limit": 1}).json()["results"]) == 1


def test_keys_follow_service_entity_id():
    captured = []
    cache.inventory("u-1", lambda: captured.append(1) or [])
    from django.core.cache import cache as django_cache

    assert django_cache.get("cosmetics:inventory-gen:u-1") is not None
    assert captured == [1]
    cache.inventory("u-1", lambda: captured.append(2) or [])
    assert captured == [1]  # served from the cache


def test_invalidation_waits_for_commit(user, django_capture_on_commit_callbacks):
    calls = []
    cache.inventory(user.pk, lambda: calls.append("db") or [])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inventory_grant(user=user, cosmetic=CosmeticFactory(), source="grant")
    cache.inventory(user.pk, lambda: calls.append("db") or [])
    assert calls == ["db"]  # not yet committed: still cached
    for callback in callbacks:
        callback()
    cache.inventory(user.pk, lambda: calls.append("db") or [])
    assert calls == ["db", "db"]


def test_dead_redis_reads_fall_through_to_the_database(auth_client, user, caplog):
    wallet_change(user=user, currency="coins", amount=100, reason="test_grant")
    inventory_grant(user=user, cosmetic=CosmeticFactory(slug="owned"), source="grant")
    CosmeticFactory(slug="for-sale")
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=dead), caplog.at_level(logging.WARNING, logger="core.cache"):
        shop = auth_client.get("/api/v1/cosmetics/")
        inventory = auth_client.get("/api/v1/cosmetics/inventory/")
        purchase = auth_client.post(
            f"/api/v1/cosmetics/{CosmeticFactory(slug='buy-me').pk}/purchase/",
            {"currency": "coins"},
        )
    assert shop.status_code == 200 and shop.json()["count"] == 2
    assert inventory.status_code == 200
    assert [i["cosmetic"]["slug"] for i in inventory.json()["results"]] == ["owned"]
    assert purchase.status_code == 201
    assert any("Cache unavailable" in r.getMessage() for r in caplog.records)


def test_catalog_edit_refreshes_inventories_but_others_purchases_do_not(
    user, make_user, django_capture_on_commit_callbacks
):
    from cosmetics.services import catalog_changed

    calls = []

    def read():
        cache.inventory(user.pk, lambda: calls.append("db") or [])

    read()
    with django_capture_on_commit_callbacks(execute=True):
        inventory_grant(user=make_user(), cosmetic=CosmeticFactory(), source="grant")
    read()
    assert calls == ["db"]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_changed()
    read()
    assert calls == ["db", "db"]


def test_a_kept_shop_page_costs_no_sql_and_a_catalog_edit_shows_after_the_bound(
    api_client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The page a process keeps (cache.shop_page_kept) within COSMETICS_SHOP_PAGE_SECONDS, then
    checked against the shop's generation; bad filters are never kept. Time moved by hand."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import memo
    from cosmetics.services import catalog_changed

    settings.COSMETICS_SHOP_PAGE_SECONDS = 1.0
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    CosmeticFactory(slug="first")
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 1
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/cosmetics/").json()["count"] == 1
    assert len(queries) == 0
    CosmeticFactory(slug="second")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_changed()
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 1  # within the bound
    now[0] += 1.0
    assert api_client.get("/api/v1/cosmetics/").json()["count"] == 2
    for _ in range(2):
        assert api_client.get("/api/v1/cosmetics/", {"rarity": "nope"}).status_code == 400
