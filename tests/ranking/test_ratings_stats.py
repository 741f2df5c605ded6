import uuid

import pytest

from profiles.models import Profile
from ranking.models import PlayerRating
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def test_rating_detail_with_rank(api_client, make_user, play):
    a, b, c = make_user(), make_user(), make_user()
    play(a, b, winner=a)
    play(c, b, winner=None)
    Profile.objects.filter(pk=a.pk).update(avatar_url="https://cdn.example.com/a.png")
    body = api_client.get(f"/api/v1/ratings/{a.pk}/").json()
    assert body["user_id"] == str(a.pk)
    assert body["display_name"] == a.profile.display_name
    assert body["avatar_url"] == "https://cdn.example.com/a.png"
    assert (body["current_elo"], body["peak_elo"], body["current_tier"]) == (1216, 1216, "Gold")
    assert body["tier_rank"] == 1
    assert (body["wins"], body["losses"], body["draws"], body["matches_played"]) == (1, 0, 0, 1)
    assert body["win_rate"] == 1.0 and body["rank"] == 1 and body["last_match_date"].endswith("Z")
    last = api_client.get(f"/api/v1/ratings/{b.pk}/").json()
    # b (1184 after the loss) and c (1199 after the draw) are both Silver; c is ahead.
    assert (last["rank"], last["current_tier"], last["tier_rank"]) == (3, "Silver", 2)
    assert last["avatar_url"] is None


def test_rating_of_unrated_or_unknown_user_is_not_ranked(api_client, make_user):
    for uid in (make_user().pk, uuid.uuid4()):
        response = api_client.get(f"/api/v1/ratings/{uid}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "LEADERBOARD_USER_NOT_RANKED"


def test_rating_cache_is_invalidated_by_each_rating_change(api_client, make_user, play):
    a, b = make_user(), make_user()
    play(a, b, winner=a)
    assert api_client.get(f"/api/v1/ratings/{a.pk}/").json()["current_elo"] == 1216
    play(a, b, winner=b)
    body = api_client.get(f"/api/v1/ratings/{a.pk}/").json()
    assert body["current_elo"] == PlayerRating.objects.get(pk=a.pk).current_elo < 1216
    assert body["losses"] == 1


def test_stats_with_recent_matches(api_client, make_user, play):
    a, b = make_user(), make_user()
    first = play(a, b, winner=a, duration_seconds=120, player1_score=3, player2_score=1)
    second = play(b, a, winner=None)
    body = api_client.get(f"/api/v1/stats/{a.pk}/").json()
    assert (body["matches_played"], body["wins"], body["draws"], body["losses"]) == (2, 1, 1, 0)
    assert body["win_rate"] == 0.5 and body["tier"] == "Gold"
    recent = body["recent_matches"]
    assert [m["match_id"] for m in recent] == [str(second.match_id), str(first.match_id)]
    assert recent[1] == {
        "match_id": str(first.match_id),
        "player1_id": str(a.pk),
        "player2_id": str(b.pk),
        "winner_id": str(a.pk),
        "is_draw": False,
        "player1_score": 3,
        "player2_score": 1,
        "duration_seconds": 120,
        "player1_pre_elo": 1200,
        "player1_post_elo": 1216,
        "player2_pre_elo": 1200,
        "player2_post_elo": 1184,
        "elo_delta_p1": 16,
        "elo_delta_p2": -16,
        "played_at": recent[1]["played_at"],
    }
    assert recent[0]["is_draw"] and recent[0]["winner_id"] is None


def test_stats_respect_profile_privacy(api_client, make_user, staff_user, play):
    a, b = make_user(), make_user()
    play(a, b, winner=a)
    Profile.objects.filter(pk=a.pk).update(is_public=False)
    denied = api_client.get(f"/api/v1/stats/{a.pk}/")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "PROFILE_PRIVATE"
    assert bearer_client(b).get(f"/api/v1/stats/{a.pk}/").status_code == 403
    assert bearer_client(a).get(f"/api/v1/stats/{a.pk}/").status_code == 200
    assert bearer_client(staff_user).get(f"/api/v1/stats/{a.pk}/").status_code == 200


def test_stats_unknown_and_unrated(api_client, make_user):
    missing = api_client.get(f"/api/v1/stats/{uuid.uuid4()}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PROFILE_NOT_FOUND"
    unrated = api_client.get(f"/api/v1/stats/{make_user().pk}/")
    assert unrated.json()["error"]["code"] == "LEADERBOARD_USER_NOT_RANKED"


def test_board_entries_resolve_names_without_a_query_per_row(
    api_client, make_user, play, django_assert_max_num_queries
):
    users = [make_user() for _ in range(20)]
    for i in range(10):
        play(users[i], users[i + 10], winner=users[i])
    api_client.get("/api/v1/leaderboards/global/")  # builds the sets
    with django_assert_max_num_queries(3):
        body = api_client.get("/api/v1/leaderboards/global/?limit=100").json()
    assert len(body["entries"]) == 20
