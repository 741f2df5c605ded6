"""Leaderboard gauges at scrape time: built or not, players per board — with a query count that
does not grow with the number of players."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.metrics import exposition
from profiles.models import Profile
from ranking import leaderboard
from ranking.metrics import LeaderboardCollector
from ranking.rebuild import rebuild_leaderboards
from tests.metrics import Scrape, scrape_client
from tests.ranking.conftest import set_ratings

pytestmark = pytest.mark.django_db


def _players(make_user, countries):
    users = [make_user() for _ in countries]
    for user, country in zip(users, countries, strict=True):
        Profile.objects.filter(user=user).update(country=country)
    set_ratings([(u, 1000 + 10 * i) for i, u in enumerate(users)])
    return users


def _collect() -> Scrape:
    return Scrape(exposition.render([LeaderboardCollector()]).decode())


def test_built_and_players_per_board(client, make_user):
    _players(make_user, ["FR", "FR", "DE", "", "FR"])
    rebuild_leaderboards()
    scrape = scrape_client(client)
    assert scrape.value("ranking_leaderboards_built") == 1
    assert scrape.value("ranking_leaderboard_players", board="global") == 5
    assert scrape.value("ranking_leaderboard_players", board="FR") == 3
    assert scrape.value("ranking_leaderboard_players", board="DE") == 1
    assert scrape.value("ranking_leaderboard_redis_players", board="global") == 5
    assert scrape.value("ranking_leaderboard_redis_players", board="FR") == 3


def test_not_built_reports_zero_and_no_set_sizes(make_user):
    _players(make_user, ["FR", "DE"])
    rebuild_leaderboards()
    leaderboard.mark_unbuilt()
    scrape = _collect()
    assert scrape.value("ranking_leaderboards_built") == 0
    assert scrape.value("ranking_leaderboard_players", board="global") == 2
    assert not scrape.has("ranking_leaderboard_redis_players")


def test_redis_down_still_reports_the_sql_side(make_user, redis_down):
    _players(make_user, ["FR"])
    rebuild_leaderboards()
    redis_down()
    scrape = _collect()
    assert scrape.value("ranking_leaderboards_built") == 0
    assert scrape.value("ranking_leaderboard_players", board="global") == 1


def test_one_query_per_scrape_whatever_the_number_of_players(make_user):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _collect()
        return len(captured)

    _players(make_user, ["FR", "DE"])
    rebuild_leaderboards()
    few = queries()
    _players(make_user, ["FR", "DE", "IT", "ES", "PT", "", "", "GB"] * 5)
    rebuild_leaderboards()
    assert few == queries() == 1
