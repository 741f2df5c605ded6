"""simplejwt tokens signed with RS256 only, carrying a ``kid`` header, verified by key id."""

from datetime import UTC, datetime

import jwt
from jwt.utils import base64url_decode, base64url_encode
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import (
    ExpiredTokenError,
    TokenBackendError,
    TokenBackendExpiredToken,
    TokenError,
)
from rest_framework_simplejwt.settings import api_settings

from accounts.keys import keyring
from accounts.models import TokenFamily

ALGORITHM = "RS256"
# The login a refresh or access token descends from (``TokenFamily`` id; see accounts.revocation).
FAMILY_CLAIM = "fam"


def _require_canonical(token) -> None:
    """Three base64url segments in their one canonical spelling. Base64 leaves a few low bits of
    the last character unused, so without this check some altered strings would decode to the
    same bytes and still verify: a token is accepted only exactly as it was issued."""
    raw = token.encode() if isinstance(token, str) else bytes(token)
    parts = raw.split(b".")
    if len(parts) != 3 or any(base64url_encode(base64url_decode(p)) != p for p in parts):
        raise TokenBackendError("Token is not a canonical JWS compact serialisation")


class KeyRingTokenBackend(TokenBackend):
    """Signs with the current private key; verifies with the public key named by ``kid``
    (current or a previous one kept during rotation). Any algorithm but RS256 is refused."""

    def __init__(self):
        super().__init__(ALGORITHM)

    def encode(self, payload: dict) -> str:
        ring = keyring()
        return jwt.encode(payload, ring.private_key, algorithm=ALGORITHM, headers={"kid": ring.kid})

    def decode(self, token, verify: bool = True, *, verify_exp: bool = True) -> dict:
        try:
            _require_canonical(token)
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise TokenBackendError("Invalid algorithm specified")
            ring = keyring()
            public = ring.public_keys.get(header.get("kid", ring.kid))
            if public is None:
                raise TokenBackendError("Unknown signing key")
            return jwt.decode(
                token,
                public.key,
                algorithms=[ALGORITHM],
                options={
                    "verify_signature": verify,
                    "verify_exp": verify and verify_exp,
                    "require": ["exp", "iat", "jti"],
                },
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken("Token is expired") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise TokenBackendError("Token is invalid") from exc


_backend = KeyRingTokenBackend()


class _KeyRingMixin:
    def get_token_backend(self):
        return _backend

    def set_iat(self, claim: str = "iat", at_time=None) -> None:
        """``iat`` to the microsecond (a JSON number, as RFC 7519 allows): revocation compares it
        with the user's ``tokens_valid_after``, and whole seconds cannot tell a token issued just
        before a logout-all from one issued just after it."""
        at_time = at_time or self.current_time
        self.payload[claim] = round(at_time.timestamp(), 6)


class AccessToken(_KeyRingMixin, tokens.AccessToken):
    pass


class RefreshToken(_KeyRingMixin, tokens.RefreshToken):
    access_token_class = AccessToken

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token["email"] = user.email
        return token


def refresh_payload(raw: str, *, allow_expired: bool = False) -> dict:
    """The claims of a refresh token whose signature and type check out (expiry optional, for
    logout: an expired token is harmless to revoke). Raises ``TokenError`` otherwise."""
    try:
        payload = _backend.decode(raw, verify_exp=not allow_expired)
    except TokenBackendExpiredToken as exc:
        raise ExpiredTokenError("Token is expired") from exc
    except TokenBackendError as exc:
        raise TokenError("Token is invalid") from exc
    if payload.get("token_type") != RefreshToken.token_type or "user_id" not in payload:
        raise TokenError("Token has wrong type")
    return payload


def issue_tokens(user, *, family: TokenFamily | None = None) -> dict[str, str]:
    """A fresh refresh token (recorded for the blacklist) and its access token, both carrying the
    family id: a new family (a login), or the next pair of ``family`` (a rotation; the caller
    holds its row locked). The family's ``current_jti`` becomes the new refresh token's."""
    refresh = RefreshToken.for_user(user)
    if family is None:
        family = TokenFamily(user=user)
    elif family.current_jti:
        family.previous_jti, family.rotated_at = family.current_jti, refresh.current_time
    family.current_jti = refresh[api_settings.JTI_CLAIM]
    family.expires_at = datetime.fromtimestamp(refresh["exp"], UTC)
    family.save()
    refresh[FAMILY_CLAIM] = str(family.pk)
    access = refresh.access_token  # copies the claims, the family included
    return {"access": str(access), "refresh": str(refresh)}
