"""Periodic job: end the seasons whose end_date has passed (beat schedule in settings)."""

from celery import shared_task

from battlepass.models import Season
from battlepass.season_end import season_end_run, seasons_end_due


@shared_task(name="battlepass.end_due_seasons", ignore_result=True, time_limit=6 * 3600)
def end_due_seasons() -> list[int]:
    return seasons_end_due()


@shared_task(name="battlepass.end_season", ignore_result=True, time_limit=6 * 3600)
def end_season(season_id: str) -> None:
    """Run (or resume) one season's end: queued by the admin action."""
    season = Season.objects.filter(pk=season_id).first()
    if season is not None:
        season_end_run(season=season)
