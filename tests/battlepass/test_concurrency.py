"""Parallel claims and awards against the real PostgreSQL: one grant, one XP log."""

import threading

import pytest
from django.db import connection

from battlepass.errors import AlreadyClaimed
from battlepass.models import RewardClaim, XPLog
from battlepass.services import battlepass_reward_claim, xp_award
from cosmetics.models import Wallet, WalletEntry
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 10


def _run_parallel(target) -> list:
    barrier = threading.Barrier(WORKERS)
    outcomes: list = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            result = target()
        except Exception as exc:  # recorded and asserted on by the test
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_claims_of_one_tier_grant_once():
    user = UserFactory()
    season = SeasonFactory(xp_per_tier=100)
    coin_tiers(season, 1, free=100, premium=None)
    xp_award(user=user, amount=100, source="match", match_id="m")

    outcomes = _run_parallel(lambda: battlepass_reward_claim(user=user, tier=1, track="free"))

    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, AlreadyClaimed) for o in outcomes if isinstance(o, Exception))
    assert RewardClaim.objects.filter(user=user).count() == 1
    assert Wallet.objects.get(user=user).coins == 100
    assert WalletEntry.objects.filter(wallet__user=user).count() == 1


def test_parallel_awards_for_one_match_write_one_log():
    user = UserFactory()
    SeasonFactory()

    outcomes = _run_parallel(
        lambda: xp_award(user=user, amount=150, source="match", match_id="match-42")
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sum(o.awarded for o in outcomes) == 1
    assert {(o.current_xp, o.total_xp) for o in outcomes} == {(150, 150)}
    assert XPLog.objects.filter(user=user).count() == 1
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 150


def test_parallel_awards_for_different_matches_all_count():
    user = UserFactory()
    SeasonFactory(xp_per_tier=100, max_tier=100)
    counter = iter(range(WORKERS))
    lock = threading.Lock()

    def award():
        with lock:
            n = next(counter)
        return xp_award(user=user, amount=60, source="match", match_id=f"m{n}")

    outcomes = _run_parallel(award)
    assert all(o.awarded for o in outcomes)
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 600
    assert max(o.current_xp for o in outcomes) == 600


def test_parallel_premium_purchases_debit_once():
    from battlepass.errors import AlreadyPremium
    from battlepass.services import battlepass_premium_purchase
    from cosmetics.services import wallet_change

    user = UserFactory()
    SeasonFactory(premium_price=500)
    wallet_change(user=user, currency="premium", amount=5000, reason="test top-up")

    outcomes = _run_parallel(lambda: battlepass_premium_purchase(user=user))

    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, AlreadyPremium) for o in outcomes if isinstance(o, Exception))
    assert Wallet.objects.get(user=user).premium == 4500
    assert WalletEntry.objects.filter(wallet__user=user, reason="battlepass_premium").count() == 1
