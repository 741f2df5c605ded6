"""How many SQL statements one match.completed costs: a count (not a timing), so that the
match path stays cheap. The handler's statements are listed on failure."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from battlepass.models import ChallengeProgress, PlayerSeasonProgress, XPLog
from events.dispatch import dispatch_envelope
from events.services import build_envelope
from ranking.models import MatchResult
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once, make_challenges

# Measured after / before the match path was trimmed (statements, including the handler's
# savepoint pair): first match 52 / 120; both players completing a challenge 54 / 123; later
# matches 40-42 / 86-90; a season without challenges 30 / 72.
FIRST_MAX = 54
COMPLETING_MAX = 56
STEADY_MAX = 44
NO_CHALLENGES_MAX = 31


@pytest.fixture
def season(db):
    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    coin_tiers(season, 10)
    return season


def _apply(data) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch_envelope(build_envelope("match.completed", data)).processed == 1
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
    with django_assert_max_num_queries(6):  # claim, players, the match ledger: nothing else
        assert dispatch_envelope(build_envelope("match.completed", data)).processed == 1
    assert MatchResult.objects.count() == 1 and XPLog.objects.count() == 2
