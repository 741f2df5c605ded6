"""Write-side account logic: registration, credential checks, token issue and rotation."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts.models import User, normalize_email
from accounts.tokens import issue_tokens
from core.errors import ApplicationError, ValidationFailed
from profiles.services import profile_create


class EmailTaken(ApplicationError):
    code = "AUTH_EMAIL_TAKEN"
    status = 409
    message = "An account with this email already exists."


class InvalidCredentials(ApplicationError):
    code = "AUTH_INVALID_CREDENTIALS"
    status = 401
    message = "Invalid email or password."


def password_check(*, password: str, user: User | None = None, field: str = "password") -> None:
    """Django's password validators; failures are a 400 with the messages under ``field``."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "Password is too weak.", details={field: list(exc.messages)}
        ) from exc


def user_register(*, email: str, password: str, display_name: str) -> User:
    """Create the user and their profile in one transaction; the database guards email case."""
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    password_check(password=password, user=User(email=email))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            profile_create(user=user, display_name=display_name)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def credentials_check(*, email: str, password: str, request=None) -> User:
    user = authenticate(request, email=normalize_email(email), password=password)
    if user is None:
        raise InvalidCredentials()
    return user


def user_login_tokens(*, user: User) -> dict[str, str]:
    from django.contrib.auth.models import update_last_login

    update_last_login(None, user)
    return issue_tokens(user)


def refresh_rotate(*, refresh) -> dict[str, str]:
    """Blacklist the presented refresh token and issue a new pair for its (active) user."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    from accounts.authentication import TokenInvalid

    user = User.objects.filter(pk=refresh.get("user_id"), is_active=True).first()
    if user is None:
        raise TokenInvalid("Refresh token is invalid, expired or already used.")
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update().filter(jti=refresh["jti"]).first()
        )
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise TokenInvalid("Refresh token is invalid, expired or already used.")
        BlacklistedToken.objects.create(token=outstanding)
    return issue_tokens(user)
