"""Match XP pinned by hand from API.md ("win 100, loss 50 (draw 75), +5 per kill, +10 per
streak, +0.1 per second (floored), clamped to [50, 300]"), and award replays that must find
their own XP log row when another row shares the match id."""

import uuid

import pytest

from battlepass.models import XPLog
from battlepass.services import calculate_match_xp, xp_award
from tests.battlepass.factories import SeasonFactory


@pytest.mark.parametrize(
    ("won", "kills", "streak", "duration", "xp"),
    [
        (True, 4, 0, 0, 120),  # 100 + 4 x 5
        (False, 0, 3, 0, 80),  # 50 + 3 x 10
        (None, 0, 0, 59, 80),  # 75 + floor(5.9)
        (True, 2, 1, 1799, 299),  # 100 + 10 + 10 + floor(179.9)
        (True, 40, 0, 0, 300),  # exactly the cap
        (True, 40, 0, 10, 300),  # 301 capped
        (False, 0, 0, 0, 50),  # exactly the floor
        (False, 0, 0, 9, 50),  # 50 + floor(0.9)
        # Negative counts count as zero; each row is above the 50 floor so the floor hides nothing
        (True, -4, 0, 0, 100),  # not 100 - 20
        (True, 0, -3, 0, 100),  # not 100 - 30
        (True, 0, 0, -300, 100),  # not 100 - 30
        (None, -1, 2, 100, 105),  # 75 + 0 + 20 + 10
        (True, 3, -1, 305, 145),  # 100 + 15 + 0 + 30
        (False, 2, 1, -50, 70),  # 50 + 10 + 10 + 0
    ],
)
def test_match_xp_hand_computed(won, kills, streak, duration, xp):
    assert calculate_match_xp(won=won, kills=kills, streak=streak, duration_seconds=duration) == xp


@pytest.mark.django_db
@pytest.mark.parametrize("challenge_first", [True, False])
def test_replay_of_a_match_award_ignores_a_challenge_row_of_the_same_match(user, challenge_first):
    """Same user, source and match id: the challenge reward (challenge_id set) and the match
    award (no challenge) are two awards; replaying either returns its own first result."""
    SeasonFactory()
    challenge = uuid.uuid4()

    def by_challenge(amount):
        return xp_award(
            user=user,
            amount=amount,
            source="season_challenge",
            match_id="m",
            challenge_id=challenge,
        )

    def by_match(amount):
        return xp_award(user=user, amount=amount, source="season_challenge", match_id="m")

    first, second = (by_challenge, by_match) if challenge_first else (by_match, by_challenge)
    assert first(40).awarded and second(70).awarded
    again_first, again_second = first(999), second(999)
    assert (again_first.awarded, again_first.amount) == (False, 40)
    assert (again_second.awarded, again_second.amount) == (False, 70)
    assert XPLog.objects.filter(user=user).count() == 2
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 110


@pytest.mark.django_db
def test_an_award_conflicting_on_another_key_fails_the_callers_transaction(user):
    """No savepoint: the failure is the caller's, whose transaction can only roll back."""
    from django.db import IntegrityError, transaction
    from django.db.transaction import TransactionManagementError

    SeasonFactory()
    xp_award(user=user, amount=10, source="admin", reference="r-1")
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            # known by its match id, but its reference is another award's
            xp_award(user=user, amount=20, source="admin", match_id="m-9", reference="r-1")
        with pytest.raises(TransactionManagementError):
            XPLog.objects.count()
    assert XPLog.objects.filter(user=user).count() == 1
