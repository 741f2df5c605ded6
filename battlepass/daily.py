"""The daily bonus: once per UTC day, XP growing with the streak of consecutive days.

Re-exported by ``battlepass.services``.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from battlepass.errors import DailyBonusClaimed
from battlepass.models import DailyBonusClaim, XPSource
from battlepass.xp import XPAwardResult, xp_award

STREAK_STEP_XP = 10
STREAK_MAX_BONUS_XP = 50


def daily_bonus_xp(streak_days: int) -> int:
    """``DAILY_BONUS_XP`` + 10 per consecutive previous day, the extra capped at +50."""
    extra = min(STREAK_STEP_XP * max(0, streak_days - 1), STREAK_MAX_BONUS_XP)
    return int(settings.DAILY_BONUS_XP) + extra


def next_streak(*, previous_day: dt.date | None, previous_streak: int, today: dt.date) -> int:
    """The streak on ``today``: one more than yesterday's, else 1 (a missed day resets it)."""
    if previous_day is not None and previous_day == today - dt.timedelta(days=1):
        return previous_streak + 1
    return 1


def next_available_at(today: dt.date) -> dt.datetime:
    """The next UTC midnight after ``today``."""
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DailyBonusResult:
    xp_awarded: int
    streak_days: int
    next_available_at: dt.datetime
    award: XPAwardResult


@transaction.atomic
def daily_bonus_claim(*, user, now: dt.datetime | None = None) -> DailyBonusResult:
    """Take today's (UTC) daily bonus. The (user, day) unique constraint makes it once a day,
    however many requests race: the others get 409 BATTLEPASS_DAILY_BONUS_CLAIMED. The XP goes
    through ``xp_award`` (source ``daily_bonus``), so with no active season the profile alone
    gets it."""
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    previous = DailyBonusClaim.objects.filter(user=user, day__lt=today).order_by("-day").first()
    streak = next_streak(
        previous_day=previous.day if previous else None,
        previous_streak=previous.streak_days if previous else 0,
        today=today,
    )
    xp = daily_bonus_xp(streak)
    available = next_available_at(today)
    try:
        with transaction.atomic():
            DailyBonusClaim.objects.create(user=user, day=today, streak_days=streak, xp_awarded=xp)
    except IntegrityError:
        raise DailyBonusClaimed(
            details={"next_available_at": available.isoformat().replace("+00:00", "Z")}
        )
    award = xp_award(
        user=user, amount=xp, source=XPSource.DAILY_BONUS, reference=f"daily_bonus:{today}"
    )
    return DailyBonusResult(
        xp_awarded=xp, streak_days=streak, next_available_at=available, award=award
    )
