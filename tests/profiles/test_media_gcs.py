"""The upload flow on MEDIA_BACKEND=gcs against gcp-storage-emulator, with the real
google-cloud-storage client; V4 signing checked on its own (the emulator ignores signatures)."""

import hashlib
import io
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from PIL import Image

from tests.conftest import bearer_client
from tests.profiles.conftest import image_bytes
from tests.profiles.flow import confirm, put_http, upload_gcs, upload_url

pytestmark = pytest.mark.django_db


def _me(client) -> dict:
    return client.get("/api/v1/profiles/me/").json()


def _fetch(url: str) -> Image.Image:
    with urllib.request.urlopen(url, timeout=10) as response:
        return Image.open(io.BytesIO(response.read()))


def _versions(bucket, kind, user) -> set[str]:
    prefix = f"{kind}s/{user.pk}/"
    return {blob.name[len(prefix) :].split("/")[0] for blob in bucket.list_blobs(prefix=prefix)}


def test_avatar_and_banner_end_to_end_on_the_emulator(
    auth_client, user, gcs_media, django_capture_on_commit_callbacks
):
    bucket = gcs_media["bucket"]
    grant, response = upload_gcs(
        auth_client, "avatar", image_bytes("PNG", (700, 900)), django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    assert grant["upload_url"].startswith(f"{gcs_media['host']}/{bucket.name}/uploads/{user.pk}/")
    me = _me(auth_client)
    assert me["avatar_status"] == "ready", me["avatar_status_reason"]
    for label, url in me["avatar_urls"].items():
        assert url.startswith(f"{gcs_media['host']}/{bucket.name}/avatars/{user.pk}/")
        image = _fetch(url)
        assert image.format == "WEBP" and image.size == (int(label), int(label))
    blob = bucket.get_blob(me["avatar_url"].split(f"/{bucket.name}/", 1)[1])
    assert blob.content_type == "image/webp"
    assert blob.cache_control == "public, max-age=31536000, immutable"
    assert bucket.get_blob(grant["storage_path"]) is None  # the upload is deleted

    _, response = upload_gcs(
        auth_client,
        "banner",
        image_bytes("JPEG", (2400, 1000)),
        django_capture_on_commit_callbacks,
        content_type="image/jpeg",
    )
    assert response.status_code == 202
    me = _me(auth_client)
    assert me["banner_status"] == "ready"
    assert _fetch(me["banner_urls"]["1920x540"]).size == (1920, 540)
    assert _fetch(me["banner_urls"]["960x270"]).size == (960, 270)


def test_a_new_avatar_deletes_older_versions_in_the_bucket(
    auth_client, user, gcs_media, django_capture_on_commit_callbacks
):
    bucket = gcs_media["bucket"]
    upload_gcs(auth_client, "avatar", image_bytes(), django_capture_on_commit_callbacks)
    first = _me(auth_client)["avatar_url"]
    upload_gcs(
        auth_client, "avatar", image_bytes(color=(9, 9, 9)), django_capture_on_commit_callbacks
    )
    second = _me(auth_client)["avatar_url"]
    assert first != second
    assert len(_versions(bucket, "avatar", user)) == 1
    assert bucket.get_blob(first.split(f"/{bucket.name}/", 1)[1]) is None


def test_bad_upload_on_gcs_keeps_the_old_avatar(
    auth_client, user, gcs_media, bomb_png, django_capture_on_commit_callbacks
):
    bucket = gcs_media["bucket"]
    upload_gcs(auth_client, "avatar", image_bytes(), django_capture_on_commit_callbacks)
    published = _me(auth_client)
    grant, response = upload_gcs(
        auth_client, "avatar", b"plain text" * 50, django_capture_on_commit_callbacks
    )
    assert response.status_code == 415  # checked on the bytes at confirm
    assert _me(auth_client)["avatar_status"] == "ready"
    assert bucket.get_blob(grant["storage_path"]) is None
    for data, reason in [(bomb_png, "pixels")]:
        grant, response = upload_gcs(
            auth_client, "avatar", data, django_capture_on_commit_callbacks
        )
        assert response.status_code == 202
        me = _me(auth_client)
        assert me["avatar_status"] == "failed" and reason in me["avatar_status_reason"]
        assert me["avatar_urls"] == published["avatar_urls"]
        assert bucket.get_blob(grant["storage_path"]) is None
    assert _fetch(published["avatar_url"]).size == (256, 256)
    assert len(_versions(bucket, "avatar", user)) == 1


def test_another_users_upload_cannot_be_confirmed_on_gcs(
    auth_client, make_user, gcs_media, django_capture_on_commit_callbacks
):
    other = bearer_client(make_user())
    grant = upload_url(other, "avatar", "image/png", 10_000).json()
    assert put_http(grant["upload_url"], image_bytes(), "image/png") == 200
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 403
    assert gcs_media["bucket"].get_blob(grant["storage_path"]) is not None


def test_published_urls_use_the_cdn_base_when_set(
    settings, auth_client, user, gcs_media, django_capture_on_commit_callbacks
):
    settings.MEDIA_CDN_BASE_URL = "https://cdn.example.com/media"
    upload_gcs(auth_client, "avatar", image_bytes(), django_capture_on_commit_callbacks)
    url = _me(auth_client)["avatar_urls"]["128"]
    assert url.startswith(f"https://cdn.example.com/media/avatars/{user.pk}/")
    assert url.endswith("/128.webp") and "X-Goog" not in url


# --- V4 signing, verified independently of the client library -----------------------------------


def _verify_v4(url: str, content_type: str, public_key) -> dict:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = bytes.fromhex(query.pop("X-Goog-Signature"))
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    headers = {"content-type": content_type, "host": parts.netloc}
    signed = query["X-Goog-SignedHeaders"].split(";")
    canonical_request = "\n".join(
        [
            "PUT",
            parts.path,
            canonical_query,
            "".join(f"{name}:{headers[name]}\n" for name in signed),
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = query["X-Goog-Credential"].split("/", 1)[1]
    string_to_sign = "\n".join(
        [
            "GOOG4-RSA-SHA256",
            query["X-Goog-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    public_key.verify(signature, string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    return query


def test_upload_url_is_a_v4_signature_bound_to_put_type_and_five_minutes(
    auth_client, gcs_media, signing_key
):
    grant = upload_url(auth_client, "avatar", "image/jpeg", 1000).json()
    query = _verify_v4(grant["upload_url"], "image/jpeg", signing_key["public_key"])
    assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert query["X-Goog-Credential"].startswith("media@test.iam.gserviceaccount.com/")
    assert query["X-Goog-Expires"] == "300"
    assert "content-type" in query["X-Goog-SignedHeaders"].split(";")
    signed_at = datetime.strptime(query["X-Goog-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires_at = datetime.fromisoformat(grant["expires_at"].replace("Z", "+00:00"))
    assert abs(expires_at - (signed_at + timedelta(seconds=300))) < timedelta(seconds=5)
    # Another content type (or method) does not match the signature.
    with pytest.raises(InvalidSignature):
        _verify_v4(grant["upload_url"], "image/png", signing_key["public_key"])


def test_old_unconfirmed_uploads_are_purged_from_the_bucket(auth_client, gcs_media):
    from datetime import UTC, datetime, timedelta

    from profiles.storage import get_media_storage

    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    assert put_http(grant["upload_url"], image_bytes(), "image/png") == 200
    storage = get_media_storage()
    assert storage.purge_uploads(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert gcs_media["bucket"].get_blob(grant["storage_path"]) is not None
    assert storage.purge_uploads(datetime.now(UTC) + timedelta(seconds=5)) >= 1
    assert gcs_media["bucket"].get_blob(grant["storage_path"]) is None
