"""The resize task's behaviour: retries on storage errors only, ordering of racing uploads,
a broker that cannot be reached, the storage adapter's version clean-up."""

from unittest import mock

import pytest

from profiles import media_services
from profiles.models import MediaKind, MediaStatus, Profile
from profiles.storage import MediaStorageError, get_media_storage
from profiles.tasks import MAX_RETRIES, process_media, retry_countdown
from tests.profiles.conftest import image_bytes, uploads_of
from tests.profiles.flow import put_local, upload_url, version_dirs

pytestmark = pytest.mark.django_db


def _uploaded(client) -> str:
    grant = upload_url(client, "avatar", "image/png", 10_000).json()
    assert put_local(client, grant["upload_url"], image_bytes(), "image/png").status_code == 204
    return grant["storage_path"]


def _confirm_without_running(user, path):
    with mock.patch("profiles.tasks.process_media.delay"):
        return media_services.media_confirm(user=user, kind=MediaKind.AVATAR, storage_path=path)


def test_storage_errors_are_retried_then_succeed(auth_client, user, local_media):
    upload = _confirm_without_running(user, _uploaded(auth_client))
    storage = get_media_storage()
    real_read = storage.read
    calls = {"n": 0}

    def flaky_read(path):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise MediaStorageError("503 from storage")
        return real_read(path)

    with (
        mock.patch.object(storage, "read", side_effect=flaky_read),
        mock.patch("profiles.tasks.retry_countdown", return_value=0),
    ):
        process_media.apply(args=[str(upload.pk)])
    assert calls["n"] == 3
    assert Profile.objects.get(pk=user.pk).avatar_status == MediaStatus.READY


def test_storage_errors_that_persist_end_as_a_readable_failure(auth_client, user, local_media):
    upload = _confirm_without_running(user, _uploaded(auth_client))
    storage = get_media_storage()
    with (
        mock.patch.object(storage, "read", side_effect=MediaStorageError("down")) as read,
        mock.patch("profiles.tasks.retry_countdown", return_value=0),
    ):
        process_media.apply(args=[str(upload.pk)])
    assert read.call_count == MAX_RETRIES + 1
    profile = Profile.objects.get(pk=user.pk)
    assert profile.avatar_status == MediaStatus.FAILED
    assert "Storage was unavailable" in profile.avatar_status_reason


def test_other_errors_are_not_retried(auth_client, user, local_media):
    upload = _confirm_without_running(user, _uploaded(auth_client))
    with mock.patch("profiles.media_services.render", side_effect=RuntimeError("bug")) as render:
        process_media.apply(args=[str(upload.pk)])
    assert render.call_count == 1
    profile = Profile.objects.get(pk=user.pk)
    assert profile.avatar_status == MediaStatus.FAILED
    assert profile.avatar_status_reason == "The image could not be processed; try another file."


def test_backoff_grows_and_is_capped():
    assert retry_countdown(0) <= 1.25 <= retry_countdown(3)
    assert all(retry_countdown(n) <= 75 for n in range(20))


def test_a_redelivered_task_changes_nothing(auth_client, user, local_media):
    upload = _confirm_without_running(user, _uploaded(auth_client))
    process_media.apply(args=[str(upload.pk)])
    profile = Profile.objects.get(pk=user.pk)
    process_media.apply(args=[str(upload.pk)])
    again = Profile.objects.get(pk=user.pk)
    assert (again.avatar_url, again.updated_at) == (profile.avatar_url, profile.updated_at)


def test_the_later_upload_wins_whatever_order_they_finish_in(auth_client, user, local_media):
    first = _confirm_without_running(user, _uploaded(auth_client))
    second = _confirm_without_running(user, _uploaded(auth_client))
    process_media.apply(args=[str(second.pk)])
    winner = Profile.objects.get(pk=user.pk).avatar_url
    process_media.apply(args=[str(first.pk)])  # finishes last, but was confirmed first
    profile = Profile.objects.get(pk=user.pk)
    assert profile.avatar_url == winner and profile.avatar_status == MediaStatus.READY
    assert len(version_dirs(local_media, "avatar", user)) == 1
    assert [u.status for u in uploads_of(user)] == [MediaStatus.READY, MediaStatus.READY]


def test_an_older_failure_does_not_mask_a_newer_upload(auth_client, user, local_media):
    first = _confirm_without_running(user, _uploaded(auth_client))
    second = _confirm_without_running(user, _uploaded(auth_client))
    process_media.apply(args=[str(second.pk)])
    media_services.media_fail(upload_id=first.pk, reason="broken")
    assert Profile.objects.get(pk=user.pk).avatar_status == MediaStatus.READY


def test_a_broker_that_cannot_be_reached_is_reported(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    path = _uploaded(auth_client)
    with (
        mock.patch("profiles.tasks.process_media.delay", side_effect=ConnectionError("no broker")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = auth_client.post(
            "/api/v1/profiles/me/avatar/confirm/", {"storage_path": path}, format="json"
        )
    assert response.status_code == 202
    profile = Profile.objects.get(pk=user.pk)
    assert profile.avatar_status == MediaStatus.FAILED
    assert "could not be started" in profile.avatar_status_reason


def test_delete_old_versions_keeps_the_latest_and_leaves_newer_in_flight_ones(local_media):
    storage = get_media_storage()
    for version in [
        "20260101T000000000000-a",
        "20260102T000000000000-b",
        "20260103T000000000000-c",
    ]:
        storage.write(f"avatars/u/{version}/128.webp", b"x", "image/webp")
    deleted = storage.delete_old_versions(
        "avatars/u", keep_latest=1, newest="20260102T000000000000-b"
    )
    assert deleted == ["20260101T000000000000-a"]
    assert sorted(storage.listdir("avatars/u")[0]) == [
        "20260102T000000000000-b",
        "20260103T000000000000-c",
    ]
    assert storage.delete_old_versions("avatars/u", keep_latest=1) == ["20260102T000000000000-b"]


def test_on_a_worker_storage_errors_are_retried_through_the_queue(auth_client, user, local_media):
    upload = _confirm_without_running(user, _uploaded(auth_client))
    storage = get_media_storage()
    process_media.push_request(retries=2, is_eager=False)
    try:
        with (
            mock.patch.object(storage, "read", side_effect=MediaStorageError("down")),
            mock.patch.object(process_media, "retry", side_effect=RuntimeError("retry")) as retry,
            pytest.raises(RuntimeError, match="retry"),
        ):
            process_media.run(str(upload.pk))
    finally:
        process_media.pop_request()
    countdown = retry.call_args.kwargs["countdown"]
    assert 3 <= countdown <= 5  # 2**2 with jitter
    assert Profile.objects.get(pk=user.pk).avatar_status == MediaStatus.PROCESSING


def test_publishing_an_avatar_sends_profile_changed_after_commit(
    auth_client, user, local_media, django_capture_on_commit_callbacks
):
    from profiles.signals import profile_changed

    upload = _confirm_without_running(user, _uploaded(auth_client))
    received = []

    def listener(sender, user_id, changed_fields, **kwargs):
        received.append((user_id, changed_fields))

    profile_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            process_media.apply(args=[str(upload.pk)])
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        profile_changed.disconnect(listener)
    assert received == [(user.pk, {"avatar_url", "avatar_urls"})]


def test_sweep_fails_stuck_uploads_and_purges_old_unconfirmed_ones(
    settings, auth_client, user, local_media
):
    import os
    import time
    from datetime import timedelta

    from django.utils import timezone

    from profiles.models import MediaUpload
    from profiles.tasks import sweep_media

    stuck = _confirm_without_running(user, _uploaded(auth_client))
    MediaUpload.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.MEDIA_PROCESSING_TIMEOUT_SECONDS + 5)
    )
    fresh = _confirm_without_running(user, _uploaded(auth_client))
    old_orphan, new_orphan = _uploaded(auth_client), _uploaded(auth_client)
    day_ago = time.time() - settings.MEDIA_ORPHAN_UPLOAD_HOURS * 3600 - 60
    os.utime(local_media / old_orphan, (day_ago, day_ago))

    result = sweep_media.apply().get()

    assert result == {"failed": 1, "purged": 1}
    assert MediaUpload.objects.get(pk=stuck.pk).status == MediaStatus.FAILED
    assert MediaUpload.objects.get(pk=fresh.pk).status == MediaStatus.PROCESSING
    assert (
        Profile.objects.get(pk=user.pk).avatar_status == MediaStatus.PROCESSING
    )  # fresh is latest
    assert not (local_media / old_orphan).exists() and (local_media / new_orphan).exists()
    assert (local_media / fresh.storage_path).exists()
    process_media.apply(args=[str(stuck.pk)])  # the lost task turning up late changes nothing
    assert MediaUpload.objects.get(pk=stuck.pk).status == MediaStatus.FAILED
