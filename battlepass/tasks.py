"""Periodic job: end the seasons whose end_date has passed (beat schedule in settings)."""

from celery import shared_task

from battlepass.season_end import seasons_end_due


@shared_task(name="battlepass.end_due_seasons", ignore_result=True, time_limit=6 * 3600)
def end_due_seasons() -> list[int]:
    return seasons_end_due()
