"""RS256 signing keys: the current pair (from the environment, or generated once into an ignored
local folder), plus previous public keys still accepted during a rotation."""

import base64
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicKey:
    kid: str
    pem: str
    key: rsa.RSAPublicKey


@dataclass(frozen=True)
class KeyRing:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_keys: dict[str, PublicKey]  # kid -> key; the current one first


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPublicKey) -> dict:
    numbers = key.public_numbers()
    return {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


def key_id(key: rsa.RSAPublicKey) -> str:
    """RFC 7638 thumbprint of the public key (base64url SHA-256), stable across restarts."""
    jwk = public_jwk(key)
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _pem_text(value: str) -> str:
    """A PEM given inline or as a path to a file."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return value.replace("\\n", "\n")
    return Path(value).read_text()


def _generated_private_pem(key_dir: Path) -> str:
    """The local key pair of the embedded default, created once. Several processes may start at
    the same time: each writes its own temporary file and only the first ``link`` wins, so they
    all end up signing with the same key."""
    path = key_dir / "private.pem"
    if not path.exists():
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = key_dir / f".private-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
            logger.warning(
                "JWT_PRIVATE_KEY is not set: generated an RS256 key pair in %s (development only).",
                key_dir,
            )
        except FileExistsError:
            pass  # another process generated it first: use theirs
        finally:
            tmp.unlink()
    return path.read_text()


def _public_key(pem: str) -> PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("JWT keys must be RSA keys.")
    return PublicKey(kid=key_id(key), pem=pem, key=key)


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    if settings.JWT_PRIVATE_KEY:
        private_pem = _pem_text(settings.JWT_PRIVATE_KEY)
    else:
        private_pem = _generated_private_pem(Path(settings.JWT_KEY_DIR))
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("JWT_PRIVATE_KEY must be an RSA private key.")
    derived_public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    if settings.JWT_PUBLIC_KEY:
        current = _public_key(_pem_text(settings.JWT_PUBLIC_KEY))
        if current.kid != key_id(private.public_key()):
            raise ValueError("JWT_PUBLIC_KEY does not match JWT_PRIVATE_KEY.")
    else:
        current = _public_key(derived_public)
    public_keys = {current.kid: current}
    for value in settings.JWT_PREVIOUS_PUBLIC_KEYS:
        previous = _public_key(_pem_text(value))
        public_keys.setdefault(previous.kid, previous)
    return KeyRing(kid=current.kid, private_key=private, public_keys=public_keys)


def jwks() -> dict:
    return {
        "keys": [
            {**public_jwk(pk.key), "kid": pk.kid, "use": "sig", "alg": "RS256"}
            for pk in keyring().public_keys.values()
        ]
    }
