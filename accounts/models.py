import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def normalize_email(email: str) -> str:
    """The one email normalisation: trimmed and lower-cased, so uniqueness ignores case."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=normalize_email(email))

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)  # always stored lower-cased
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Tokens (access and refresh) issued before this instant are refused: logout-all, password
    # change/reset and deactivation set it.
    tokens_valid_after = models.DateTimeField(null=True, blank=True)
    # Set when a logout could not be written to Redis: until then this user's access tokens are
    # checked against the database copy of the denylist too (see accounts.revocation).
    denylist_in_db_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["date_joined"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)


class AccessTokenDenial(models.Model):
    """A logged-out access token (its ``jti``), refused until it would have expired anyway.

    The durable copy of the denylist: Redis holds the same entries when configured (checked on
    every request); this table is read when Redis is not configured or does not answer."""

    jti = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.jti


class TokenFamily(models.Model):
    """The refresh tokens descended from one login: each rotation replaces ``current_jti``.

    Presenting a refresh token of the family other than the current one is reuse — a copy was
    taken — and revokes the family: its refresh token and every access token carrying its id
    (the ``fam`` claim) stop working (RFC 9700 §4.14). Logout revokes it too."""

    class Revoked(models.TextChoices):
        REUSE = "reuse", "refresh token reused"
        LOGOUT = "logout", "logged out"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(default=timezone.now)
    current_jti = models.CharField(max_length=64)
    previous_jti = models.CharField(max_length=64, blank=True, default="")
    rotated_at = models.DateTimeField(null=True, blank=True)
    # When the current refresh token expires; every access token of the family is dead by then.
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(
        max_length=10, choices=Revoked.choices, blank=True, default=""
    )

    class Meta:
        verbose_name_plural = "token families"

    def __str__(self):
        return f"{self.pk} ({self.revoked_reason or 'live'})"


class AuthCacheEpoch(models.Model):
    """One row: the epoch of the authentication cache (``accounts.auth_cache``). Bumped when an
    invalidation could not reach Redis, so that every entry cached before it is ignored once the
    cache lease has been renewed (renewals read this row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=0)

    def __str__(self):
        return f"auth cache epoch {self.value}"
