"""A season ended by a real ``season_end`` process while a real ``consume_events`` process
applies matches (the game server's matches go through the outbox, a real Celery worker and the
Pub/Sub fake): no match is lost or counted twice, a match applied before the freeze is in the
frozen standings and one applied after it counts for the live, soft-reset rating (the next
season), and every battle-pass reward a player reached in the ending season — matches during
the end included — is granted once."""

import random
import subprocess
import sys
import time

import pytest

from battlepass.models import PlayerSeasonProgress, RewardClaim, Season, XPLog
from events.services import match_ingest
from ranking.elo import tier_for
from ranking.models import MatchResult, PlayerRating, SeasonStanding
from ranking.season_end import soft_reset_elo
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events import processes
from tests.events.conftest import match_payload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("season_end_processes"),
]

PLAYERS = 24


def _world(make_user):
    ending = SeasonFactory(xp_per_tier=60, max_tier=10)
    coin_tiers(ending, 10, free=5, premium=None)
    following = SeasonFactory(xp_per_tier=60, max_tier=10, is_active=False)
    Season.objects.filter(pk=following.pk).update(
        start_date=ending.start_date, end_date=ending.end_date
    )
    players = []
    for i in range(PLAYERS):
        user = make_user()
        elo = 1000 + 17 * i
        PlayerRating.objects.create(
            user=user, current_elo=elo, peak_elo=elo, current_tier=tier_for(elo)
        )
        players.append((user, elo))
    return ending, following, players


def _matches_applied() -> int:
    return MatchResult.objects.count()


def test_season_end_while_the_consumer_applies_matches(bus, make_user, log_dir):
    ending, following, players = _world(make_user)
    bus.consumer()
    rng = random.Random(5)
    users = [u for u, _ in players]
    sent = []

    def send(n):
        for _ in range(n):
            a, b = rng.sample(users, 2)
            event_id, created = match_ingest(
                data=match_payload(a, b, winner=rng.choice(["p1", "p2"]))
            )
            assert created
            sent.append(event_id)

    send(6)  # before the end starts
    processes.wait_until(lambda: _matches_applied() == len(sent), 60, "matches not applied")
    env = processes.process_env(bus.fake)
    log = (log_dir / "season_end.log").open("wb")
    end = subprocess.Popen(
        [sys.executable, "manage.py", "season_end", str(ending.season_number), "--chunk-size", "1"],
        cwd=processes.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        during = 0
        deadline = time.monotonic() + 300
        while end.poll() is None:  # matches all along the end, every phase
            assert time.monotonic() < deadline, "season_end did not finish"
            send(1)
            during += 1
            time.sleep(0.05)
        assert end.returncode == 0, (log_dir / "season_end.log").read_text()[-3000:]
    finally:
        if end.poll() is None:
            end.kill()
        log.close()
    send(4)  # after the end: the next season's
    processes.wait_until(
        lambda: _matches_applied() == len(sent), 120, "matches were lost after the season end"
    )
    assert during >= 5

    ending.refresh_from_db()
    following.refresh_from_db()
    assert ending.state == "ended" and following.is_active
    frozen = {
        s.user_id: s for s in SeasonStanding.objects.filter(season_number=ending.season_number)
    }
    assert len(frozen) == PLAYERS
    results = list(MatchResult.objects.all())
    assert len({r.match_id for r in results}) == len(sent)  # each applied once
    for user, start_elo in players:
        gained = sum(
            (r.player1_post_elo - r.player1_pre_elo)
            if r.player1_id == user.pk
            else (r.player2_post_elo - r.player2_pre_elo)
            for r in results
            if user.pk in (r.player1_id, r.player2_id)
        )
        final = frozen[user.pk].final_elo
        before_freeze = final - start_elo  # the matches the standings counted
        after_freeze = gained - before_freeze  # the ones the next season counts
        rating = PlayerRating.objects.get(user=user)
        assert rating.current_elo == soft_reset_elo(final, 0.5, after_freeze), user.pk

    # every match gave its XP once, to the ending season or (after the close) the next one
    logs = XPLog.objects.filter(source="match")
    assert logs.count() == 2 * len(sent)
    assert set(logs.values_list("season_id", flat=True)) <= {ending.pk, following.pk}
    assert logs.filter(season=following).count() >= 2 * 4
    # every free reward reached in the ending season, during the end too, granted once
    for progress in PlayerSeasonProgress.objects.filter(season=ending):
        claimed = sorted(
            RewardClaim.objects.filter(user_id=progress.user_id, season=ending).values_list(
                "tier", flat=True
            )
        )
        assert claimed == list(range(1, progress.current_tier + 1)), progress.user_id
