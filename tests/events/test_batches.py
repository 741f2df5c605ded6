"""match.completed in batches: a poison event neither blocks nor redoes its neighbours, a
player's matches in one batch apply in order, and two consumers racing over overlapping players
never deadlock and leave each player's results an unbroken ELO chain."""

import random
import threading

import pytest
from django.db import connection

from battlepass.models import XPLog
from events.dispatch import dispatch_batch
from events.models import DeadLetter, ProcessedEvent
from events.registry import handler_name
from events.services import build_envelope
from profiles.models import Profile
from ranking.handlers import apply_match_ratings
from ranking.models import MatchResult, PlayerRating
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once, make_challenges


def _envelopes(matches):
    return [build_envelope("match.completed", m) for m in matches]


def assert_unbroken_chains(user_ids) -> None:
    """Every player's results, in application order, start at 1200 and each pre-match ELO is
    the previous post-match ELO; the last post-match ELO is the rating's."""
    for uid in user_ids:
        elo = 1200
        rows = MatchResult.objects.filter(player1_id=uid) | MatchResult.objects.filter(
            player2_id=uid
        )
        for row in rows.order_by("id"):
            pre, post = (
                (row.player1_pre_elo, row.player1_post_elo)
                if row.player1_id == uid
                else (row.player2_pre_elo, row.player2_post_elo)
            )
            assert pre == elo, f"{uid}: match {row.match_id} starts at {pre}, not {elo}"
            elo = post
        if rows.exists():
            assert PlayerRating.objects.get(user_id=uid).current_elo == elo


@pytest.mark.django_db
def test_poison_event_in_a_batch_is_failed_alone(make_user, season):
    players = [make_user() for _ in range(6)]
    broken = make_user()
    Profile.objects.filter(user=broken).delete()  # XP cannot land: the battle-pass part fails
    matches = [match_payload(players[i], players[(i + 1) % 6]) for i in range(6)]
    poison = match_payload(broken, players[0])
    batch = _envelopes([*matches[:3], poison, *matches[3:]])
    result = dispatch_batch(batch, source="consumer")
    assert list(result.failed) == [batch[3]["event_id"]]
    assert result.processed == 2 * len(matches) + 1  # ranking applied the poison's match too
    assert XPLog.objects.filter(match_id=poison["match_id"]).count() == 0
    assert MatchResult.objects.count() == len(matches) + 1
    assert XPLog.objects.filter(source="match").count() == 2 * len(matches)
    # redelivered once the profile is back: applied, the neighbours untouched
    Profile.objects.create(user=broken, display_name="Back")
    again = dispatch_batch([batch[3]], source="consumer")
    assert (again.processed, again.duplicates, again.failed) == (1, 1, {})
    assert_applied_once([*matches, poison], season=season)


@pytest.mark.django_db
def test_rejected_event_in_a_batch_is_dead_lettered_and_the_rest_applied(make_user, season):
    players = [make_user() for _ in range(4)]
    gone = make_user()
    matches = [match_payload(players[i], players[(i + 1) % 4]) for i in range(4)]
    refused = match_payload(players[1], gone)
    gone.is_active = False
    gone.save()
    result = dispatch_batch(_envelopes([*matches[:2], refused, *matches[2:]]))
    assert result.processed == 2 * len(matches) and not result.failed
    assert len(result.rejected) == 2  # by each handler
    assert DeadLetter.objects.count() == 2
    assert ProcessedEvent.objects.filter(outcome="rejected").count() == 2
    ProcessedEvent.objects.filter(outcome="rejected").delete()
    assert_applied_once(matches, season=season)


@pytest.mark.django_db
def test_three_matches_of_one_player_in_a_batch_apply_in_order(make_user, season):
    hero, a, b, c = (make_user() for _ in range(4))
    matches = [
        match_payload(hero, a, winner="p1"),
        match_payload(b, hero, winner="p2"),
        match_payload(hero, c, winner=None),
    ]
    dispatch_batch(_envelopes(matches))
    results = [MatchResult.objects.get(match_id=m["match_id"]) for m in matches]
    assert results[0].player1_pre_elo == 1200 and results[0].player1_post_elo == 1216
    assert results[1].player2_pre_elo == results[0].player1_post_elo
    assert results[2].player1_pre_elo == results[1].player2_post_elo
    assert_unbroken_chains([hero.pk, a.pk, b.pk, c.pk])
    assert_applied_once(matches, season=season)


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_consumers_racing_over_new_overlapping_players(make_user):
    """Many first matches between overlapping new players (no rating or progress rows yet),
    each delivered to both consumers in batches of different order and size: no deadlock, each
    match applied once, every player's results an unbroken chain."""
    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    coin_tiers(season, 10)
    make_challenges(season)
    players = [make_user() for _ in range(12)]
    rng = random.Random(14)
    matches = []
    for _ in range(120):
        p1, p2 = rng.sample(players, 2)
        matches.append(match_payload(p1, p2, winner=rng.choice(["p1", "p2", None])))
    envelopes = _envelopes(matches)
    before = _deadlocks()
    failures, barrier = [], threading.Barrier(2)

    def consume(order, size):
        try:
            barrier.wait()
            for start in range(0, len(order), size):
                result = dispatch_batch(order[start : start + size], source="consumer")
                failures.extend(result.failed.values())
        finally:
            connection.close()

    shuffled = envelopes[::-1]
    threads = [
        threading.Thread(target=consume, args=(envelopes, 7)),
        threading.Thread(target=consume, args=(shuffled, 11)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures[:3]
    assert _deadlocks() == before
    ranking = ProcessedEvent.objects.filter(handler=handler_name(apply_match_ratings))
    assert ranking.count() == len(matches)
    assert_applied_once(matches, season=season)
    assert_unbroken_chains([p.pk for p in players])


@pytest.mark.django_db
def test_the_same_match_twice_in_a_batch_counts_once(make_user, season):
    """The game server's report and the API's under two event ids, in one batch: each handler
    claims both events, the match's guards let its effects in once."""
    p1, p2, p3 = make_user(), make_user(), make_user()
    match = match_payload(p1, p2, winner="p2")
    other = match_payload(p2, p3, winner=None)
    batch = _envelopes([match, other, match])
    result = dispatch_batch(batch)
    assert (result.processed, result.failed) == (6, {})
    assert XPLog.objects.filter(match_id=match["match_id"], source="match").count() == 2
    # the second report's ledger rows aside, everything is as if the match came once
    assert ProcessedEvent.objects.filter(event_id=batch[2]["event_id"]).delete()[0] == 2
    assert_applied_once([match, other], season=season)
