"""Read-side profile queries. A profile read is cached as its full JSON (``profiles:profile:{id}``)
and the viewer's shape is cut from it, so privacy never depends on what the cache holds."""

import uuid

from django.conf import settings

from core.cache import get_or_set_json
from profiles.errors import ProfileNotFound, ProfilePrivate
from profiles.models import Profile
from profiles.serializers import ProfileSerializer, public_view
from profiles.services import profile_cache_key


def _parse_id(user_id) -> uuid.UUID:
    if isinstance(user_id, uuid.UUID):
        return user_id
    try:
        return uuid.UUID(str(user_id))
    except ValueError:
        raise ProfileNotFound()


def profile_full(*, user_id) -> dict:
    """Every field of the profile (owner/staff view), from the cache when present.
    Deactivated users have no profile to show."""
    pk = _parse_id(user_id)

    def load() -> dict:
        profile = Profile.objects.select_related("user").filter(pk=pk, user__is_active=True).first()
        if profile is None:
            raise ProfileNotFound()  # misses are not cached
        return dict(ProfileSerializer(profile).data)

    return get_or_set_json(profile_cache_key(pk), load, timeout=settings.PROFILE_CACHE_SECONDS)


def profile_for_viewer(*, user_id, viewer) -> dict:
    """The owner and staff get everything; others the public view of a public profile;
    a private profile is PROFILE_PRIVATE to everyone else, anonymous callers included."""
    data = profile_full(user_id=user_id)
    authenticated = viewer is not None and viewer.is_authenticated
    if authenticated and (viewer.is_staff or str(viewer.pk) == data["user_id"]):
        return data
    if not data["is_public"]:
        raise ProfilePrivate()
    return public_view(data)
