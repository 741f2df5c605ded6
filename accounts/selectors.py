"""Read-side queries of accounts."""

import uuid

from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def user_for_request(user_id) -> User | None:
    """The user an access token names, in one SQL statement, with what most views read of it:
    the profile (joined; ``profiles`` is not imported, the relation is named) and
    ``has_confirmed_totp`` (shown by ``UserSerializer``; services that decide on 2FA query it
    again, as it may change during the request).
    None for an unknown or malformed id."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        return None
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    return (
        User.objects.select_related("profile")
        .annotate(has_confirmed_totp=Exists(confirmed))
        .filter(pk=pk)
        .first()
    )
