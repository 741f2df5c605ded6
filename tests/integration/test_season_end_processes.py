"""Season end against real processes: a ``season_end`` process SIGKILLed mid-run, then run
again, grants nothing twice; a match applied while the season is ending is not in the frozen
standings and counts for the live (next-season) rating on top of the soft reset."""

import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command

from battlepass.models import RewardClaim, SeasonEnd, SeasonRankReward
from battlepass.season_end import season_end_start, season_end_step
from battlepass.services import xp_award
from cosmetics.models import Wallet, WalletEntry
from events.models import OutboxEvent
from events.services import match_ingest
from ranking.elo import tier_for
from ranking.models import PlayerRating, SeasonStanding
from ranking.season_end import soft_reset_elo
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload
from tests.events.processes import ROOT, database_url
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("season_end_processes"),
]

PLAYERS = 120


def _world():
    season = SeasonFactory(
        xp_per_tier=100,
        max_tier=3,
        rank_rewards=[
            {"tier": tier, "rewards": [{"type": "coins", "value": "40"}]}
            for tier in ("Silver", "Gold", "Platinum")
        ],
    )
    coin_tiers(season, 2, free=7, premium=None)
    players = []
    for i in range(PLAYERS):
        user = UserFactory()
        elo = 900 + 7 * i
        PlayerRating.objects.create(
            user=user, current_elo=elo, peak_elo=elo, current_tier=tier_for(elo)
        )
        if i % 2:
            xp_award(user=user, amount=200, source="admin")  # tiers 1 and 2 unclaimed
        players.append((user, elo))
    return season, players


def _output(path):
    return path.read_text(errors="replace") if path.exists() else ""


def test_sigkill_mid_run_then_resume_grants_nothing_twice(tmp_path):
    season, players = _world()
    log = tmp_path / "season_end.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "season_end",
                str(season.season_number),
                "--chunk-size",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "[unclaimed] 10 done" not in _output(log):
            assert proc.poll() is None, _output(log)[-3000:]
            assert time.monotonic() < deadline, _output(log)[-3000:]
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    run = SeasonEnd.objects.get(season=season)
    assert run.finished_at is None and run.phase in ("unclaimed", "reset")
    season.refresh_from_db()
    assert season.state == "ending"

    call_command("season_end", str(season.season_number), "--no-progress", stdout=StringIO())

    season.refresh_from_db()
    assert season.state == "ended" and not season.is_active
    assert SeasonStanding.objects.filter(season_number=season.season_number).count() == PLAYERS
    rewarded = {"Silver", "Gold", "Platinum"}
    for i, (user, elo) in enumerate(players):
        expected = (40 if tier_for(elo) in rewarded else 0) + (14 if i % 2 else 0)
        wallet = Wallet.objects.filter(user=user).first()
        assert (wallet.coins if wallet else 0) == expected, (i, elo)
        rating = PlayerRating.objects.get(user=user)
        assert rating.current_elo == soft_reset_elo(elo, 0.5)
    assert SeasonRankReward.objects.count() == sum(tier_for(e) in rewarded for _, e in players)
    assert RewardClaim.objects.filter(at_season_end=True).count() == PLAYERS  # 2 x half
    assert OutboxEvent.objects.filter(event_type="season.ended").count() == PLAYERS
    ledger = WalletEntry.objects.filter(reason="season_rank_reward")
    assert ledger.count() == len(set(ledger.values_list("reference", flat=True)))


def test_a_match_while_ending_counts_for_the_live_rating_not_the_standings():
    season = SeasonFactory(xp_per_tier=100, max_tier=3)
    a, b = UserFactory(), UserFactory()
    PlayerRating.objects.create(user=a, current_elo=1600, peak_elo=1600, current_tier="Platinum")
    PlayerRating.objects.create(user=b, current_elo=1400, peak_elo=1400, current_tier="Gold")
    season_end_start(season=season)
    assert season_end_step(season=season, chunk_size=10).phase == "freeze"

    match_ingest(data=match_payload(a, b, winner="p1"))  # applied after commit (inline backend)
    after_match = PlayerRating.objects.get(user=a).current_elo
    assert after_match > 1600

    for _ in range(100):  # a few players: a handful of steps; never an endless loop
        if season_end_step(season=season, chunk_size=10).finished:
            break
    else:
        raise AssertionError("the season end did not finish in 100 steps")
    frozen = SeasonStanding.objects.get(season_number=season.season_number, user=a)
    assert (frozen.final_elo, frozen.final_rank) == (1600, 1)
    drift = after_match - 1600
    assert PlayerRating.objects.get(user=a).current_elo == soft_reset_elo(1600, 0.5) + drift
    assert PlayerRating.objects.get(user=b).current_elo == soft_reset_elo(1400, 0.5) - drift
