"""Read-side queries of accounts."""

import uuid
from functools import lru_cache

from django.db.models import Exists, F, OuterRef, Subquery
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthCacheEpoch, User

# What a request reads of its user (``accounts.auth_cache``): these fields are loaded, every
# other one (the password hash, last_login) is deferred and read from the database on access.
AUTH_USER_FIELDS = (
    "id",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "tokens_valid_after",
    "denylist_in_db_until",
)


def user_auth_row(user_id) -> dict | None:
    """The user an access token names, in one SQL statement: ``AUTH_USER_FIELDS``, the
    profile's ``display_name`` (the relation is named; ``profiles`` is not imported), whether a
    confirmed TOTP device exists, and the authentication cache's epoch. None for an unknown or
    malformed id."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        return None
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    epoch = AuthCacheEpoch.objects.filter(pk=1).values("value")[:1]
    return (
        User.objects.filter(pk=pk)
        .values(
            *AUTH_USER_FIELDS,
            profile_display_name=F("profile__display_name"),
            has_confirmed_totp=Exists(confirmed),
            auth_cache_epoch=Subquery(epoch),
        )
        .first()
    )


@lru_cache(maxsize=1)
def _loaded_in_model_order() -> tuple[str, ...]:
    """``AUTH_USER_FIELDS`` in the model's field order (what ``Model.from_db`` expects)."""
    return tuple(f.attname for f in User._meta.concrete_fields if f.attname in AUTH_USER_FIELDS)


def user_from_row(row: dict) -> User:
    """A ``User`` of ``user_auth_row``'s fields (the others deferred, so ``save`` writes only
    what was loaded), with ``profile_display_name`` and ``has_confirmed_totp`` set."""
    names = _loaded_in_model_order()
    user = User.from_db("default", names, [row[name] for name in names])
    user.profile_display_name = row["profile_display_name"]
    user.has_confirmed_totp = row["has_confirmed_totp"]
    return user
