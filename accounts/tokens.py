"""simplejwt tokens signed with RS256 only, carrying a ``kid`` header, verified by key id."""

import jwt
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken

from accounts.keys import keyring

ALGORITHM = "RS256"


class KeyRingTokenBackend(TokenBackend):
    """Signs with the current private key; verifies with the public key named by ``kid``
    (current or a previous one kept during rotation). Any algorithm but RS256 is refused."""

    def __init__(self):
        super().__init__(ALGORITHM)

    def encode(self, payload: dict) -> str:
        ring = keyring()
        return jwt.encode(payload, ring.private_pem, algorithm=ALGORITHM, headers={"kid": ring.kid})

    def decode(self, token, verify: bool = True) -> dict:
        try:
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
                options={"verify_signature": verify, "require": ["exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken("Token is expired") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise TokenBackendError("Token is invalid") from exc


_backend = KeyRingTokenBackend()


class _KeyRingMixin:
    def get_token_backend(self):
        return _backend


class AccessToken(_KeyRingMixin, tokens.AccessToken):
    pass


class RefreshToken(_KeyRingMixin, tokens.RefreshToken):
    access_token_class = AccessToken

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token["email"] = user.email
        return token


def issue_tokens(user) -> dict[str, str]:
    """A fresh refresh token (recorded for the blacklist) and its access token."""
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh)}
