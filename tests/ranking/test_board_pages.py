"""Board pages from a cached rendering (ranking.board_pages): a change shows once the bound
(RANKING_BOARD_PAGE_SECONDS) has passed and the boards' version moved; the same ranks as
leaderboards/me/ and ratings/{id}/; nothing cached off the Redis path. Time is moved by hand
(the module's clock), never waited for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import memo
from profiles.services import profile_update
from ranking.rebuild import rebuild_leaderboards
from tests.conftest import bearer_client
from tests.ranking.conftest import set_ratings

pytestmark = pytest.mark.django_db

GLOBAL = "/api/v1/leaderboards/global/"
BOUND = 1.0


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.RANKING_BOARD_PAGE_SECONDS = BOUND  # the shipped bound
    fake = Clock()
    monkeypatch.setattr(memo.time, "monotonic", fake)
    return fake


@pytest.fixture
def players(make_user):
    users = [make_user() for _ in range(4)]
    set_ratings(list(zip(users, [1500, 1400, 1300, 1200], strict=True)))
    rebuild_leaderboards()
    return users


def _ids(api_client, url=GLOBAL):
    response = api_client.get(url)
    assert response.status_code == 200, response.content
    entries = response.json()["entries"]
    return [(e["rank"], e["user_id"], e["display_name"], e["elo"]) for e in entries]


def _page_queries(api_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        api_client.get(GLOBAL)
    return len(queries)


def test_a_rating_change_shows_once_the_bound_has_passed(api_client, players, play, clock):
    first = _ids(api_client)
    assert [uid for _, uid, _, _ in first] == [str(u.pk) for u in players]
    play(players[3], players[0], winner=players[3])  # the last beats the first
    clock.now += BOUND / 2
    assert _ids(api_client) == first  # within the bound: the cached rendering
    clock.now += BOUND / 2
    after = _ids(api_client)
    assert after != first
    ranks = {uid: rank for rank, uid, _, _ in after}
    me = bearer_client(players[3]).get("/api/v1/leaderboards/me/").json()
    assert me["rank"] == ranks[str(players[3].pk)]
    rating = api_client.get(f"/api/v1/ratings/{players[0].pk}/").json()
    assert rating["rank"] == ranks[str(players[0].pk)]


def test_an_unchanged_board_is_not_rendered_again(api_client, players, clock):
    assert _page_queries(api_client) == 1  # the names and records of the page, one query
    assert _page_queries(api_client) == 0
    clock.now += 10 * BOUND  # checked again: same version, same rendering
    assert _page_queries(api_client) == 0


def test_a_display_name_change_shows_after_the_bound(
    api_client, players, clock, django_capture_on_commit_callbacks
):
    _ids(api_client)
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(user=players[0], data={"display_name": "NewName"})
    clock.now += BOUND
    assert _ids(api_client)[0][2] == "NewName"


def test_a_rebuild_is_a_new_version(api_client, players, clock):
    _ids(api_client)
    set_ratings(list(zip(players, [1000, 1100, 1200, 1300], strict=True)))
    rebuild_leaderboards()
    clock.now += BOUND
    assert [uid for _, uid, _, _ in _ids(api_client)] == [str(u.pk) for u in reversed(players)]


def test_without_built_sets_every_page_comes_from_sql(api_client, make_user, clock):
    users = [make_user() for _ in range(2)]
    set_ratings(list(zip(users, [1500, 1400], strict=True)))  # sets not built
    assert _page_queries(api_client) > 0
    assert _page_queries(api_client) > 0  # nothing cached


def test_ratings_and_me_answers_follow_privacy_and_deactivation_after_the_bound(
    api_client, players, clock, django_capture_on_commit_callbacks
):
    """ratings/{id}/ is kept per kind of viewer: a profile turned private answers 403 to others
    (and still 200 to its owner) once the bound has passed; a deactivated player 404."""
    from accounts.services import user_deactivate

    target = players[1]
    url = f"/api/v1/ratings/{target.pk}/"
    owner = bearer_client(target)
    assert api_client.get(url).status_code == 200
    assert owner.get(url).status_code == 200
    assert owner.get("/api/v1/leaderboards/me/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            user=target,
            data={"is_public": False, "accept_friend_requests": True, "allow_messages": True},
            section="privacy",
        )
    clock.now += BOUND
    assert api_client.get(url).status_code == 403
    assert owner.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(user=players[2])
    clock.now += BOUND
    assert api_client.get(f"/api/v1/ratings/{players[2].pk}/").status_code == 404
    me = bearer_client(players[2]).get("/api/v1/leaderboards/me/")
    assert me.status_code == 401  # the deactivated player's tokens are dead too


def test_a_kept_rating_answer_costs_no_sql(api_client, players, clock):
    url = f"/api/v1/ratings/{players[0].pk}/"
    assert api_client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(url).status_code == 200
    assert len(queries) == 0
