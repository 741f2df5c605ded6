"""How many SQL statements one match.completed costs: a count (not a timing), so that the
match path stays cheap. The handler's statements are listed on failure."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from battlepass.models import ChallengeProgress, PlayerSeasonProgress, XPLog
from events.dispatch import dispatch_batch, dispatch_envelope
from events.services import build_envelope
from ranking.models import MatchResult
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once, make_challenges

# One match alone (a batch of one; two handlers, each its own transaction and claim), measured:
# first match 34; both players completing a challenge 31; later matches 28-29; a season
# without challenges 25 (before the battle pass went to bulk statements: 52, 60, 46-48, 36).
FIRST_MAX = 36
COMPLETING_MAX = 33
STEADY_MAX = 30
NO_CHALLENGES_MAX = 26
# A batch costs a fixed number of statements whatever its size (claims, players, season, locks,
# guard inserts, one UPDATE per table, one outbox INSERT per handler): measured 35 for 10 and
# for 100 matches among 8 players with challenges (ranking 14, battle pass 21).
BATCH_MAX = 36


@pytest.fixture
def season(db):
    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    coin_tiers(season, 10)
    return season


def _apply(data) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch_envelope(build_envelope("match.completed", data)).processed == 2
    return [q["sql"] for q in ctx.captured_queries]


def _check(statements: list[str], limit: int) -> None:
    assert len(statements) <= limit, "\n".join(s[:150] for s in statements)


@pytest.mark.django_db
def test_first_and_later_matches_stay_within_their_statement_budget(make_user, season):
    make_challenges(season)
    p1, p2 = make_user(), make_user()
    matches = [match_payload(p1, p2)]
    _check(_apply(matches[0]), FIRST_MAX)  # rating, progress and challenge rows created
    assert PlayerSeasonProgress.objects.count() == 2 and ChallengeProgress.objects.count() == 5
    # later matches: both complete "play-two" in the second; level-ups and tier rewards
    for winner, limit in (("p2", COMPLETING_MAX), (None, STEADY_MAX), ("p1", STEADY_MAX)):
        matches.append(match_payload(p1, p2, winner=winner, player1_kills=9))
        _check(_apply(matches[-1]), limit)
    assert_applied_once(matches, season=season)


@pytest.mark.django_db
def test_match_without_challenges_stays_within_its_statement_budget(make_user, season):
    p1, p2 = make_user(), make_user()
    matches = [match_payload(p1, p2)]
    _apply(matches[0])
    matches.append(match_payload(p1, p2, winner="p2"))
    _check(_apply(matches[-1]), NO_CHALLENGES_MAX)
    assert_applied_once(matches, season=season)


@pytest.mark.django_db
def test_a_replayed_match_costs_a_few_statements(make_user, season, django_assert_max_num_queries):
    data = match_payload(make_user(), make_user())
    _apply(data)
    # the same match under a new event id: each handler claims it, looks the players up and
    # locks their rows (and share-locks the season row), then finds each effect's guard row
    # (match result, XP logs, records)
    with django_assert_max_num_queries(23):
        assert dispatch_envelope(build_envelope("match.completed", data)).processed == 2
    assert MatchResult.objects.count() == 1 and XPLog.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 100])
def test_a_batch_costs_a_fixed_number_of_statements(make_user, season, size):
    """``size`` matches among 8 players (each plays size / 4, new and known players mixed, with
    challenges completing and tiers and levels rising) in one batch: one transaction per
    handler, players' rows locked once, bulk writes — as many statements for 100 as for 10."""
    make_challenges(season)
    players = [make_user() for _ in range(8)]
    matches = [
        match_payload(
            players[i % 8],
            players[(i * 3 + 1) % 8],
            winner=("p1", "p2", None)[i % 3],
            player1_kills=i % 7,
        )
        for i in range(size + size // 7 + 1)
        if i % 8 != (i * 3 + 1) % 8
    ][:size]
    envelopes = [build_envelope("match.completed", m) for m in matches]
    with CaptureQueriesContext(connection) as ctx:
        result = dispatch_batch(envelopes)
    assert result.processed == 2 * len(matches) and not result.failed
    _check([q["sql"] for q in ctx.captured_queries], BATCH_MAX)
    assert_applied_once(matches, season=season)
