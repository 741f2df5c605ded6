"""Signal receivers (connected in AccountsConfig.ready): a save or delete of what the
authentication cache holds — the user's cached fields, their profile's display name, a TOTP
device (2FA state) — drops the user's cached entry (``accounts.auth_cache``). A save naming only
other fields (``last_login`` at login, the password hash, XP) leaves it."""

from accounts.auth_cache import user_changed
from accounts.selectors import AUTH_USER_FIELDS

PROFILE_FIELDS = frozenset({"display_name", "user", "user_id"})


def _touches(update_fields, cached) -> bool:
    return update_fields is None or not cached.isdisjoint(update_fields)


def on_user_saved(sender, instance, update_fields=None, **kwargs):
    if _touches(update_fields, frozenset(AUTH_USER_FIELDS)):
        user_changed(instance.pk)


def on_user_deleted(sender, instance, **kwargs):
    user_changed(instance.pk)


def on_profile_saved(sender, instance, update_fields=None, **kwargs):
    if _touches(update_fields, PROFILE_FIELDS):
        user_changed(instance.user_id)


def on_owned_row_changed(sender, instance, **kwargs):
    """A profile deleted, a TOTP device saved or deleted."""
    user_changed(instance.user_id)
