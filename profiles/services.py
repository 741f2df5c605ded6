"""Write-side profile logic. ``profile_update`` is the one place profile fields change (besides
``profile_xp_add`` for XP/level and the media pipeline in ``profiles.media_services`` for image URLs);
each change invalidates the cached read and, after commit, sends ``profile_changed``."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.bulk import rows_update
from core.cache import cache_key, invalidate
from profiles.errors import ProfileNotFound, ProfileValidationError
from profiles.models import Profile
from profiles.signals import profile_changed


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


def profile_cache_key(user_id) -> str:
    return cache_key("profiles", "profile", user_id)


def profile_changed_notify(*, user_id, changed_fields: set[str]) -> None:
    """Invalidate the cached profile and, after commit, tell listeners what changed."""
    invalidate(profile_cache_key(user_id))
    if changed_fields:
        fields = frozenset(changed_fields)
        transaction.on_commit(
            lambda: profile_changed.send(
                sender=Profile, user_id=user_id, changed_fields=set(fields)
            )
        )


def profile_create(*, user, display_name: str) -> Profile:
    return Profile.objects.create(user=user, display_name=display_name.strip())


class ProfilesXP:
    """Lifetime XP of several profiles for a batch: ``__init__`` locks their rows in one
    statement, in user-id order, until the transaction ends, and reads their XP; ``add`` applies
    one award in memory (in the caller's order) and returns the level change; ``save`` writes the
    changed rows in one statement. A missing profile raises ``Profile.DoesNotExist`` on ``add``."""

    def __init__(self, user_ids):
        self._rows = {
            row.user_id: row
            for row in Profile.objects.select_for_update()
            .filter(user_id__in=sorted(set(user_ids)))
            .order_by("user_id")
            .only("user_id", "total_xp", "level")
        }
        self._changed: set = set()

    def add(self, user_id, amount: int) -> LevelChange:
        if amount < 0:
            raise ValueError("XP amounts are never negative.")
        row = self._rows.get(user_id)
        if row is None:
            raise Profile.DoesNotExist("Profile matching query does not exist.")
        old_level = row.level
        row.total_xp += amount
        row.level = level_for_xp(row.total_xp)
        self._changed.add(user_id)
        return LevelChange(old_level=old_level, new_level=row.level, total_xp=row.total_xp)

    def save(self) -> None:
        now = timezone.now()
        rows = [self._rows[uid] for uid in sorted(self._changed)]
        for row in rows:
            row.updated_at = now
        rows_update(rows, ["total_xp", "level", "updated_at"])
        if rows:
            invalidate(*(profile_cache_key(row.user_id) for row in rows))
        self._changed.clear()


def profile_xp_add(user, amount: int) -> LevelChange:
    """Add ``amount`` (≥ 0) lifetime XP to the user's profile; returns old and new level.

    One ``UPDATE … RETURNING`` adds the XP and locks the row until the transaction ends (a
    concurrent award waits, then adds to the new total); a second statement only when the level
    changes. Inside a caller's transaction it takes no savepoint: a failure rolls the caller back.
    """
    if amount < 0:
        raise ValueError("XP amounts are never negative.")
    table = Profile._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET total_xp = total_xp + %s, updated_at = %s "  # noqa: S608
            "WHERE user_id = %s RETURNING total_xp, level",
            [
                amount,
                Profile._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
                Profile._meta.pk.get_db_prep_value(user.pk, connection),  # UUID per backend
            ],
        )
        row = cursor.fetchone()
        if row is None:
            raise Profile.DoesNotExist("Profile matching query does not exist.")
        total_xp, old_level = row
        new_level = level_for_xp(total_xp)
        if new_level != old_level:
            Profile.objects.filter(pk=user.pk).update(level=new_level)
    invalidate(profile_cache_key(user.pk))
    return LevelChange(old_level=old_level, new_level=new_level, total_xp=total_xp)


def _validated(serializer_class, data: Any) -> dict:
    from profiles.serializers import ProfileUpdateInputSerializer

    if not isinstance(data, Mapping):
        raise ProfileValidationError(
            "Expected a JSON object.", details={"non_field_errors": ["Expected a JSON object."]}
        )
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ProfileValidationError(details=serializer.errors)
    values = dict(serializer.validated_data)
    if serializer_class is ProfileUpdateInputSerializer and "social_links" in values:
        values["social_links"] = dict(values["social_links"])
    return values


@transaction.atomic
def profile_update(*, user, data: Mapping[str, Any], section: str = "details") -> Profile:
    """Validate and apply a change: ``section="details"`` takes any subset of the editable
    fields (PATCH), ``section="privacy"`` all three privacy flags (PUT). Invalid values raise
    PROFILE_VALIDATION_ERROR with per-field details and change nothing."""
    from profiles.serializers import ProfilePrivacyInputSerializer, ProfileUpdateInputSerializer

    serializer_class = (
        ProfilePrivacyInputSerializer if section == "privacy" else ProfileUpdateInputSerializer
    )
    values = _validated(serializer_class, data)
    profile = Profile.objects.select_for_update().filter(pk=user.pk).first()
    if profile is None:
        raise ProfileNotFound()
    if "social_links" in values:  # a PATCH merges links; an empty value removes one
        merged = {**(profile.social_links or {}), **values["social_links"]}
        values["social_links"] = {name: url for name, url in merged.items() if url}
    changed = {name for name, value in values.items() if getattr(profile, name) != value}
    if changed:
        for name in changed:
            setattr(profile, name, values[name])
        profile.save(update_fields=[*sorted(changed), "updated_at"])
    profile_changed_notify(user_id=user.pk, changed_fields=changed)
    return profile
