import itertools
import threading
import uuid

import pytest
from django.db import connection

from core.errors import ValidationFailed
from core.redis import get_redis
from events.models import OutboxEvent
from profiles.models import Profile
from ranking.leaderboard import board_key, encode_member
from ranking.models import BoardSize, MatchResult, PlayerRating
from ranking.services import rating_country_sync, rating_listed_set, rating_update

pytestmark = pytest.mark.django_db


def test_first_match_creates_ratings_at_1200_and_applies_elo(make_user, play):
    a, b = make_user(), make_user()
    result = play(a, b, winner=a, duration_seconds=300, player1_score=5, player2_score=3)
    assert not result.replayed
    assert (result.player1.old_elo, result.player1.new_elo, result.player1.delta) == (
        1200,
        1216,
        16,
    )
    assert (result.player2.old_elo, result.player2.new_elo, result.player2.delta) == (
        1200,
        1184,
        -16,
    )
    ra, rb = PlayerRating.objects.get(pk=a.pk), PlayerRating.objects.get(pk=b.pk)
    assert (ra.current_elo, ra.peak_elo, ra.wins, ra.losses, ra.win_rate) == (1216, 1216, 1, 0, 1.0)
    assert (rb.current_elo, rb.peak_elo, rb.wins, rb.losses, rb.win_rate) == (1184, 1200, 0, 1, 0.0)
    assert (
        ra.current_tier == "Gold" and rb.current_tier == "Silver" and rb.last_match_date is not None
    )
    match = MatchResult.objects.get(match_id=result.match_id)
    assert (match.player1_pre_elo, match.player1_post_elo) == (1200, 1216)
    assert (match.player2_pre_elo, match.player2_post_elo, match.elo_delta_p1) == (
        1200,
        1184,
        -16 * -1,
    )
    assert match.duration_seconds == 300 and not match.is_draw
    # Leaderboards followed after commit; board sizes count both players.
    assert get_redis().zscore(board_key(), encode_member(a.pk)) == 1216
    assert BoardSize.objects.get(board="global").players == 2


def test_tier_change_is_published_in_the_same_transaction(make_user, play):
    a, b = make_user(), make_user()
    result = play(a, b, winner=a)
    assert result.player2.tier_changed and not result.player1.tier_changed
    events = OutboxEvent.objects.filter(event_type="ranking.tier_changed")
    assert [e.envelope["data"] for e in events] == [
        {"user_id": str(b.pk), "old_tier": "Gold", "new_tier": "Silver", "elo": 1184}
    ]


def test_draw_between_equal_players_changes_no_elo(make_user, play):
    a, b = make_user(), make_user()
    result = play(a, b, winner=None)
    assert result.is_draw and result.player1.delta == 0
    ra = PlayerRating.objects.get(pk=a.pk)
    assert (ra.draws, ra.wins, ra.losses, ra.current_elo) == (1, 0, 0, 1200)
    assert MatchResult.objects.get().winner_id is None


def test_replayed_match_id_returns_the_stored_result_and_changes_nothing(make_user, play):
    a, b = make_user(), make_user()
    match_id = uuid.uuid4()
    first = play(a, b, winner=a, match_id=match_id)
    again = play(a, b, winner=b, match_id=match_id)  # even with another outcome
    assert again.replayed
    assert (again.player1.new_elo, again.player2.new_elo) == (
        first.player1.new_elo,
        first.player2.new_elo,
    )
    assert MatchResult.objects.count() == 1
    assert PlayerRating.objects.get(pk=a.pk).wins == 1
    assert OutboxEvent.objects.filter(event_type="ranking.tier_changed").count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda a, b, c: {"player2_id": a.pk}, "player2_id"),
        (lambda a, b, c: {"winner_id": c.pk}, "winner_id"),
        (lambda a, b, c: {"match_id": "not-a-uuid"}, "match_id"),
    ],
)
def test_invalid_matches_are_refused_and_change_nothing(make_user, change, field):
    a, b, c = make_user(), make_user(), make_user()
    kwargs = {"match_id": uuid.uuid4(), "player1_id": a.pk, "player2_id": b.pk, "winner_id": a.pk}
    kwargs.update(change(a, b, c))
    with pytest.raises(ValidationFailed) as err:
        rating_update(**kwargs)
    assert field in err.value.details
    assert not PlayerRating.objects.exists() and not MatchResult.objects.exists()


def test_unknown_player_is_refused(make_user):
    a = make_user()
    with pytest.raises(ValidationFailed):
        rating_update(
            match_id=uuid.uuid4(), player1_id=a.pk, player2_id=uuid.uuid4(), winner_id=None
        )
    assert not MatchResult.objects.exists()


def test_country_change_moves_the_player_between_country_boards(
    make_user, play, django_capture_on_commit_callbacks
):
    a, b = make_user(), make_user()
    Profile.objects.filter(pk=a.pk).update(country="US")
    play(a, b, winner=a)
    redis = get_redis()
    assert redis.zscore(board_key("US"), encode_member(a.pk)) == 1216
    Profile.objects.filter(pk=a.pk).update(country="DE")
    with django_capture_on_commit_callbacks(execute=True):
        rating_country_sync(user_id=a.pk)
    assert redis.zscore(board_key("US"), encode_member(a.pk)) is None
    assert redis.zscore(board_key("DE"), encode_member(a.pk)) == 1216
    sizes = dict(BoardSize.objects.values_list("board", "players"))
    assert sizes == {"global": 2, "US": 0, "DE": 1}


def test_profile_changed_signal_drives_the_move(
    make_user, play, django_capture_on_commit_callbacks
):
    from profiles.signals import profile_changed

    a, b = make_user(), make_user()
    play(a, b, winner=a)
    Profile.objects.filter(pk=a.pk).update(country="FR")
    with django_capture_on_commit_callbacks(execute=True):
        profile_changed.send(sender=Profile, user_id=a.pk, changed_fields={"country"})
    assert PlayerRating.objects.get(pk=a.pk).country == "FR"
    assert get_redis().zscore(board_key("FR"), encode_member(a.pk)) == 1216


def test_deactivated_user_is_dropped_from_every_board_and_reactivation_restores(
    make_user, play, django_capture_on_commit_callbacks
):
    from accounts.signals import user_deactivated, user_reactivated

    a, b = make_user(), make_user()
    Profile.objects.filter(pk=a.pk).update(country="US")
    play(a, b, winner=a)
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivated.send(sender=None, user_id=a.pk)
    redis = get_redis()
    assert redis.zscore(board_key(), encode_member(a.pk)) is None
    assert redis.zscore(board_key("US"), encode_member(a.pk)) is None
    assert not PlayerRating.objects.get(pk=a.pk).listed
    assert dict(BoardSize.objects.values_list("board", "players")) == {"global": 1, "US": 0}
    rating_listed_set(user_id=a.pk, listed=False)  # idempotent
    assert dict(BoardSize.objects.values_list("board", "players")) == {"global": 1, "US": 0}
    with django_capture_on_commit_callbacks(execute=True):
        user_reactivated.send(sender=None, user_id=a.pk)
    assert redis.zscore(board_key(), encode_member(a.pk)) == 1216
    assert redis.zscore(board_key("US"), encode_member(a.pk)) == 1216
    assert PlayerRating.objects.get(pk=a.pk).listed
    assert dict(BoardSize.objects.values_list("board", "players")) == {"global": 2, "US": 1}
    rating_listed_set(user_id=a.pk, listed=True)  # idempotent
    assert dict(BoardSize.objects.values_list("board", "players")) == {"global": 2, "US": 1}


def test_an_older_index_update_never_overwrites_a_newer_one(make_user, play):
    from ranking import leaderboard

    a, b = make_user(), make_user()
    play(a, b, winner=a)
    rating = PlayerRating.objects.get(pk=a.pk)
    stale = leaderboard.IndexEntry(a.pk, 1000, rating.revision - 1, "", True)
    leaderboard.apply([stale])
    assert get_redis().zscore(board_key(), encode_member(a.pk)) == 1216


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_matches_sharing_a_player_lose_no_update(make_user):
    hub = make_user()
    others = [make_user() for _ in range(10)]
    errors = []

    def run(other):
        try:
            rating_update(
                match_id=uuid.uuid4(), player1_id=other.pk, player2_id=hub.pk, winner_id=hub.pk
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(o,)) for o in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    hub_rating = PlayerRating.objects.get(pk=hub.pk)
    assert hub_rating.wins == 10
    matches = list(MatchResult.objects.order_by("player2_pre_elo"))
    # Each match started from the previous one's result: a chain without a lost update.
    assert matches[0].player2_pre_elo == 1200
    for prev, nxt in itertools.pairwise(matches):
        assert nxt.player2_pre_elo == prev.player2_post_elo
    assert hub_rating.current_elo == matches[-1].player2_post_elo
    assert hub_rating.current_elo == 1200 - sum(m.elo_delta_p1 for m in matches)
    total = sum(PlayerRating.objects.values_list("current_elo", flat=True))
    assert total == 1200 * 11
    assert BoardSize.objects.get(board="global").players == 11
    assert get_redis().zscore(board_key(), encode_member(hub.pk)) == hub_rating.current_elo


@pytest.mark.django_db(transaction=True)
def test_the_same_match_id_applied_concurrently_counts_once(make_user):
    a, b = make_user(), make_user()
    match_id = uuid.uuid4()
    results, errors = [], []

    def run():
        try:
            results.append(
                rating_update(match_id=match_id, player1_id=a.pk, player2_id=b.pk, winner_id=a.pk)
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert {r.player1.new_elo for r in results} == {1216}
    assert MatchResult.objects.count() == 1
    assert PlayerRating.objects.get(pk=a.pk).wins == 1


def test_deleting_a_user_drops_the_rating_from_the_boards(
    make_user, play, django_capture_on_commit_callbacks
):
    a, b = make_user(), make_user()
    play(a, b, winner=a)
    member = encode_member(a.pk)
    assert get_redis().zscore(board_key(), member) == 1216
    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert get_redis().zscore(board_key(), member) is None
    assert BoardSize.objects.get(board="global").players == 1
