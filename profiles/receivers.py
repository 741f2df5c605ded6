"""Signal receivers of profiles, module-level so the dispatcher's weak references keep them
alive (a function defined inside ``ready()`` is garbage-collected and silently never runs)."""

from core.cache import invalidate
from profiles.services import profile_cache_key, profile_create


def on_user_deactivated(sender, user_id, **kwargs):
    """A deactivated user's profile stops being served from the cache at once (404)."""
    invalidate(profile_cache_key(user_id))


def on_user_registered(sender, user, fields, **kwargs):
    """Registration's transaction: the new user's profile, with the display name they chose."""
    profile_create(user=user, display_name=fields["display_name"])
