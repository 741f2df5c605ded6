import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.models import Profile
from ranking import leaderboard, selectors
from ranking.rebuild import rebuild_leaderboards
from tests.conftest import bearer_client
from tests.ranking.conftest import expected_order, set_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def players(make_user):
    return [make_user() for _ in range(12)]


def _board(api_client, url="/api/v1/leaderboards/global/", **params):
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture(params=["redis", "sql"])
def path(request, redis_down, monkeypatch):
    """Run a test on the Redis path (sets built; SQL board reads forbidden) and on the SQL one."""

    def prepare():
        if request.param == "redis":
            rebuild_leaderboards()
            for name in ("sql_page", "sql_around"):
                monkeypatch.setattr(selectors, name, _forbidden)
        else:
            rebuild_leaderboards()
            redis_down()

    return prepare


def _forbidden(*args, **kwargs):
    raise AssertionError("the Redis path must not page or scan in SQL")


def test_global_page_shape_order_and_pagination(api_client, players, path):
    elos = [1500, 1500, 1200, 1800, 900, 1500, 2100, 1200, 1300, 1400, 1000, 1500]
    pairs = list(zip(players, elos, strict=True))
    Profile.objects.filter(pk=players[6].pk).update(
        country="US", avatar_url="https://cdn.example.com/a.png"
    )
    set_ratings(pairs)
    path()
    order = expected_order(pairs)
    body = _board(api_client, limit=5, offset=0)
    assert body["total_players"] == 12 and body["page"] == 1 and body["page_size"] == 5
    assert [e["user_id"] for e in body["entries"]] == [str(u) for u in order[:5]]
    assert [e["rank"] for e in body["entries"]] == [1, 2, 3, 4, 5]
    top = body["entries"][0]
    assert top == {
        "rank": 1,
        "user_id": str(players[6].pk),
        "display_name": players[6].profile.display_name,
        "avatar_url": "https://cdn.example.com/a.png",
        "is_public": True,
        "country": "US",
        "elo": 2100,
        "tier": "Gold",  # set_ratings keeps the model default tier
        "wins": 1,
        "losses": 0,
        "draws": 0,
        "win_rate": 0.0,
    }
    second = _board(api_client, limit=5, offset=5)
    assert second["page"] == 2
    assert [e["rank"] for e in second["entries"]] == [6, 7, 8, 9, 10]
    assert [e["user_id"] for e in second["entries"]] == [str(u) for u in order[5:10]]
    past = _board(api_client, limit=5, offset=50)
    assert past["entries"] == [] and past["total_players"] == 12 and past["page"] == 11


def test_private_profiles_appear_by_display_name_only(api_client, players, path):
    Profile.objects.filter(pk=players[0].pk).update(
        is_public=False, avatar_url="https://cdn.example.com/secret.png"
    )
    set_ratings([(players[0], 1600), (players[1], 1500)])
    path()
    entry = _board(api_client)["entries"][0]
    assert entry["display_name"] == players[0].profile.display_name
    assert entry["avatar_url"] is None and entry["is_public"] is False


def test_regional_board(api_client, players, path):
    for u in players[:3]:
        Profile.objects.filter(pk=u.pk).update(country="DE")
    set_ratings([(players[0], 1300), (players[1], 1700), (players[2], 1500), (players[3], 2000)])
    path()
    body = _board(api_client, "/api/v1/leaderboards/regional/de/")
    assert body["total_players"] == 3
    assert [e["user_id"] for e in body["entries"]] == [
        str(players[1].pk),
        str(players[2].pk),
        str(players[0].pk),
    ]
    assert _board(api_client, "/api/v1/leaderboards/regional/FR/")["entries"] == []


def test_bad_page_params_and_country(api_client, db):
    assert api_client.get("/api/v1/leaderboards/global/?limit=-1").status_code == 400
    assert api_client.get("/api/v1/leaderboards/global/?offset=x").status_code == 400
    body = api_client.get("/api/v1/leaderboards/regional/XX/").json()
    assert body["error"]["code"] == "VALIDATION_ERROR" and "country" in body["error"]["details"]
    assert _board(api_client, limit=500)["page_size"] == 100


def _me(user):
    response = bearer_client(user).get("/api/v1/leaderboards/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_around_me_in_the_middle_with_ties(players, path):
    pairs = [(u, 1500 if i % 2 else 1400 + i) for i, u in enumerate(players)]
    set_ratings(pairs)
    path()
    order = expected_order(pairs)
    for position in (0, 3, 5, 6, 11):
        me = order[position]
        user = next(u for u in players if u.pk == me)
        body = _me(user)
        assert body["rank"] == position + 1 and body["total_players"] == 12
        nearby = body["nearby"]
        expected = order[max(0, position - 5) : position] + order[position + 1 : position + 6]
        assert [e["user_id"] for e in nearby] == [str(u) for u in expected]
        assert str(me) not in [e["user_id"] for e in nearby]
        ranks = [e["rank"] for e in nearby]
        assert ranks == [order.index(u) + 1 for u in expected]


def test_around_me_at_rank_one_and_at_the_last_rank(players, path):
    pairs = list(zip(players, range(2000, 800, -100), strict=True))
    set_ratings(pairs)
    path()
    first = _me(players[0])
    assert first["rank"] == 1 and first["percentile"] == 100.0
    assert [e["rank"] for e in first["nearby"]] == [2, 3, 4, 5, 6]
    last = _me(players[-1])
    assert last["rank"] == 12 and last["elo"] == 900 and last["tier"] == "Gold"
    assert [e["rank"] for e in last["nearby"]] == [7, 8, 9, 10, 11]


def test_around_me_alone_and_not_ranked(make_user, path):
    solo, newcomer = make_user(), make_user()
    set_ratings([(solo, 1200)])
    path()
    body = _me(solo)
    assert (body["rank"], body["total_players"], body["nearby"]) == (1, 1, [])
    response = bearer_client(newcomer).get("/api/v1/leaderboards/me/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "LEADERBOARD_USER_NOT_RANKED"


def test_around_me_needs_auth(api_client, db):
    assert api_client.get("/api/v1/leaderboards/me/").status_code == 401


def test_redis_stopped_mid_test_endpoints_answer_from_sql(api_client, players, play, redis_down):
    for i in range(6):
        play(players[i], players[i + 6], winner=players[i] if i % 3 else None)
    rebuild_leaderboards()
    before = _board(api_client), _me(players[1])
    rating_before = api_client.get(f"/api/v1/ratings/{players[1].pk}/").json()
    redis_down()
    assert leaderboard.client_or_none().connection_pool.connection_kwargs["port"] != 6379
    assert (_board(api_client), _me(players[1])) == before
    assert api_client.get(f"/api/v1/ratings/{players[1].pk}/").json() == rating_before
    # Writes still work; the board follows in SQL.
    play(players[0], players[1], winner=players[1])
    assert _me(players[1])["elo"] > before[1]["elo"]


def test_not_built_sets_answer_from_sql_then_get_rebuilt(api_client, players, play):
    play(players[0], players[1], winner=players[0])
    leaderboard.mark_unbuilt()
    body = _board(api_client)
    assert [e["rank"] for e in body["entries"]] == [1, 2]
    client = leaderboard.client_or_none()
    assert client.exists(leaderboard._built_key())  # the rebuild ran (eager task)
    assert client.zcard(leaderboard.board_key()) == 2


@given(elos=st.lists(st.sampled_from([100, 800, 1200, 1200, 1500, 3000]), min_size=1, max_size=12))
def test_redis_ranks_equal_sql_ranks_for_any_ratings_with_ties(players, elos):
    pairs = list(zip(players, elos, strict=False))
    set_ratings(pairs)
    rebuild_leaderboards()
    client = leaderboard.client_or_none()
    order = expected_order(pairs)
    size, redis_rows = leaderboard.page(client, None, 0, 100)
    assert size == len(pairs)
    assert [uid for _, uid, _ in redis_rows] == order
    assert [(r, uid) for r, uid, _ in selectors.sql_page(None, 0, 100)] == [
        (i + 1, uid) for i, uid in enumerate(order)
    ]
    for user, elo in pairs:
        sql_rank = selectors.sql_rank(user.pk, elo)
        assert leaderboard.rank_of(client, user.pk)[0] == sql_rank == order.index(user.pk) + 1
        redis_rank, _, redis_window = leaderboard.around(client, None, user.pk, 5)
        sql_rank_2, sql_window = selectors.sql_around(user.pk, elo, 5)
        assert redis_rank == sql_rank_2 == sql_rank
        assert [(r, u) for r, u, _ in redis_window] == [(r, u) for r, u, _ in sql_window]


def test_member_encoding_reverses_uuid_order():
    ids = sorted(uuid.uuid4() for _ in range(50))
    members = [leaderboard.encode_member(u) for u in ids]
    assert members == sorted(members, reverse=True)
    assert [leaderboard.decode_member(m) for m in members] == ids
    edge = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)]
    assert [leaderboard.decode_member(leaderboard.encode_member(u)) for u in edge] == edge
