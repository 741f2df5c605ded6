import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from core.redis import get_redis
from ranking.leaderboard import board_key, encode_member
from ranking.models import BoardSize, MatchResult, PlayerRating

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _ratings():
    return sorted(
        PlayerRating.objects.values_list(
            "user_id",
            "current_elo",
            "peak_elo",
            "current_tier",
            "wins",
            "losses",
            "draws",
            "win_rate",
        )
    )


def _matches():
    return sorted(
        MatchResult.objects.values_list(
            "match_id",
            "player1_pre_elo",
            "player1_post_elo",
            "player2_pre_elo",
            "player2_post_elo",
            "elo_delta_p1",
        )
    )


def _run(*args) -> str:
    out = io.StringIO()
    call_command("backfill_elo", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def history(make_user, play):
    users = [make_user() for _ in range(6)]
    for i in range(25):
        a, b = users[i % 6], users[(i * 5 + 1) % 6]
        if a == b:
            b = users[(i + 2) % 6]
        winner = (a, b, None)[i % 3]
        play(a, b, winner=winner, played_at=T0 + timedelta(minutes=i))
    return users


def test_backfill_reproduces_live_ratings_and_twice_gives_identical_results(history):
    live_ratings, live_matches = _ratings(), _matches()
    PlayerRating.objects.filter(pk=history[0].pk).update(current_elo=2999, peak_elo=2999, wins=99)
    MatchResult.objects.update(elo_delta_p1=0)
    out = _run()
    assert "replayed 25 matches" in out
    assert _ratings() == live_ratings and _matches() == live_matches
    _run()
    assert _ratings() == live_ratings and _matches() == live_matches
    again = _run()
    assert "0 match rows rewritten" in again and "0 changed" in again
    redis = get_redis()
    top = max(live_ratings, key=lambda r: (r[1], -int(uuid.UUID(str(r[0])))))
    assert redis.zscore(board_key(), encode_member(top[0])) == top[1]
    assert BoardSize.objects.get(board="global").players == 6


def test_backfill_replays_in_played_at_order_not_insertion_order(make_user, play):
    a, b = make_user(), make_user()
    play(a, b, winner=a, played_at=T0 + timedelta(hours=1))
    play(a, b, winner=b, played_at=T0)  # recorded later, played earlier
    _run()
    first = MatchResult.objects.get(played_at=T0)
    second = MatchResult.objects.get(played_at=T0 + timedelta(hours=1))
    assert (first.player1_pre_elo, first.player1_post_elo) == (1200, 1184)
    assert second.player1_pre_elo == 1184
    assert PlayerRating.objects.get(pk=a.pk).current_elo == second.player1_post_elo


def test_dry_run_changes_nothing(history):
    PlayerRating.objects.filter(pk=history[0].pk).update(current_elo=2999, peak_elo=2999)
    before_ratings, before_matches = _ratings(), _matches()
    out = _run("--dry-run")
    assert "Dry run" in out and "1 changed" in out
    assert _ratings() == before_ratings and _matches() == before_matches


def _csv(tmp_path, rows, header="match_id,player1,player2,winner,played_at,duration_seconds"):
    path = tmp_path / "history.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


def test_csv_import_then_replay(tmp_path, make_user):
    a, b = make_user(), make_user()
    m1, m2 = uuid.uuid4(), uuid.uuid4()
    path = _csv(
        tmp_path,
        [
            f"{m1},{a.email.upper()},{b.pk},{a.email},2026-01-01T10:00:00Z,300",
            f"{m2},{a.pk},{b.email},,2026-01-02T10:00:00,",
        ],
    )
    out = _run("--from-csv", path)
    assert "2 to import" in out and "imported 2 matches" in out
    first = MatchResult.objects.get(match_id=m1)
    assert (first.winner_id, first.duration_seconds, first.player1_post_elo) == (a.pk, 300, 1216)
    assert MatchResult.objects.get(match_id=m2).is_draw
    ratings = _ratings()
    out = _run("--from-csv", path)  # re-running the same import
    assert "2 already recorded" in out and _ratings() == ratings


def test_csv_with_bad_rows_imports_nothing_and_names_the_lines(tmp_path, make_user):
    a, b, c = make_user(), make_user(), make_user()
    good = uuid.uuid4()
    rows = [
        f"{good},{a.email},{b.email},{a.email},2026-01-01T10:00:00Z,60",
        f"not-a-uuid,{a.email},{b.email},,2026-01-01T10:00:00Z,60",
        f"{uuid.uuid4()},{a.email},{a.email},,2026-01-01T10:00:00Z,60",
        f"{uuid.uuid4()},{a.email},{b.email},{c.email},2026-01-01T10:00:00Z,60",
        f"{uuid.uuid4()},nobody@example.com,{b.email},,yesterday,-5",
        f"{good},{a.email},{b.email},{a.email},2026-01-01T10:00:00Z,60",
    ]
    path = _csv(tmp_path, rows)
    err = io.StringIO()
    with pytest.raises(CommandError, match="5 invalid row"):
        call_command("backfill_elo", "--no-progress", "--from-csv", path, stderr=err)
    report = err.getvalue()
    for line, text in [
        (3, "match_id must be a UUID"),
        (4, "must differ"),
        (5, "not one of the players"),
        (6, "not a known user"),
        (6, "played_at"),
        (6, "duration_seconds"),
        (7, "repeats line 2"),
    ]:
        assert any(r.startswith(f"{path}:{line}:") and text in r for r in report.splitlines())
    assert not MatchResult.objects.exists()

    out = _run("--from-csv", path, "--skip-invalid")
    assert "1 to import" in out and "5 invalid skipped" in out
    assert list(MatchResult.objects.values_list("match_id", flat=True)) == [good]


def test_csv_values_out_of_the_match_bounds_are_named(tmp_path, make_user):
    a, b = make_user(), make_user()
    header = (
        "match_id,player1,player2,winner,played_at,duration_seconds,player1_score,player2_score"
    )
    rows = [
        f"{uuid.uuid4()},{a.email},{b.email},,2026-01-01T10:00:00Z,86401,0,0",
        f"{uuid.uuid4()},{a.email},{b.email},,2026-01-01T10:00:00Z,60,2147483648,0",
        f"{uuid.uuid4()},{a.email},{b.email},,2026-01-01T10:00:00Z,60,0,{10**30}",
        f"{uuid.uuid4()},{a.email},{b.email},,2026-01-01T10:00:00Z,86400,2147483647,0",
    ]
    path = _csv(tmp_path, rows, header=header)
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 invalid row"):
        call_command("backfill_elo", "--no-progress", "--from-csv", path, stderr=err)
    report = err.getvalue()
    for line, field in [(2, "duration_seconds"), (3, "player1_score"), (4, "player2_score")]:
        assert any(r.startswith(f"{path}:{line}:") and field in r for r in report.splitlines())
    assert "1 to import" in _run("--from-csv", path, "--skip-invalid")
    assert MatchResult.objects.get().player1_score == 2147483647


def test_csv_missing_columns(tmp_path):
    path = _csv(tmp_path, [], header="match_id,player1")
    with pytest.raises(CommandError):
        call_command("backfill_elo", "--no-progress", "--from-csv", path, stderr=io.StringIO())


def test_rebuild_leaderboards_command(history):
    get_redis().delete(board_key())
    out = io.StringIO()
    call_command("rebuild_leaderboards", "--no-progress", stdout=out)
    assert "6 players" in out.getvalue()
    assert get_redis().zcard(board_key()) == 6
