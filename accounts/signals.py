"""Signals and hooks other apps plug into without accounts depending on them.

``user_deactivated`` / ``user_reactivated`` are sent after commit. ``user_registered`` is sent
inside the registration transaction (a receiver's exception rolls the registration back), with
the fields other apps contributed to the request through ``registration_field``."""

from django.dispatch import Signal

# kwargs: user_id (UUID) — the user can no longer sign in (deactivated); derived data such as
# leaderboard entries should drop them.
user_deactivated = Signal()

# kwargs: user_id (UUID) — a deactivated user was let back in; derived data follows again.
user_reactivated = Signal()

# kwargs: user (the new User), fields (dict: the values of the contributed registration fields)
# — sent inside the registration transaction: profiles creates the profile here.
user_registered = Signal()

_REGISTRATION_FIELDS: dict = {}


def registration_field(name: str, factory) -> None:
    """Add a field to the registration request: ``factory()`` builds its serializer field (its
    validation and schema are the contributing app's); the value reaches ``user_registered``."""
    _REGISTRATION_FIELDS[name] = factory


def registration_fields() -> dict:
    return {name: factory() for name, factory in _REGISTRATION_FIELDS.items()}
