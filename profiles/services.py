"""Write-side profile logic. ``add_xp`` is the one place total_xp and level change together."""

import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from profiles.models import Profile


def level_for_xp(total_xp: int) -> int:
    """level = max(1, floor(sqrt(total_xp / 100))), in exact integer arithmetic."""
    return max(1, math.isqrt(max(0, total_xp) // 100))


@dataclass(frozen=True)
class LevelChange:
    old_level: int
    new_level: int
    total_xp: int

    @property
    def leveled_up(self) -> bool:
        return self.new_level > self.old_level


def profile_create(*, user, display_name: str) -> Profile:
    return Profile.objects.create(user=user, display_name=display_name.strip())


@transaction.atomic
def add_xp(user, amount: int) -> LevelChange:
    """Add ``amount`` (≥ 0) lifetime XP to the user's profile; returns old and new level."""
    if amount < 0:
        raise ValueError("XP amounts are never negative.")
    profile = Profile.objects.select_for_update().get(pk=user.pk)
    old_level = profile.level
    profile.total_xp = F("total_xp") + amount
    profile.save(update_fields=["total_xp", "updated_at"])
    profile.refresh_from_db(fields=["total_xp"])
    new_level = level_for_xp(profile.total_xp)
    if new_level != old_level:
        Profile.objects.filter(pk=profile.pk).update(level=new_level)
    return LevelChange(old_level=old_level, new_level=new_level, total_xp=profile.total_xp)
