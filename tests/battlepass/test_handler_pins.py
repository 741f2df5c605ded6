"""Pins of battlepass's ``match.completed`` batch handler (battlepass.handlers), by outcome only:
each side of each accepted match gets API.md's match XP (win 100, loss 50, draw 75; +5 a kill,
+10 a streak, +1 per 10 s; in [50, 300]) once, hand-computed here, and counts towards the
season's match challenges (matches played, wins, kills); without an active season only the
profile gets the XP; matches naming an inactive player are refused with a reason."""

import pytest

from battlepass.handlers import apply_match_xp
from battlepass.models import ChallengeProgress, PlayerSeasonProgress, SeasonChallenge, XPLog
from events.registry import handlers_for, is_batch
from events.services import build_envelope
from tests.battlepass.factories import SeasonFactory
from tests.events.conftest import match_payload

pytestmark = pytest.mark.django_db


def _xp(user, data) -> int:
    return XPLog.objects.get(user=user, source="match", match_id=data["match_id"]).amount


def _challenges(season):
    return {
        metric: SeasonChallenge.objects.create(
            season=season, code=metric, name=metric, metric=metric, target=10_000, xp_reward=1
        )
        for metric in ("matches_played", "wins", "kills")
    }


def _progress(user, challenge) -> int:
    row = ChallengeProgress.objects.filter(user=user, challenge=challenge).first()
    return 0 if row is None else row.progress


def test_registered_at_startup_as_a_batch_handler():
    assert apply_match_xp in handlers_for("match.completed")
    assert is_batch(apply_match_xp)


def test_each_side_gets_its_match_xp_and_challenge_progress(make_user):
    season = SeasonFactory(xp_per_tier=100, max_tier=50)
    challenges = _challenges(season)
    a, b, c = make_user(), make_user(), make_user()
    won = match_payload(
        a,
        b,
        winner="p1",
        player1_kills=4,
        player1_streak=2,
        player2_kills=2,
        player2_streak=1,
        duration_seconds=300,
    )
    lost = match_payload(
        c,
        a,
        winner="p1",
        player1_kills=0,
        player1_streak=0,
        player2_kills=7,
        player2_streak=3,
        duration_seconds=95,
    )
    draw = match_payload(
        b,
        c,
        winner=None,
        player1_kills=1,
        player1_streak=0,
        player2_kills=0,
        player2_streak=5,
        duration_seconds=600,
    )
    assert apply_match_xp([build_envelope("match.completed", m) for m in (won, lost, draw)]) == {}
    # won: a 100+20+20+30 = 170, b 50+10+10+30 = 100
    assert (_xp(a, won), _xp(b, won)) == (170, 100)
    # lost (c wins): c 100+0+0+9 = 109, a 50+35+30+9 = 124
    assert (_xp(c, lost), _xp(a, lost)) == (109, 124)
    # draw: b 75+5+0+60 = 140, c 75+0+50+60 = 185
    assert (_xp(b, draw), _xp(c, draw)) == (140, 185)
    progress = {p.user_id: p.current_xp for p in PlayerSeasonProgress.objects.filter(season=season)}
    assert progress == {a.pk: 294, b.pk: 240, c.pk: 294}
    a.profile.refresh_from_db()
    assert a.profile.total_xp == 294
    played, wins, kills = (challenges[m] for m in ("matches_played", "wins", "kills"))
    assert [_progress(u, played) for u in (a, b, c)] == [2, 2, 2]
    assert [_progress(u, wins) for u in (a, b, c)] == [1, 0, 1]
    assert [_progress(u, kills) for u in (a, b, c)] == [11, 3, 0]


def test_a_redelivered_match_awards_nothing_twice(make_user):
    season = SeasonFactory(xp_per_tier=100, max_tier=50)
    played = _challenges(season)["matches_played"]
    a, b = make_user(), make_user()
    envelope = build_envelope("match.completed", match_payload(a, b))
    apply_match_xp([envelope])
    apply_match_xp([envelope])
    assert XPLog.objects.filter(source="match").count() == 2
    assert _progress(a, played) == 1


def test_without_an_active_season_only_the_profile_gets_the_xp(make_user):
    a, b = make_user(), make_user()
    data = match_payload(a, b, winner="p2", duration_seconds=0, player2_kills=0, player2_streak=0)
    apply_match_xp([build_envelope("match.completed", data)])
    assert not PlayerSeasonProgress.objects.exists()
    b.profile.refresh_from_db()
    assert b.profile.total_xp == 100 and _xp(b, data) == 100


def test_a_match_naming_an_inactive_player_is_refused_and_the_rest_applied(make_user):
    SeasonFactory(xp_per_tier=100, max_tier=50)
    a, b, gone = make_user(), make_user(), make_user()
    gone.is_active = False
    gone.save()
    ok, refused = (
        build_envelope("match.completed", match_payload(a, b)),
        build_envelope("match.completed", match_payload(gone, a)),
    )
    rejected = apply_match_xp([ok, refused])
    assert list(rejected) == [refused["event_id"]] and rejected[refused["event_id"]]
    assert set(XPLog.objects.values_list("match_id", flat=True)) == {ok["data"]["match_id"]}
    assert apply_match_xp([refused]) == rejected  # a batch of refused matches only
