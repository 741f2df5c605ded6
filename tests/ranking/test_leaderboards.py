import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.models import Profile
from ranking import boards, leaderboard, selectors
from ranking.models import PlayerRating
from ranking.rebuild import rebuild_leaderboards
from tests.conftest import bearer_client
from tests.ranking.conftest import expected_order, expected_tier_ranks, set_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def players(make_user):
    return [make_user() for _ in range(12)]


def _board(api_client, url="/api/v1/leaderboards/global/", **params):
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


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
        "tier": "Diamond",
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
    Profile.objects.filter(pk=players[1].pk).update(country="FR")
    Profile.objects.filter(pk=players[0].pk).update(country="FR")
    set_ratings([(players[0], 1600), (players[1], 1500)])
    path()
    for url in ("/api/v1/leaderboards/global/", "/api/v1/leaderboards/regional/FR/"):
        hidden, shown = _board(api_client, url)["entries"]
        assert hidden == {
            "rank": 1,
            "user_id": str(players[0].pk),
            "display_name": players[0].profile.display_name,
            "elo": 1600,
            "tier": "Platinum",
            "is_public": False,
            "avatar_url": None,
            "country": None,
            "wins": None,
            "losses": None,
            "draws": None,
            "win_rate": None,
        }
        assert (shown["country"], shown["wins"], shown["win_rate"]) == ("FR", 1, 0.0)
    me = _me(players[1])["nearby_players"]
    assert [(e["user_id"], e["country"]) for e in me] == [
        (str(players[0].pk), None),
        (str(players[1].pk), "FR"),
    ]


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
        assert body["rating"]["user_id"] == str(me) and body["rating"]["rank"] == position + 1
        nearby = body["nearby_players"]
        expected = order[max(0, position - 5) : position + 6]  # the caller included
        assert [e["user_id"] for e in nearby] == [str(u) for u in expected]
        ranks = [e["rank"] for e in nearby]
        assert ranks == [order.index(u) + 1 for u in expected]


def test_around_me_at_rank_one_and_at_the_last_rank(players, path):
    pairs = list(zip(players, range(2000, 800, -100), strict=True))
    set_ratings(pairs)
    path()
    first = _me(players[0])
    assert first["rank"] == 1 and first["percentile"] == 100.0
    assert [e["rank"] for e in first["nearby_players"]] == [1, 2, 3, 4, 5, 6]
    last = _me(players[-1])
    assert last["rank"] == 12 and last["rating"]["current_elo"] == 900
    assert (last["rating"]["current_tier"], last["rating"]["tier_rank"]) == ("Silver", 3)
    assert [e["rank"] for e in last["nearby_players"]] == [7, 8, 9, 10, 11, 12]


def test_around_me_alone_and_not_ranked(make_user, path):
    solo, newcomer = make_user(), make_user()
    set_ratings([(solo, 1200)])
    path()
    body = _me(solo)
    assert (body["rank"], body["total_players"]) == (1, 1)
    assert [e["user_id"] for e in body["nearby_players"]] == [str(solo.pk)]
    assert body["rating"]["tier_rank"] == 1 and body["rating"]["display_name"]
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
    assert _me(players[1])["rating"]["current_elo"] > before[1]["rating"]["current_elo"]


def test_not_built_sets_answer_from_sql_then_get_rebuilt(api_client, players, play):
    play(players[0], players[1], winner=players[0])
    leaderboard.mark_unbuilt()
    body = _board(api_client)
    assert [e["rank"] for e in body["entries"]] == [1, 2]
    client = leaderboard.client_or_none()
    assert client.exists(leaderboard.built_key())  # the rebuild ran (eager task)
    assert client.zcard(leaderboard.board_key()) == 2


# Tier boundaries on both sides, and ties.
BOUNDARY_ELOS = [100, 799, 800, 1199, 1200, 1200, 1500, 1599, 1600, 2399, 2400, 2800, 3000]


@given(elos=st.lists(st.sampled_from(BOUNDARY_ELOS), min_size=1, max_size=12))
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
    tier_ranks = expected_tier_ranks(pairs)
    for user, elo in pairs:
        sql_rank = selectors.sql_rank(user.pk, elo)
        assert sql_rank == order.index(user.pk) + 1
        for radius in (0, 5):
            on_redis = leaderboard.position(client, None, user.pk, radius)
            in_sql = selectors.sql_position(user.pk, elo, radius)
            assert on_redis.rank == in_sql.rank == sql_rank
            assert on_redis.size == in_sql.size == len(pairs)
            assert on_redis.tier_rank == in_sql.tier_rank == tier_ranks[user.pk]
            assert [(r, u) for r, u, _ in on_redis.rows] == [(r, u) for r, u, _ in in_sql.rows]


def test_tier_rank_is_the_same_on_both_paths_at_tier_boundaries(api_client, players, path):
    elos = [1600, 1599, 1599, 1200, 1200, 1199, 800, 799, 2400, 2399, 3000, 100]
    pairs = list(zip(players, elos, strict=True))
    set_ratings(pairs)
    path()
    expected = expected_tier_ranks(pairs)
    for user, _ in pairs:
        body = api_client.get(f"/api/v1/ratings/{user.pk}/").json()
        assert body["tier_rank"] == expected[user.pk], (body["current_elo"], body)
    # the two Gold players tied at 1599 are ranked by user id, as on the board
    golds = sorted(u.pk for u, elo in pairs if elo == 1599)
    assert [expected[u] for u in golds] == [1, 2]


def test_member_encoding_reverses_uuid_order():
    ids = sorted(uuid.uuid4() for _ in range(50))
    members = [leaderboard.encode_member(u) for u in ids]
    assert members == sorted(members, reverse=True)
    assert [leaderboard.decode_member(m) for m in members] == ids
    edge = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)]
    assert [leaderboard.decode_member(leaderboard.encode_member(u)) for u in edge] == edge


def test_position_of_a_player_off_the_board_has_no_rank_and_no_tier_rank(players):
    set_ratings([(players[0], 1500), (players[1], 1400)])
    PlayerRating.objects.filter(pk=players[1].pk).update(listed=False)
    rebuild_leaderboards()
    on_redis = leaderboard.position(leaderboard.client_or_none(), None, players[1].pk, 5)
    in_sql = boards._sql_position(players[1].pk, 5)
    for pos in (on_redis, in_sql):
        assert (pos.rank, pos.tier_rank, pos.rows, pos.size) == (None, None, [], 1)
