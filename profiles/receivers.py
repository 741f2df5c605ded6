"""Signal receivers of profiles, module-level so the dispatcher's weak references keep them
alive (a function defined inside ``ready()`` is garbage-collected and silently never runs)."""

from core.cache import invalidate
from profiles.services import profile_cache_key


def on_user_deactivated(sender, user_id, **kwargs):
    """A deactivated user's profile stops being served from the cache at once (404)."""
    invalidate(profile_cache_key(user_id))
