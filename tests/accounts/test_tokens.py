"""Access tokens: RS256 only, kid header, claims, every kind of bad token, JWKS and rotation."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import keys
from accounts.tokens import issue_tokens
from tests.accounts.conftest import bearer, error_code

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, payload: dict, sign) -> str:
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(sign(head.encode()))


def unverified(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def new_rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def keyring_reset():
    keys.keyring.cache_clear()
    yield
    keys.keyring.cache_clear()


def test_access_token_header_and_claims(user, settings):
    header, claims = unverified(issue_tokens(user)["access"])
    assert header["alg"] == "RS256" and header["kid"] == keys.keyring().kid
    assert {"user_id", "email", "exp", "iat", "jti", "token_type"} <= set(claims)
    assert claims["user_id"] == str(user.pk) and claims["email"] == user.email
    assert claims["token_type"] == "access"
    lifetime = settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds()
    assert claims["exp"] - int(claims["iat"]) == lifetime
    _, refresh = unverified(issue_tokens(user)["refresh"])
    assert refresh["token_type"] == "refresh"
    assert (
        refresh["exp"] - int(refresh["iat"]) == settings.JWT_REFRESH_TOKEN_LIFETIME.total_seconds()
    )


def test_valid_token_is_accepted(user):
    assert bearer(issue_tokens(user)["access"]).get(ME).status_code == 200


def _private_key():
    return keys.keyring().private_key


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda h, p: forge({**h, "alg": "none"}, p, lambda m: b""), id="alg-none"),
        pytest.param(
            lambda h, p: forge(
                {**h, "alg": "HS256"},
                p,
                lambda m: hmac.new(
                    keys.keyring().public_keys[keys.keyring().kid].pem.encode(), m, hashlib.sha256
                ).digest(),
            ),
            id="hs256-with-public-key",
        ),
        pytest.param(
            lambda h, p: jwt.encode(
                p, new_rsa_pem()[0], algorithm="RS256", headers={"kid": h["kid"]}
            ),
            id="other-key-same-kid",
        ),
        pytest.param(
            lambda h, p: jwt.encode(
                p, _private_key(), algorithm="RS512", headers={"kid": h["kid"]}
            ),
            id="rs512",
        ),
        pytest.param(
            lambda h, p: jwt.encode(p, _private_key(), algorithm="RS256", headers={"kid": "nope"}),
            id="unknown-kid",
        ),
        pytest.param(
            lambda h, p: jwt.encode(
                {**p, "token_type": "refresh"}, _private_key(), algorithm="RS256", headers=h
            ),
            id="wrong-token-type",
        ),
        pytest.param(
            lambda h, p: jwt.encode(
                {k: v for k, v in p.items() if k != "jti"},
                _private_key(),
                algorithm="RS256",
                headers=h,
            ),
            id="no-jti",
        ),
        pytest.param(lambda h, p: "garbage", id="garbage"),
        pytest.param(lambda h, p: "a.b.c", id="three-garbage-parts"),
    ],
)
def test_bad_tokens_are_token_invalid(user, make):
    header, claims = unverified(issue_tokens(user)["access"])
    response = bearer(make(header, claims)).get(ME)
    assert response.status_code == 401
    assert error_code(response) == "AUTH_TOKEN_INVALID"


def test_bad_signature_is_token_invalid(user):
    access = issue_tokens(user)["access"]
    head, payload, signature = access.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    response = bearer(f"{head}.{payload}.{flipped}").get(ME)
    assert error_code(response) == "AUTH_TOKEN_INVALID"


def test_expired_token_is_token_expired(user):
    header, claims = unverified(issue_tokens(user)["access"])
    now = int(time.time())
    expired = jwt.encode(
        {**claims, "iat": now - 1000, "exp": now - 10},
        _private_key(),
        algorithm="RS256",
        headers=header,
    )
    response = bearer(expired).get(ME)
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_EXPIRED"


def test_malformed_authorization_header_is_token_invalid(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer a b")
    assert error_code(client.get(ME)) == "AUTH_TOKEN_INVALID"


def test_jwks_verifies_a_real_token_with_a_generic_jwt_library(api_client, user):
    access = issue_tokens(user)["access"]
    response = api_client.get("/api/v1/auth/jwks/")
    assert response.status_code == 200
    jwk_set = jwt.PyJWKSet.from_dict(response.json())
    kid = jwt.get_unverified_header(access)["kid"]
    key = next(k for k in jwk_set.keys if k.key_id == kid)
    assert key.algorithm_name == "RS256" and key.public_key_use == "sig"
    claims = jwt.decode(access, key=key.key, algorithms=["RS256"])
    assert claims["user_id"] == str(user.pk) and claims["token_type"] == "access"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(access[:-4] + "AAAA", key=key.key, algorithms=["RS256"])


def test_key_rotation_previous_key_still_verifies(user, settings, keyring_reset, tmp_path):
    old_public = keys.keyring().public_keys[keys.keyring().kid].pem
    old_kid = keys.keyring().kid
    old_access = issue_tokens(user)["access"]
    new_private, new_public = new_rsa_pem()
    (tmp_path / "private.pem").write_text(new_private)
    settings.JWT_PRIVATE_KEY = str(tmp_path / "private.pem")  # a path works as well as PEM text
    settings.JWT_PUBLIC_KEY = new_public
    settings.JWT_PREVIOUS_PUBLIC_KEYS = [old_public]
    keys.keyring.cache_clear()

    new_access = issue_tokens(user)["access"]
    assert jwt.get_unverified_header(new_access)["kid"] not in (old_kid, None)
    assert bearer(new_access).get(ME).status_code == 200
    assert bearer(old_access).get(ME).status_code == 200
    listed = [k["kid"] for k in bearer(new_access).get("/api/v1/auth/jwks/").json()["keys"]]
    assert listed == [keys.keyring().kid, old_kid]

    settings.JWT_PREVIOUS_PUBLIC_KEYS = []
    keys.keyring.cache_clear()
    assert error_code(bearer(old_access).get(ME)) == "AUTH_TOKEN_INVALID"


def test_mismatched_public_key_is_refused_at_start(settings, keyring_reset):
    settings.JWT_PRIVATE_KEY = new_rsa_pem()[0]
    settings.JWT_PUBLIC_KEY = new_rsa_pem()[1]
    with pytest.raises(ValueError, match="does not match"):
        keys.keyring()


def test_generated_key_pair_is_created_once_and_reused(settings, keyring_reset, tmp_path, caplog):
    settings.JWT_PRIVATE_KEY = ""
    settings.JWT_PUBLIC_KEY = ""
    settings.JWT_KEY_DIR = tmp_path / "jwt"
    with caplog.at_level("WARNING", logger="accounts.keys"):
        first = keys.keyring().kid
    assert any("JWT_PRIVATE_KEY is not set" in r.getMessage() for r in caplog.records)
    assert oct((tmp_path / "jwt" / "private.pem").stat().st_mode & 0o777) == "0o600"
    keys.keyring.cache_clear()
    assert keys.keyring().kid == first
    assert list((tmp_path / "jwt").iterdir()) == [tmp_path / "jwt" / "private.pem"]


def test_processes_starting_together_agree_on_one_generated_key(tmp_path):
    import threading

    barrier = threading.Barrier(4)
    pems: list[str] = []

    def start():
        barrier.wait()
        pems.append(keys._generated_private_pem(tmp_path / "jwt"))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(pems) == 4 and len(set(pems)) == 1
    assert [p.name for p in (tmp_path / "jwt").iterdir()] == ["private.pem"]


def test_a_verified_token_is_kept_but_its_expiry_and_key_still_checked(settings):
    """The verified-token cache (accounts.tokens.verified_tokens): a hit still expires on time,
    and a new key ring (rotation) verifies afresh."""
    from unittest import mock

    from rest_framework_simplejwt.exceptions import TokenError

    from accounts.tokens import AccessToken, verified_tokens

    raw = str(AccessToken())
    AccessToken(raw)
    assert verified_tokens.get(raw) is not None
    later = time.time() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() + 1
    with mock.patch("accounts.tokens.time.time", return_value=later), pytest.raises(TokenError):
        AccessToken(raw)
    keys.keyring.cache_clear()
    try:
        assert verified_tokens.get(raw) is None  # another ring: verified again
    finally:
        keys.keyring.cache_clear()
