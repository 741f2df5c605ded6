"""Celery tasks of accounts: thin wrappers over the services."""

import smtplib

from celery import shared_task

from accounts import password_reset, revocation


@shared_task(
    name="accounts.password_reset_mail_send",
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=3,
)
def password_reset_mail_send(email: str) -> None:
    password_reset.password_reset_mail(email=email)


@shared_task(name="accounts.tokens_prune", ignore_result=True)
def tokens_prune() -> int:
    """Delete expired refresh-token records (simplejwt's outstanding/blacklist tables) and
    expired access-token denials (beat, every 6 hours)."""
    return revocation.expired_tokens_prune()
