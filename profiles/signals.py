"""Signals other apps listen to without profiles depending on them (ranking moves leaderboard
entries between country sets, for instance). Sent after the change has committed."""

from django.dispatch import Signal

# kwargs: user_id (UUID), changed_fields (set[str]) — sent via transaction.on_commit.
profile_changed = Signal()
