"""API.md's privacy through ranking and deactivated players (issue 13, points 5 and 6).

A private player's rating and stats are for the owner and staff; a deactivated player leaves the
boards (Redis and SQL alike), their rating and stats answer 404, matches naming them are refused
as for an unknown player, and reactivation brings the rating back."""

import pytest

from accounts.services import user_deactivate, user_reactivate
from events.dispatch import dispatch_envelope
from events.models import DeadLetter, IngestedMatch, OutboxEvent
from events.services import build_envelope
from profiles.models import Profile
from ranking.models import BoardSize, MatchResult
from ranking.rebuild import recount_board_sizes
from tests.conftest import bearer_client
from tests.events.conftest import SERVICE_TOKEN, match_payload
from tests.ranking.conftest import set_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def players(make_user):
    users = [make_user() for _ in range(4)]
    for user in users:
        Profile.objects.filter(pk=user.pk).update(country="SE")
    set_ratings(list(zip(users, [1800, 1500, 1400, 1300], strict=True)))
    recount_board_sizes()
    return users


def _ids(body) -> list[str]:
    return [e["user_id"] for e in body["entries"]]


def test_private_rating_is_for_the_owner_and_staff_only(api_client, players, staff_user):
    private, stranger = players[1], players[2]
    Profile.objects.filter(pk=private.pk).update(is_public=False)
    url = f"/api/v1/ratings/{private.pk}/"
    for client in (api_client, bearer_client(stranger)):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "PROFILE_PRIVATE"
    for viewer in (private, staff_user):
        body = bearer_client(viewer).get(url).json()
        assert (body["user_id"], body["rank"], body["tier_rank"]) == (str(private.pk), 2, 1)
    stats = api_client.get(f"/api/v1/stats/{private.pk}/")
    assert stats.status_code == 403 and stats.json()["error"]["code"] == "PROFILE_PRIVATE"


def test_privacy_set_through_the_api_applies_to_a_cached_rating(
    api_client, players, django_capture_on_commit_callbacks
):
    owner = players[0]
    assert api_client.get(f"/api/v1/ratings/{owner.pk}/").status_code == 200  # now cached
    privacy = {"is_public": False, "accept_friend_requests": True, "allow_messages": True}
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer_client(owner).put("/api/v1/profiles/me/privacy/", privacy)
    assert response.status_code == 200
    assert api_client.get(f"/api/v1/ratings/{owner.pk}/").status_code == 403


def _deactivate(user, callbacks):
    with callbacks(execute=True):
        user_deactivate(user=user)


def _reactivate(user, callbacks):
    with callbacks(execute=True):
        user_reactivate(user=user)


def test_deactivated_player_leaves_every_board_and_comes_back_on_reactivation(
    api_client, players, path, django_capture_on_commit_callbacks
):
    path()
    gone = players[1]
    # Warm every cache first: deactivation must not be hidden behind one.
    assert str(gone.pk) in _ids(api_client.get("/api/v1/leaderboards/global/").json())
    assert api_client.get(f"/api/v1/ratings/{gone.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/stats/{gone.pk}/").status_code == 200

    _deactivate(gone, django_capture_on_commit_callbacks)
    for url in ("/api/v1/leaderboards/global/", "/api/v1/leaderboards/regional/SE/"):
        body = api_client.get(url).json()
        assert _ids(body) == [str(players[i].pk) for i in (0, 2, 3)]
        assert [e["rank"] for e in body["entries"]] == [1, 2, 3] and body["total_players"] == 3
    near = bearer_client(players[2]).get("/api/v1/leaderboards/me/").json()
    assert str(gone.pk) not in [e["user_id"] for e in near["nearby_players"]]
    assert near["rank"] == 2 and near["total_players"] == 3
    rating = api_client.get(f"/api/v1/ratings/{gone.pk}/")
    assert rating.status_code == 404
    assert rating.json()["error"]["code"] == "LEADERBOARD_USER_NOT_RANKED"
    stats = api_client.get(f"/api/v1/stats/{gone.pk}/")
    assert stats.status_code == 404 and stats.json()["error"]["code"] == "PROFILE_NOT_FOUND"
    assert dict(BoardSize.objects.values_list("board", "players")) == {"global": 3, "SE": 3}

    _reactivate(gone, django_capture_on_commit_callbacks)
    body = api_client.get("/api/v1/leaderboards/global/").json()
    assert _ids(body) == [str(u.pk) for u in players] and body["total_players"] == 4
    back = api_client.get(f"/api/v1/ratings/{gone.pk}/").json()
    assert (back["rank"], back["current_elo"]) == (2, 1500)
    assert api_client.get(f"/api/v1/stats/{gone.pk}/").status_code == 200


def test_admin_toggle_and_actions_go_through_the_services(
    admin_client, players, django_capture_on_commit_callbacks
):
    gone = players[0]
    changelist = "/admin/accounts/user/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            changelist, {"action": "deactivate_users", "_selected_action": [str(gone.pk)]}
        )
    assert BoardSize.objects.get(board="global").players == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "reactivate_users", "_selected_action": [str(gone.pk)]}
        )
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.is_active and BoardSize.objects.get(board="global").players == 4


def test_rest_match_naming_a_deactivated_player_is_refused_like_an_unknown_one(
    api_client, settings, players, django_capture_on_commit_callbacks
):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {SERVICE_TOKEN}")
    gone, other = players[0], players[3]
    _deactivate(gone, django_capture_on_commit_callbacks)
    data = match_payload(other, gone)
    response = api_client.post("/api/v1/matches/", data, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["details"] == {
        "player2_id": ["No such player."]
    }
    assert not OutboxEvent.objects.exists() and not IngestedMatch.objects.exists()
    _reactivate(gone, django_capture_on_commit_callbacks)  # the id is still free
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post("/api/v1/matches/", data, format="json").status_code == 202
    assert MatchResult.objects.filter(match_id=data["match_id"]).exists()


def test_bus_match_naming_a_deactivated_player_is_dead_lettered(
    players, django_capture_on_commit_callbacks
):
    gone, other = players[0], players[3]
    _deactivate(gone, django_capture_on_commit_callbacks)
    data = match_payload(gone, other)
    result = dispatch_envelope(build_envelope("match.completed", data), source="consumer")
    # Refused by each of the two match handlers (ranking, battlepass): nothing applied.
    assert len(result.rejected) == 2
    assert all("player1_id: No such player" in reason for reason in result.rejected)
    assert all("No such player" in d.reason for d in DeadLetter.objects.all())
    assert not MatchResult.objects.exists() and not IngestedMatch.objects.exists()
