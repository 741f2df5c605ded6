"""Pins of ``xp_award``'s contract not covered by the formula tables (battlepass.xp's docstrings):
awards advance ``xp_earned`` challenges, a result cannot be altered, and the batch handler's
``progress_lock_many`` creates the missing progress rows and locks every one of them."""

import dataclasses
import threading

import pytest
from django.db import OperationalError, connection, transaction

from battlepass.models import ChallengeProgress, PlayerSeasonProgress, Season, SeasonChallenge
from battlepass.services import xp_award
from battlepass.xp import SeasonNoLongerActive, progress_lock_many
from tests.battlepass.factories import SeasonFactory
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_award_advances_the_xp_earned_challenges_of_the_active_season(user):
    season = SeasonFactory(xp_per_tier=1000, max_tier=10)
    challenge = SeasonChallenge.objects.create(
        season=season, code="earn", name="earn", metric="xp_earned", target=10_000, xp_reward=5
    )
    xp_award(user=user, amount=120, source="match", match_id="m1")
    xp_award(user=user, amount=30, source="daily_bonus", reference="d1")
    row = ChallengeProgress.objects.get(user=user, challenge=challenge)
    assert row.progress == 150 and row.completed_at is None


@pytest.mark.django_db
def test_an_award_result_cannot_be_altered(user):
    SeasonFactory(xp_per_tier=100, max_tier=10)
    result = xp_award(user=user, amount=120, source="match", match_id="m1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.amount = 1


@pytest.mark.django_db
def test_progress_lock_many_creates_only_the_missing_rows_of_that_season(make_user):
    season, other = SeasonFactory(xp_per_tier=100), SeasonFactory(xp_per_tier=100, is_active=False)
    known, new = make_user(), make_user()
    xp_award(user=known, amount=250, source="match", match_id="m1")
    with transaction.atomic():
        progress_lock_many(user_ids=[new.pk, known.pk, new.pk], season=season)
    rows = {p.user_id: p for p in PlayerSeasonProgress.objects.filter(season=season)}
    assert set(rows) == {known.pk, new.pk}
    assert (rows[known.pk].current_xp, rows[known.pk].current_tier) == (250, 2)
    assert (rows[new.pk].current_xp, rows[new.pk].current_tier) == (0, 0)
    assert not PlayerSeasonProgress.objects.filter(season=other).exists()


def _locked_elsewhere(rows) -> bool:
    """Whether another connection finds the rows of ``rows()`` (a queryset maker) locked against
    an update (NOWAIT)."""
    found = []

    def probe():
        try:
            with transaction.atomic():
                list(rows())
            found.append(False)
        except OperationalError:
            found.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return found == [True]


def _progress_locked_elsewhere(pk) -> bool:
    # of=self: the row alone (a join's season row is share-locked by the writer)
    return _locked_elsewhere(
        lambda: PlayerSeasonProgress.objects.select_for_update(nowait=True, of=("self",)).filter(
            pk=pk
        )
    )


def _season_locked_elsewhere(pk) -> bool:
    return _locked_elsewhere(lambda: Season.objects.select_for_update(nowait=True).filter(pk=pk))


@pytest.mark.django_db(transaction=True)
def test_progress_lock_many_locks_every_row_until_the_transaction_ends():
    season = SeasonFactory(xp_per_tier=100)
    a, b = UserFactory(), UserFactory()
    for user in (a, b):  # committed rows, visible to the other connection
        xp_award(user=user, amount=50, source="match", match_id="m1")
    with transaction.atomic():
        progress_lock_many(user_ids=[a.pk, b.pk], season=season)
        rows = list(PlayerSeasonProgress.objects.filter(season=season).values_list("pk", flat=True))
        assert len(rows) == 2
        assert all(_progress_locked_elsewhere(pk) for pk in rows)
    assert not any(_progress_locked_elsewhere(pk) for pk in rows)


@pytest.mark.django_db
def test_the_smallest_award_is_one_xp(user):
    result = xp_award(user=user, amount=1, source="admin", reference="one")
    assert result.awarded and result.total_xp == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_holds_the_season_row_against_its_close_until_it_commits():
    """The season end's close updates the season row: it must wait for a batch in flight."""
    season = SeasonFactory(xp_per_tier=100)
    user = UserFactory()
    with transaction.atomic():
        progress_lock_many(user_ids=[user.pk], season=season)
        assert _season_locked_elsewhere(season.pk)
    assert not _season_locked_elsewhere(season.pk)


@pytest.mark.django_db
def test_a_batch_finds_a_season_closed_after_its_lookup_and_writes_nothing(user):
    season = SeasonFactory(xp_per_tier=100)
    Season.objects.filter(pk=season.pk).update(is_active=False)  # closed after the lookup
    with pytest.raises(SeasonNoLongerActive), transaction.atomic():
        progress_lock_many(user_ids=[user.pk], season=season)
    assert not PlayerSeasonProgress.objects.filter(season=season).exists()
