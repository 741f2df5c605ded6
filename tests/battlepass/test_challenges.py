"""Season challenges: progress from matches and XP, completion once, replays, API, property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from battlepass.models import ChallengeProgress, SeasonChallenge, XPLog
from battlepass.services import challenge_progress_record, xp_award
from events.models import OutboxEvent
from tests.battlepass.factories import SeasonFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _challenge(season, code, metric, target, xp_reward=200):
    return SeasonChallenge.objects.create(
        season=season,
        code=code,
        name=code.replace("-", " ").title(),
        description=f"Reach {target} {metric}.",
        metric=metric,
        target=target,
        xp_reward=xp_reward,
    )


@pytest.fixture
def season():
    return SeasonFactory(xp_per_tier=1000, max_tier=50)


def _progress(user, challenge):
    row = ChallengeProgress.objects.filter(user=user, challenge=challenge).first()
    return (row.progress, row.completed_at is not None) if row else (0, False)


def _completed_events(user):
    return [
        e.envelope["data"]
        for e in OutboxEvent.objects.filter(event_type="battlepass.challenge_completed")
        if e.envelope["data"]["user_id"] == str(user.pk)
    ]


def test_match_metrics_advance_and_complete_once(user, season):
    wins = _challenge(season, "win-3", "wins", 3, xp_reward=300)
    kills = _challenge(season, "kills-10", "kills", 10)
    played = _challenge(season, "play-5", "matches_played", 5)
    challenge_progress_record(
        user=user, metric_deltas={"wins": 1, "matches_played": 1, "kills": 6}, match_id="m1"
    )
    assert _progress(user, wins) == (1, False)
    assert _progress(user, kills) == (6, False)
    done = challenge_progress_record(
        user=user, metric_deltas={"wins": 1, "matches_played": 1, "kills": 6}, match_id="m2"
    )
    assert done == [kills]
    assert _progress(user, kills) == (12, True)
    challenge_progress_record(user=user, metric_deltas={"wins": 1, "kills": 4}, match_id="m3")
    challenge_progress_record(user=user, metric_deltas={"wins": 1, "kills": 4}, match_id="m4")
    assert _progress(user, wins) == (4, True)
    assert _progress(user, played) == (2, False)
    events = _completed_events(user)
    assert sorted(e["challenge_id"] for e in events) == sorted([str(kills.pk), str(wins.pk)])
    assert {e["season_id"] for e in events} == {str(season.pk)}
    logs = XPLog.objects.filter(user=user, source="season_challenge")
    assert sorted((str(log.challenge_id), log.amount) for log in logs) == sorted(
        [(str(kills.pk), 200), (str(wins.pk), 300)]
    )
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 500


def test_a_replayed_match_advances_nothing(user, season):
    kills = _challenge(season, "kills-10", "kills", 10)
    challenge_progress_record(user=user, metric_deltas={"kills": 7}, match_id="m1")
    assert challenge_progress_record(user=user, metric_deltas={"kills": 7}, match_id="m1") == []
    assert _progress(user, kills) == (7, False)


def test_xp_earned_advances_from_award_xp_but_not_from_challenge_rewards(user, season):
    xp = _challenge(season, "xp-1000", "xp_earned", 1000, xp_reward=500)
    xp_award(user=user, amount=600, source="match", match_id="m1")
    assert _progress(user, xp) == (600, False)
    xp_award(user=user, amount=600, source="match", match_id="m1")  # replay: no progress
    assert _progress(user, xp) == (600, False)
    xp_award(user=user, amount=450, source="daily_bonus", reference="d1")
    assert _progress(user, xp) == (1050, True)
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 600 + 450 + 500
    assert len(_completed_events(user)) == 1


def test_no_active_season_records_nothing(user):
    season = SeasonFactory(is_active=False)
    challenge = _challenge(season, "win-1", "wins", 1)
    assert challenge_progress_record(user=user, metric_deltas={"wins": 1}, match_id="m") == []
    assert _progress(user, challenge) == (0, False)


@pytest.mark.parametrize(
    "deltas", [{"xp_earned": 5}, {"wins": -1}, {"kills": 1.5}, {"deaths": 1}, {"wins": True}]
)
def test_bad_deltas_are_refused(user, season, deltas):
    with pytest.raises(ValueError):
        challenge_progress_record(user=user, metric_deltas=deltas, match_id="m")


def test_challenges_endpoint(auth_client, user, season):
    wins = _challenge(season, "win-2", "wins", 2)
    _challenge(season, "kills-5", "kills", 5)
    other = SeasonFactory(is_active=False)
    _challenge(other, "old", "wins", 1)
    challenge_progress_record(user=user, metric_deltas={"wins": 3, "kills": 1}, match_id="m1")
    body = auth_client.get("/api/v1/battlepass/challenges/").json()
    assert [c["code"] for c in body] == ["kills-5", "win-2"]
    assert body[1] == {
        "id": str(wins.pk),
        "code": "win-2",
        "name": "Win 2",
        "description": "Reach 2 wins.",
        "metric": "wins",
        "target": 2,
        "progress": 2,
        "xp_reward": 200,
        "completed_at": body[1]["completed_at"],
    }
    assert body[1]["completed_at"] is not None
    assert (body[0]["progress"], body[0]["completed_at"]) == (1, None)


def test_challenges_endpoint_errors(api_client, auth_client):
    assert api_client.get("/api/v1/battlepass/challenges/").status_code == 401
    response = auth_client.get("/api/v1/battlepass/challenges/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BATTLEPASS_SEASON_INACTIVE"


match = st.fixed_dictionaries(
    {"wins": st.integers(0, 1), "matches_played": st.just(1), "kills": st.integers(0, 12)}
)


@given(
    matches=st.lists(match, min_size=1, max_size=8),
    order=st.randoms(use_true_random=False),
    replays=st.lists(st.integers(min_value=0, max_value=7), max_size=8),
)
def test_property_progress_is_the_sum_of_matches_seen_and_completes_once(
    season, matches, order, replays
):
    user = UserFactory()
    challenges = {
        "wins": SeasonChallenge.objects.get_or_create(
            season=season,
            code="p-wins",
            defaults={"name": "w", "metric": "wins", "target": 3, "xp_reward": 10},
        )[0],
        "kills": SeasonChallenge.objects.get_or_create(
            season=season,
            code="p-kills",
            defaults={"name": "k", "metric": "kills", "target": 25, "xp_reward": 20},
        )[0],
        "matches_played": SeasonChallenge.objects.get_or_create(
            season=season,
            code="p-played",
            defaults={"name": "p", "metric": "matches_played", "target": 4, "xp_reward": 30},
        )[0],
    }
    deliveries = list(range(len(matches))) + [r for r in replays if r < len(matches)]
    order.shuffle(deliveries)
    for index in deliveries:
        challenge_progress_record(user=user, metric_deltas=matches[index], match_id=f"m{index}")
    for metric, challenge in challenges.items():
        total = sum(m[metric] for m in matches)
        assert _progress(user, challenge) == (total, total >= challenge.target)
        completions = XPLog.objects.filter(user=user, challenge_id=challenge.pk).count()
        assert completions == (1 if total >= challenge.target else 0)
    assert len(_completed_events(user)) == sum(
        sum(m[metric] for m in matches) >= c.target for metric, c in challenges.items()
    )
