"""The daily bonus: once per UTC day, streak XP, no-season behaviour, races, properties."""

import datetime as dt
import threading

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from battlepass.errors import DailyBonusClaimed
from battlepass.models import DailyBonusClaim, XPLog
from battlepass.services import daily_bonus_claim
from tests.battlepass.factories import SeasonFactory
from tests.factories import UserFactory

DAY0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _on(day: int, hour: int = 12) -> dt.datetime:
    return DAY0.replace(hour=hour) + dt.timedelta(days=day)


@pytest.mark.django_db
def test_streak_grows_resets_and_caps(user):
    SeasonFactory()
    xp = [daily_bonus_claim(user=user, now=_on(d)).xp_awarded for d in range(8)]
    assert xp == [50, 60, 70, 80, 90, 100, 100, 100]
    result = daily_bonus_claim(user=user, now=_on(10))  # days 8 and 9 missed
    assert (result.xp_awarded, result.streak_days) == (50, 1)
    user.profile.refresh_from_db()
    assert user.profile.total_xp == sum(xp) + 50


@pytest.mark.django_db
def test_once_per_utc_day(user):
    daily_bonus_claim(user=user, now=_on(0, hour=0))
    with pytest.raises(DailyBonusClaimed) as caught:
        daily_bonus_claim(user=user, now=_on(0, hour=23))
    assert caught.value.details == {"next_available_at": "2026-11-02T00:00:00Z"}
    # A non-UTC clock still counts UTC days: 01:30 at UTC+3 is the previous UTC day.
    plus3 = dt.timezone(dt.timedelta(hours=3))
    result = daily_bonus_claim(user=user, now=dt.datetime(2026, 11, 3, 1, 30, tzinfo=plus3))
    assert result.streak_days == 2
    assert DailyBonusClaim.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_api_with_and_without_active_season(auth_client, user):
    response = auth_client.post("/api/v1/battlepass/daily-bonus/")
    assert response.status_code == 200
    body = response.json()
    assert body["xp_awarded"] == 50 and body["streak_days"] == 1 and body["progress"] is None
    assert body["next_available_at"].endswith("T00:00:00Z")
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 50
    response = auth_client.post("/api/v1/battlepass/daily-bonus/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BATTLEPASS_DAILY_BONUS_CLAIMED"
    assert XPLog.objects.filter(user=user, source="daily_bonus").count() == 1


@pytest.mark.django_db
def test_api_progress_with_an_active_season(auth_client, user):
    SeasonFactory(xp_per_tier=40)
    body = auth_client.post("/api/v1/battlepass/daily-bonus/").json()
    assert body["progress"]["current_xp"] == 50 and body["progress"]["current_tier"] == 1


@pytest.mark.django_db
def test_needs_auth(api_client):
    assert api_client.post("/api/v1/battlepass/daily-bonus/").status_code == 401


def _expected_xp(days: list[int]) -> list[int]:
    out, streak, previous = [], 0, None
    for day in days:
        streak = streak + 1 if previous is not None and day == previous + 1 else 1
        out.append(50 + min(10 * (streak - 1), 50))
        previous = day
    return out


@pytest.mark.django_db
@given(gaps=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=8))
def test_property_streak_xp_for_any_sequence_of_days(gaps):
    user = UserFactory()
    days, day = [], 0
    for gap in gaps:
        day += gap
        days.append(day)
    got = [daily_bonus_claim(user=user, now=_on(d)).xp_awarded for d in days]
    assert got == _expected_xp(days)
    assert all(50 <= xp <= 100 for xp in got)


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_claims_give_one_award():
    user = UserFactory()
    SeasonFactory()
    barrier = threading.Barrier(10)
    outcomes, lock = [], threading.Lock()

    def claim():
        try:
            barrier.wait()
            result = daily_bonus_claim(user=user)
        except Exception as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, DailyBonusClaimed) for o in outcomes) == 9
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert XPLog.objects.filter(user=user, source="daily_bonus").count() == 1
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 50
