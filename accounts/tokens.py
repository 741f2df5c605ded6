"""simplejwt tokens signed with RS256 only, carrying a ``kid`` header, verified by key id."""

import threading
import time
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


# Tokens whose signature and claims were verified, by their exact string: a client sends the
# same access token on every request for its 15 minutes, and the RSA check plus PyJWT's parsing
# is most of what authentication costs in CPU. Only a full verification (signature and expiry)
# is kept; a hit still checks the expiry, and that the key it was verified with is still the
# ring's key of that ``kid`` (a rotation that drops the key, or a new ring, misses).
VERIFIED_MAX = 10_000


class _Verified:
    def __init__(self):
        self._entries: dict[str | bytes, tuple[str, object, dict]] = {}
        self._lock = threading.Lock()

    def get(self, token: str | bytes) -> dict | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        kid, public, payload = entry
        if keyring().public_keys.get(kid) is not public:
            return None
        return dict(payload)

    def put(self, token: str | bytes, kid: str, public, payload: dict) -> None:
        with self._lock:
            if len(self._entries) >= VERIFIED_MAX:
                self._entries.clear()
            self._entries[token] = (kid, public, dict(payload))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified_tokens = _Verified()


class KeyRingTokenBackend(TokenBackend):
    """Signs with the current private key; verifies with the public key named by ``kid``
    (current or a previous one kept during rotation). Any algorithm but RS256 is refused."""

    def __init__(self):
        super().__init__(ALGORITHM)

    def encode(self, payload: dict) -> str:
        ring = keyring()
        return jwt.encode(payload, ring.private_key, algorithm=ALGORITHM, headers={"kid": ring.kid})

    def decode(self, token, verify: bool = True, *, verify_exp: bool = True) -> dict:
        full = verify and verify_exp
        text = token if isinstance(token, str | bytes) else bytes(token)  # the exact spelling
        known = verified_tokens.get(text) if full else None
        if known is not None:
            if int(known["exp"]) <= time.time():  # PyJWT's rule (no leeway)
                raise TokenBackendExpiredToken("Token is expired")
            return known
        try:
            _require_canonical(token)
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise TokenBackendError("Invalid algorithm specified")
            ring = keyring()
            kid = header.get("kid", ring.kid)
            public = ring.public_keys.get(kid)
            if public is None:
                raise TokenBackendError("Unknown signing key")
            payload = jwt.decode(
                token,
                public.key,
                algorithms=[ALGORITHM],
                options={
                    "verify_signature": verify,
                    "verify_exp": verify and verify_exp,
                    "require": ["exp", "iat", "jti"],
                },
            )
            if full:
                verified_tokens.put(text, kid, public, payload)
            return payload
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
