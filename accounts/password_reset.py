"""Password reset by mail: Django's token generator (HMAC over the password hash, last login,
email and ``tokens_valid_after``, with a timestamp checked against PASSWORD_RESET_TIMEOUT), so a
token dies when it is used (the password changes), when the password changes otherwise, after a
logout-all, or when it is too old.

The request answers the same whether or not the address has an account: the web process only
counts the attempt and queues one task with the address; the worker looks the user up and mails
(without a broker, a thread of the web process does, after the answer has gone).
"""

import logging
from threading import Thread

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import connections, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts import ratelimit
from accounts.models import User, normalize_email
from accounts.revocation import revoke_all_sessions
from core.errors import ValidationFailed

logger = logging.getLogger(__name__)


class _TokenGenerator(PasswordResetTokenGenerator):
    def _make_hash_value(self, user, timestamp):
        cutoff = "" if user.tokens_valid_after is None else user.tokens_valid_after.isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{cutoff}{user.is_active}"


token_generator = _TokenGenerator()


def password_reset_token_make(user: User) -> str:
    """``<base64 user id>.<Django token>``: the one string the client sends back."""
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{token_generator.make_token(user)}"


def password_reset_request(*, email: str, client_ip: str) -> None:
    """Rate-limit, then queue the mail after commit; identical work for unknown addresses."""
    ratelimit.hit("reset-ip", client_ip, ratelimit.rate("password_reset_ip"))
    email = normalize_email(email)
    ratelimit.hit(
        "reset-email", ratelimit.account_ident(email), ratelimit.rate("password_reset_email")
    )
    transaction.on_commit(lambda: _queue_mail(email))


def _queue_mail(email: str) -> None:
    from accounts.tasks import password_reset_mail_send

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.PASSWORD_RESET_MAIL_THREAD:
        # No broker: the lookup and the mail server's latency must not delay the answer (it
        # would tell existing addresses apart), so the mail goes out from a thread.
        Thread(target=_mail_in_thread, args=(email,), daemon=True).start()
        return
    try:
        password_reset_mail_send.delay(email)
    except Exception:  # eager without a thread: its failure must not show in the answer
        logger.exception("Password reset mail could not be queued or sent")


def _mail_in_thread(email: str) -> None:
    try:
        password_reset_mail(email=email)
    except Exception:
        logger.exception("Password reset mail could not be sent")
    finally:
        connections.close_all()


def password_reset_mail(*, email: str) -> bool:
    """Mail a reset token to the active account with this address, if there is one."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    token = password_reset_token_make(user)
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    link = settings.PASSWORD_RESET_URL.format(token=token) if settings.PASSWORD_RESET_URL else ""
    body = (
        "Someone asked to reset the password of your 1v1bro account.\n\n"
        f"Your reset token (valid for {minutes} minutes, usable once):\n\n{token}\n\n"
        + (f"Or open {link}\n\n" if link else "")
        + "If it wasn't you, ignore this mail: your password stays as it is.\n"
    )
    send_mail("Reset your 1v1bro password", body, None, [user.email])
    return True


def _token_invalid() -> ValidationFailed:
    return ValidationFailed(
        "The reset token is invalid, expired or already used.",
        details={"token": ["The reset token is invalid, expired or already used."]},
    )


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str) -> User:
    """Set the new password (validated like register) and revoke every session of the user.

    The user row is locked before the token is checked, so two parallel confirmations of one
    token cannot both succeed: the second sees the new password hash and fails."""
    from accounts.services import password_check

    uid_part, _, user_token = (token or "").strip().partition(".")
    try:
        user_id = force_str(urlsafe_base64_decode(uid_part))
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    except (ValueError, TypeError, OverflowError, DjangoValidationError):  # not a UUID
        user = None
    if user is None or not token_generator.check_token(user, user_token):
        raise _token_invalid()
    password_check(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_all_sessions(user=user)
    return user
