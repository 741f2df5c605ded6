"""Properties (Hypothesis, 100 examples each): bcrypt storage of valid passwords, token claims,
and rejection of every altered or re-signed token."""

import base64
import hashlib
import hmac
import itertools
import json
from binascii import hexlify

import bcrypt
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from rest_framework.exceptions import AuthenticationFailed

from accounts import keys
from accounts.authentication import JWTAuthentication
from accounts.models import User
from accounts.services import user_register
from accounts.tokens import issue_tokens
from config.settings import base as base_settings

pytestmark = pytest.mark.django_db

CLAIMS = {"user_id", "email", "exp", "iat", "jti", "token_type", "fam"}
_seq = itertools.count()

passwords = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=8, max_size=72)


@pytest.fixture
def real_hashing(settings):
    """The production hashers (bcrypt-SHA256 at cost 12), not the suite's fast stand-in."""
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS


@given(password=passwords)
def test_valid_passwords_are_stored_as_bcrypt_cost_12_hashes_bcrypt_verifies(
    real_hashing, password
):
    email = f"prop{next(_seq)}@example.com"
    try:
        validate_password(password, user=User(email=email))
    except ValidationError:
        assume(False)
    user = user_register(email=email, password=password, display_name="Prop")
    stored = User.objects.get(pk=user.pk).password
    algorithm, _, bcrypt_hash = stored.partition("$")  # "bcrypt_sha256$" + "$2b$12$…"
    assert algorithm == "bcrypt_sha256"
    assert bcrypt_hash.startswith("$2b$")
    assert int(bcrypt_hash.split("$")[2]) >= 12
    # Django's bcrypt_sha256 feeds bcrypt the hex SHA-256 of the password.
    prehashed = hexlify(hashlib.sha256(password.encode()).digest())
    assert bcrypt.checkpw(prehashed, bcrypt_hash.encode())
    assert not bcrypt.checkpw(
        hexlify(hashlib.sha256(b"x" + password.encode()).digest()), bcrypt_hash.encode()
    )


@given(
    local=st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,30}", fullmatch=True),
    staff=st.booleans(),
)
def test_every_issued_token_decodes_with_the_public_key_to_the_claims(local, staff):
    user = User.objects.create_user(email=f"{local}.{next(_seq)}@example.com", is_staff=staff)
    tokens = issue_tokens(user)
    for kind in ("access", "refresh"):
        token = tokens[kind]
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256"
        public = keys.keyring().public_keys[header["kid"]].key
        claims = jwt.decode(token, public, algorithms=["RS256"])
        assert set(claims) == CLAIMS
        assert claims["user_id"] == str(user.pk) and claims["email"] == user.email
        assert claims["token_type"] == kind
        assert claims["exp"] > claims["iat"]


@pytest.fixture
def access_token(user) -> str:
    return issue_tokens(user)["access"]


def _rejected(token) -> bool:
    try:
        JWTAuthentication().get_validated_token(token)
    except AuthenticationFailed:
        return True
    return False


def test_the_unaltered_token_is_accepted(access_token):
    assert not _rejected(access_token)


@given(data=st.data())
def test_every_token_altered_in_any_byte_is_rejected(access_token, data):
    raw = bytearray(access_token.encode())
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    replacement = data.draw(st.integers(0, 255).filter(lambda b: b != raw[position]), label="byte")
    raw[position] = replacement
    assert _rejected(bytes(raw))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@given(
    algorithm=st.sampled_from(["none", "None", "HS256", "HS384", "HS512"]),
    secret_kind=st.sampled_from(["public-pem", "public-der", "empty", "random"]),
    extra=st.dictionaries(st.sampled_from(["user_id", "email", "exp", "is_staff"]), st.integers()),
    random_secret=st.binary(min_size=1, max_size=64),
)
def test_every_token_re_signed_with_hmac_or_none_is_rejected(
    access_token, algorithm, secret_kind, extra, random_secret
):
    header = {**jwt.get_unverified_header(access_token), "alg": algorithm}
    claims = {**jwt.decode(access_token, options={"verify_signature": False}), **extra}
    current = keys.keyring().public_keys[keys.keyring().kid]
    secret = {
        "public-pem": current.pem.encode(),
        "public-der": current.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "empty": b"",
        "random": random_secret,
    }[secret_kind]
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    if algorithm.lower() == "none":
        signature = b""
    else:
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
        signature = hmac.new(secret, signing_input.encode(), digest[algorithm]).digest()
    assert _rejected(f"{signing_input}.{_b64(signature)}")
