"""Signals other apps listen to without accounts depending on them. Sent after commit."""

from django.dispatch import Signal

# kwargs: user_id (UUID) — the user can no longer sign in (deactivated); derived data such as
# leaderboard entries should drop them.
user_deactivated = Signal()

# kwargs: user_id (UUID) — a deactivated user was let back in; derived data follows again.
user_reactivated = Signal()
