"""The whole upload flow on MEDIA_BACKEND=local: signed upload endpoint, eager task, serving."""

import io
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import signing
from PIL import Image

from profiles.models import MediaStatus
from tests.conftest import bearer_client
from tests.profiles.conftest import image_bytes, uploads_of
from tests.profiles.flow import confirm, put_local, upload_local, upload_url, version_dirs

pytestmark = pytest.mark.django_db


def _me(client) -> dict:
    response = client.get("/api/v1/profiles/me/")
    assert response.status_code == 200
    return response.json()


def _fetch_image(client, url: str) -> Image.Image:
    assert url.startswith("http://testserver/media/")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_avatar_end_to_end_publishes_three_webp_sizes(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    grant, response = upload_local(
        auth_client, "avatar", image_bytes("PNG", (900, 500)), django_capture_on_commit_callbacks
    )
    assert response.status_code == 202 and response.json() == {"status": "processing"}
    assert grant["method"] == "PUT" and grant["max_size_bytes"] == len(
        image_bytes("PNG", (900, 500))
    )
    assert grant["storage_path"].startswith(f"uploads/{user.pk}/")
    assert grant["allowed_types"] == ["image/png", "image/jpeg", "image/webp"]
    assert grant["upload_url"].startswith("http://testserver/api/v1/uploads/")

    me = _me(auth_client)
    assert me["avatar_status"] == "ready" and me["avatar_status_reason"] == ""
    assert set(me["avatar_urls"]) == {"128", "256", "512"}
    assert me["avatar_url"] == me["avatar_urls"]["256"]
    for label, url in me["avatar_urls"].items():
        image = _fetch_image(auth_client, url)
        assert image.format == "WEBP" and image.size == (int(label), int(label))
    assert not (local_media / grant["storage_path"]).exists()  # the upload is deleted
    assert len(version_dirs(local_media, "avatar", user)) == 1


def test_banner_end_to_end(auth_client, user, local_media, django_capture_on_commit_callbacks):
    data = image_bytes("JPEG", (3000, 1000))
    _, response = upload_local(
        auth_client, "banner", data, django_capture_on_commit_callbacks, content_type="image/jpeg"
    )
    assert response.status_code == 202
    me = _me(auth_client)
    assert me["banner_status"] == "ready"
    assert set(me["banner_urls"]) == {"960x270", "1920x540"}
    assert me["banner_url"] == me["banner_urls"]["1920x540"]
    assert _fetch_image(auth_client, me["banner_urls"]["960x270"]).size == (960, 270)
    assert _fetch_image(auth_client, me["banner_urls"]["1920x540"]).size == (1920, 540)


def test_a_new_avatar_replaces_and_deletes_the_old_version(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    upload_local(auth_client, "avatar", image_bytes(), django_capture_on_commit_callbacks)
    first = _me(auth_client)["avatar_urls"]
    upload_local(
        auth_client,
        "avatar",
        image_bytes("WEBP", color=(0, 0, 255)),
        django_capture_on_commit_callbacks,
        content_type="image/webp",
    )
    second = _me(auth_client)["avatar_urls"]
    assert first["256"] != second["256"]
    assert auth_client.get(first["256"]).status_code == 404
    assert len(version_dirs(local_media, "avatar", user)) == 1


def test_media_is_served_with_debug_off_and_raw_uploads_never(
    settings, auth_client, user, local_media
):
    settings.DEBUG = False
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    assert (local_media / grant["storage_path"]).exists()
    assert auth_client.get(f"/media/{grant['storage_path']}").status_code == 404
    assert auth_client.get("/media/avatars/../uploads/x.webp").status_code == 404


# --- the local upload endpoint -----------------------------------------------------------------


def test_upload_endpoint_checks_type_size_and_accepts_one_put(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    url, data = grant["upload_url"], image_bytes()
    wrong_type = put_local(auth_client, url, data, "image/jpeg")
    assert wrong_type.status_code == 415
    assert wrong_type.json()["error"]["code"] == "UPLOAD_INVALID_TYPE"
    assert put_local(auth_client, url, data, "image/png").status_code == 204
    again = put_local(auth_client, url, data, "image/png")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "UPLOAD_ALREADY_RECEIVED"


def test_upload_endpoint_refuses_more_bytes_than_the_limit(settings, auth_client, local_media):
    settings.MEDIA_AVATAR_MAX_BYTES = 1000
    grant = upload_url(auth_client, "avatar", "image/png", 1000).json()
    response = put_local(auth_client, grant["upload_url"], b"\0" * 1001, "image/png")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "UPLOAD_FILE_TOO_LARGE"
    assert not (local_media / grant["storage_path"]).exists()


def test_upload_endpoint_rejects_a_tampered_token(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 1000).json()
    tampered = grant["upload_url"].replace("/uploads/", "/uploads/x")
    response = put_local(auth_client, tampered, image_bytes(), "image/png")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "UPLOAD_URL_INVALID"


def test_upload_endpoint_is_not_there_on_gcs(settings, auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 1000).json()
    settings.MEDIA_BACKEND = "gcs"
    response = put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    assert response.status_code == 404


# --- upload-url and confirm validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type", "size", "status", "code"),
    [
        ("avatar", "image/gif", 100, 415, "UPLOAD_INVALID_TYPE"),
        ("avatar", "text/plain", 100, 415, "UPLOAD_INVALID_TYPE"),
        ("avatar", "image/png", 5 * 1024 * 1024 + 1, 413, "UPLOAD_FILE_TOO_LARGE"),
        ("banner", "image/png", 10 * 1024 * 1024 + 1, 413, "UPLOAD_FILE_TOO_LARGE"),
        ("avatar", "image/png", 0, 400, "VALIDATION_ERROR"),
        ("avatar", "image/png", "many", 400, "VALIDATION_ERROR"),
    ],
)
def test_upload_url_validates_declared_type_and_size(
    auth_client, local_media, kind, content_type, size, status, code
):
    response = upload_url(auth_client, kind, content_type, size)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_banner_may_be_larger_than_an_avatar(auth_client, local_media):
    response = upload_url(auth_client, "banner", "IMAGE/JPEG; charset=binary", 10 * 1024 * 1024)
    assert response.status_code == 200
    assert response.json()["max_size_bytes"] == 10 * 1024 * 1024


def test_media_endpoints_need_authentication(api_client, local_media):
    assert upload_url(api_client, "avatar", "image/png", 10).status_code == 401
    response = api_client.post("/api/v1/profiles/me/avatar/confirm/", {"storage_path": "x"})
    assert response.status_code == 401


def test_confirm_of_nothing_uploaded_is_a_400(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert "storage_path" in response.json()["error"]["details"]
    response = confirm(
        auth_client, "avatar", "avatars/../../etc/passwd", django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert uploads_of(user) == [] and _me(auth_client)["avatar_status"] == "ready"


def test_confirm_of_an_oversized_object_is_a_413_and_removes_it(
    settings, auth_client, user, local_media, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    settings.MEDIA_AVATAR_MAX_BYTES = 10
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 413
    assert not (local_media / grant["storage_path"]).exists()


def test_confirm_twice_while_processing_queues_one_task(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    body = {"storage_path": grant["storage_path"]}
    with mock.patch("profiles.tasks.process_media.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            first = auth_client.post("/api/v1/profiles/me/avatar/confirm/", body, format="json")
        with django_capture_on_commit_callbacks(execute=True):
            second = auth_client.post("/api/v1/profiles/me/avatar/confirm/", body, format="json")
    assert first.status_code == second.status_code == 202
    assert delay.call_count == 1
    assert _me(auth_client)["avatar_status"] == "processing"


def test_confirm_queues_the_task_only_after_commit(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    with mock.patch("profiles.tasks.process_media.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            auth_client.post(
                "/api/v1/profiles/me/avatar/confirm/",
                {"storage_path": grant["storage_path"]},
                format="json",
            )
        assert delay.call_count == 0
        for callback in callbacks:
            callback()
        delay.assert_called_once_with(str(uploads_of(user)[0].pk))


# --- bad uploads: a clear error, nothing published, the old avatar kept --------------------------


@pytest.fixture
def published(auth_client, user, local_media, django_capture_on_commit_callbacks):
    upload_local(auth_client, "avatar", image_bytes(), django_capture_on_commit_callbacks)
    return _me(auth_client)


def _assert_old_avatar_kept(client, user, local_media, published):
    me = _me(client)
    assert me["avatar_url"] == published["avatar_url"]
    assert me["avatar_urls"] == published["avatar_urls"]
    assert client.get(published["avatar_url"]).status_code == 200
    assert len(version_dirs(local_media, "avatar", user)) == 1
    assert not any((local_media / "uploads" / str(user.pk)).glob("*"))
    return me


def _truncated_jpeg() -> bytes:
    data = image_bytes("JPEG", (800, 800), quality=95)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data_factory",
    [
        pytest.param(lambda: b"hello, this is not an image\n" * 40, id="text declared as PNG"),
        pytest.param(lambda: image_bytes("GIF", (300, 300), mode="P", color=3), id="a GIF"),
    ],
)
def test_bytes_that_are_no_allowed_image_are_refused_at_confirm(
    auth_client, user, local_media, published, django_capture_on_commit_callbacks, data_factory
):
    """The type is checked on the bytes (API.md): 415 at confirm, nothing queued or changed."""
    _, response = upload_local(
        auth_client, "avatar", data_factory(), django_capture_on_commit_callbacks
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UPLOAD_INVALID_TYPE"
    me = _assert_old_avatar_kept(auth_client, user, local_media, published)
    assert me["avatar_status"] == "ready"
    assert len(uploads_of(user)) == 1  # only the published one: nothing was queued


def test_a_truncated_jpeg_fails_readably_and_keeps_the_old_avatar(
    auth_client, user, local_media, published, django_capture_on_commit_callbacks
):
    _, response = upload_local(
        auth_client, "avatar", _truncated_jpeg(), django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    me = _assert_old_avatar_kept(auth_client, user, local_media, published)
    assert me["avatar_status"] == "failed"
    assert "truncated or corrupt" in me["avatar_status_reason"]
    assert uploads_of(user)[-1].status == MediaStatus.FAILED


def test_decompression_bomb_is_refused_before_decoding(
    auth_client, user, local_media, published, bomb_png, django_capture_on_commit_callbacks
):
    with mock.patch("PIL.ImageFile.ImageFile.load", side_effect=AssertionError("decoded")):
        _, response = upload_local(
            auth_client, "avatar", bomb_png, django_capture_on_commit_callbacks
        )
    assert response.status_code == 202
    me = _assert_old_avatar_kept(auth_client, user, local_media, published)
    assert me["avatar_status"] == "failed"
    assert "pixels" in me["avatar_status_reason"]


def test_confirming_another_users_upload_is_refused(
    auth_client, user, make_user, local_media, published, django_capture_on_commit_callbacks
):
    other = bearer_client(make_user())
    grant = upload_url(other, "avatar", "image/png", 10_000).json()
    put_local(other, grant["upload_url"], image_bytes(color=(0, 255, 0)), "image/png")
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert (local_media / grant["storage_path"]).exists()  # still the other user's to confirm
    me = _me(auth_client)
    assert me["avatar_status"] == "ready" and me["avatar_url"] == published["avatar_url"]


def test_an_expired_upload_url_is_refused(
    auth_client, user, local_media, published, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    later = SimpleNamespace(time=lambda: time.time() + 301)
    with mock.patch.object(signing, "time", later):
        response = put_local(auth_client, grant["upload_url"], image_bytes(), "image/png")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "UPLOAD_URL_EXPIRED"
    assert not (local_media / grant["storage_path"]).exists()
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    me = _assert_old_avatar_kept(auth_client, user, local_media, published)
    assert me["avatar_status"] == "ready"


def test_a_failed_upload_then_a_good_one_is_ready_again(
    auth_client, user, local_media, published, django_capture_on_commit_callbacks
):
    upload_local(auth_client, "avatar", _truncated_jpeg(), django_capture_on_commit_callbacks)
    assert _me(auth_client)["avatar_status"] == "failed"
    upload_local(
        auth_client, "avatar", image_bytes(color=(1, 2, 3)), django_capture_on_commit_callbacks
    )
    me = _me(auth_client)
    assert me["avatar_status"] == "ready" and me["avatar_status_reason"] == ""
    assert me["avatar_url"] != published["avatar_url"]
