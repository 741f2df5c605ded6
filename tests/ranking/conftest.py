import socket
import uuid

import pytest
from django.test import override_settings

from core.redis import get_redis
from profiles.models import Profile
from ranking.elo import tier_for
from ranking.models import PlayerRating
from ranking.services import rating_update


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down():
    """Point the leaderboards' Redis client at a closed port (the machine's Redis keeps
    running for everyone else); restored afterwards."""

    stopped = []

    def stop():
        stack.enable()
        stopped.append(True)
        get_redis.cache_clear()

    stack = override_settings(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    yield stop
    if stopped:
        stack.disable()
    get_redis.cache_clear()


@pytest.fixture
def play(django_capture_on_commit_callbacks):
    """Apply a match and run its after-commit work (leaderboard updates) at once."""

    def _play(p1, p2, winner=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return rating_update(
                match_id=kwargs.pop("match_id", uuid.uuid4()),
                player1_id=p1.pk,
                player2_id=p2.pk,
                winner_id=winner.pk if winner is not None else None,
                **kwargs,
            )

    return _play


def set_ratings(users_elos: list[tuple]) -> None:
    """Give users exact ratings (bypassing matches), for board tests."""
    PlayerRating.objects.all().delete()
    countries = dict(Profile.objects.values_list("user_id", "country"))
    PlayerRating.objects.bulk_create(
        [
            PlayerRating(
                user_id=u.pk,
                current_elo=elo,
                peak_elo=elo,
                current_tier=tier_for(elo),
                wins=1,
                country=countries.get(u.pk, ""),
            )
            for u, elo in users_elos
        ]
    )


def expected_order(users_elos: list[tuple]) -> list[uuid.UUID]:
    return [u.pk for u, elo in sorted(users_elos, key=lambda p: (-p[1], p[0].pk))]


def expected_tier_ranks(users_elos: list[tuple]) -> dict[uuid.UUID, int]:
    """Each player's 1-based position among the players of their tier, in board order."""
    elos = {u.pk: elo for u, elo in users_elos}
    seen: dict[str, int] = {}
    ranks = {}
    for uid in expected_order(users_elos):
        tier = tier_for(elos[uid])
        seen[tier] = seen.get(tier, 0) + 1
        ranks[uid] = seen[tier]
    return ranks


@pytest.fixture(params=["redis", "sql"])
def path(request, redis_down, monkeypatch):
    """Run a test on the Redis path (sets built; SQL board reads forbidden) and on the SQL one.
    Call the returned function once the ratings are in place."""
    from ranking import selectors
    from ranking.rebuild import rebuild_leaderboards

    def prepare():
        rebuild_leaderboards()
        if request.param == "redis":
            for name in ("sql_page", "sql_position"):
                monkeypatch.setattr(selectors, name, _forbidden)
        else:
            redis_down()

    prepare.name = request.param
    return prepare


def _forbidden(*args, **kwargs):
    raise AssertionError("the Redis path must not page or scan in SQL")
