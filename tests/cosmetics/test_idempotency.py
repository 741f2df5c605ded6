"""Idempotency-Key on purchases: replay, reuse with another body, failures, retention."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.idempotency import prune_idempotency_keys
from core.models import IdempotencyKey
from cosmetics.models import Wallet, WalletEntry
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db


def _buy(client, cosmetic, key, currency="coins"):
    return client.post(
        f"/api/v1/cosmetics/{cosmetic.pk}/purchase/",
        {"currency": currency},
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_same_key_replays_first_response_without_second_charge(auth_client, user, fund):
    fund(user, coins=500, premium=50)
    cosmetic = CosmeticFactory(price_coins=100, price_premium=10)
    first = _buy(auth_client, cosmetic, "k-1")
    again = _buy(auth_client, cosmetic, "k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Wallet.objects.get(user=user).coins == 400
    # Without the key the same purchase is a plain 409.
    no_key = auth_client.post(f"/api/v1/cosmetics/{cosmetic.pk}/purchase/", {"currency": "coins"})
    assert no_key.status_code == 409


def test_same_key_with_another_body_is_422(auth_client, user, fund):
    fund(user, coins=500, premium=50)
    cosmetic = CosmeticFactory(price_coins=100, price_premium=10)
    assert _buy(auth_client, cosmetic, "k-2").status_code == 201
    reused = _buy(auth_client, cosmetic, "k-2", currency="premium")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    other_item = _buy(auth_client, CosmeticFactory(), "k-2")  # another path, same key
    assert other_item.status_code == 422
    assert Wallet.objects.get(user=user).premium == 50


def test_keys_are_per_user(make_user, fund):
    from tests.conftest import bearer_client

    alice, bob = make_user(), make_user()
    fund(alice, coins=100)
    fund(bob, coins=100)
    cosmetic = CosmeticFactory(price_coins=100)
    assert _buy(bearer_client(alice), cosmetic, "shared").status_code == 201
    assert _buy(bearer_client(bob), cosmetic, "shared").status_code == 201
    assert Wallet.objects.get(user=bob).coins == 0


def test_failed_request_stores_nothing_so_a_retry_can_succeed(auth_client, user, fund):
    cosmetic = CosmeticFactory(price_coins=100)
    assert _buy(auth_client, cosmetic, "k-3").status_code == 402
    assert not IdempotencyKey.objects.exists()
    fund(user, coins=100)
    assert _buy(auth_client, cosmetic, "k-3").status_code == 201
    assert WalletEntry.objects.filter(amount__lt=0).count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_bad_keys_are_400(auth_client, user, fund, key):
    fund(user, coins=100)
    response = _buy(auth_client, CosmeticFactory(), key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]["details"]
    assert Wallet.objects.get(user=user).coins == 100


def test_key_stores_fingerprint_and_response(auth_client, user, fund):
    fund(user, coins=100)
    response = _buy(auth_client, CosmeticFactory(), "k-4")
    record = IdempotencyKey.objects.get(user=user, key="k-4")
    assert record.response_status == 201 and record.response_body == response.json()
    assert len(record.fingerprint) == 64


@override_settings(IDEMPOTENCY_KEY_RETENTION_HOURS=1)
def test_prune_keeps_keys_for_at_least_24_hours(user):
    now = timezone.now()
    ages = {"fresh": 1, "day-old": 23, "stale": 25}
    for key, hours in ages.items():
        record = IdempotencyKey.objects.create(user=user, key=key, fingerprint="f")
        IdempotencyKey.objects.filter(pk=record.pk).update(created_at=now - timedelta(hours=hours))
    assert prune_idempotency_keys(now=now) == 1
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"fresh", "day-old"}


def test_prune_task_is_scheduled_and_runs(user):
    from django.conf import settings

    from core.tasks import prune_idempotency_keys_task

    entry = settings.CELERY_BEAT_SCHEDULE["core-prune-idempotency-keys"]
    assert entry["task"] == prune_idempotency_keys_task.name
    record = IdempotencyKey.objects.create(user=user, key="old", fingerprint="f")
    IdempotencyKey.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    assert prune_idempotency_keys_task.delay().get() == 1
