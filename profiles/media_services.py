"""The avatar/banner pipeline: hand out an upload URL, confirm the upload, process it.

upload-url → the client PUTs the bytes straight to storage → confirm records a ``MediaUpload``,
marks the profile's media ``processing`` and queues ``profiles.process_media`` on commit → the
task checks and resizes the image, publishes WebP copies under ``{kind}s/{user_id}/{version}/``
and deletes the upload and older versions. A failure never touches the published image.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from profiles.errors import (
    StorageUnavailable,
    UploadEmpty,
    UploadFileTooLarge,
    UploadInvalidType,
    UploadMissing,
    UploadNotOwned,
)
from profiles.imaging import (
    ALLOWED_TYPES,
    SPECS,
    MediaRejected,
    human_size,
    render,
    sniff_image_type,
)
from profiles.models import MediaStatus, MediaUpload, Profile
from profiles.services import profile_changed_notify
from profiles.storage import MediaObjectMissing, MediaStorageError, get_media_storage

logger = logging.getLogger(__name__)

# The declared size is part of the path: only paths this service signed can hold an object, so
# confirm can enforce it whatever the storage accepted (a GCS signed URL cannot bind a length).
_UPLOAD_PATH = re.compile(
    r"uploads/(?P<user_id>[0-9a-f-]{36})/(?P<token>[0-9a-f]{32})-(?P<size>[1-9][0-9]{0,9})"
)


def _article(kind: str) -> str:
    return "An" if kind[0] in "aeiou" else "A"


def _normalize_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def media_upload_url(*, user, kind: str, content_type: str, size_bytes: int) -> dict:
    """A signed, 5-minute PUT URL for one upload of at most ``size_bytes`` under
    ``uploads/{user_id}/{random}-{size_bytes}``."""
    spec = SPECS[kind]
    declared = _normalize_type(content_type)
    if declared not in ALLOWED_TYPES:
        raise UploadInvalidType(
            f'"{content_type}" is not accepted; use image/png, image/jpeg or image/webp.',
            details={"content_type": [f"Allowed: {', '.join(ALLOWED_TYPES)}."]},
        )
    if size_bytes > spec.max_bytes:
        raise UploadFileTooLarge(
            f"{_article(kind)} {kind} may be at most {human_size(spec.max_bytes)}.",
            details={"size_bytes": [f"At most {spec.max_bytes} bytes."]},
        )
    path = f"uploads/{user.pk}/{secrets.token_hex(16)}-{size_bytes}"
    ttl = settings.MEDIA_UPLOAD_URL_TTL_SECONDS
    expires_at = timezone.now() + timedelta(seconds=ttl)
    try:
        url = get_media_storage().upload_url(
            path=path, content_type=declared, max_size=size_bytes, user_id=str(user.pk)
        )
    except MediaStorageError as exc:
        logger.warning("Could not sign an upload URL: %s", exc)
        raise StorageUnavailable()
    return {
        "upload_url": url,
        "method": "PUT",
        "storage_path": path,
        "expires_at": expires_at,
        "max_size_bytes": size_bytes,
        "allowed_types": list(ALLOWED_TYPES),
    }


def _check_owned_path(*, user, storage_path: str) -> int:
    """The declared size of an upload path handed out to ``user``."""
    match = _UPLOAD_PATH.fullmatch(storage_path)
    if match is None:
        raise UploadMissing(
            "This is not an upload path handed out by upload-url.",
            details={"storage_path": ["Expected the storage_path returned by upload-url."]},
        )
    if match["user_id"] != str(user.pk):
        raise UploadNotOwned(details={"storage_path": ["This upload belongs to someone else."]})
    return int(match["size"])


def media_confirm(*, user, kind: str, storage_path: str) -> MediaUpload:
    """Check the upload is the caller's and exists, mark the media processing and queue the
    resize task after commit. Confirming the same path again while it is processing is a no-op."""
    spec = SPECS[kind]
    declared = _check_owned_path(user=user, storage_path=storage_path)
    existing = MediaUpload.objects.filter(storage_path=storage_path).first()
    if existing is not None:
        return _reconfirm(existing, user=user, kind=kind)
    storage = get_media_storage()
    try:
        size = storage.size(storage_path)
    except MediaObjectMissing:
        raise UploadMissing(details={"storage_path": ["No file has been uploaded here."]})
    except MediaStorageError as exc:
        logger.warning("Storage check failed for %s: %s", storage_path, exc)
        raise StorageUnavailable()
    if size > spec.max_bytes:
        _delete_quietly(storage_path)
        raise UploadFileTooLarge(
            f"{_article(kind)} {kind} may be at most {human_size(spec.max_bytes)}."
        )
    if size > declared:
        _delete_quietly(storage_path)
        raise UploadFileTooLarge(f"The file is larger than the {declared} bytes declared.")
    if size == 0:
        _delete_quietly(storage_path)
        raise UploadEmpty()
    _check_image_bytes(storage, storage_path)
    try:
        with transaction.atomic():
            profile = Profile.objects.select_for_update().get(pk=user.pk)
            upload = MediaUpload.objects.create(user=user, kind=kind, storage_path=storage_path)
            _set_profile_status(profile, kind, MediaStatus.PROCESSING, "")
            profile_changed_notify(user_id=user.pk, changed_fields=set())
            transaction.on_commit(lambda: _queue(upload.pk))
    except IntegrityError:  # the same path confirmed concurrently
        return _reconfirm(MediaUpload.objects.get(storage_path=storage_path), user=user, kind=kind)
    return upload


def _check_image_bytes(storage, storage_path: str) -> None:
    """415 at once when the bytes are not a PNG, JPEG or WebP image (whatever the header
    said); the upload is deleted and nothing else changes. The task still decodes it fully."""
    try:
        head = storage.read(storage_path)[:16]
    except MediaStorageError as exc:
        logger.warning("Storage read failed for %s: %s", storage_path, exc)
        raise StorageUnavailable()
    if sniff_image_type(head) is None:
        _delete_quietly(storage_path)
        raise UploadInvalidType("The file is not a PNG, JPEG or WebP image.")


def _reconfirm(upload: MediaUpload, *, user, kind: str) -> MediaUpload:
    if upload.user_id != user.pk:
        raise UploadNotOwned()
    if upload.kind != kind or upload.status != MediaStatus.PROCESSING:
        raise UploadMissing(details={"storage_path": ["This upload was already processed."]})
    return upload


def _queue(upload_id) -> None:
    from profiles.tasks import process_media

    try:
        process_media.delay(str(upload_id))
    except Exception:
        logger.exception("Could not queue media processing for %s", upload_id)
        media_fail(upload_id=upload_id, reason="Processing could not be started; upload again.")


def _set_profile_status(profile: Profile, kind: str, status: str, reason: str) -> None:
    setattr(profile, f"{kind}_status", status)
    setattr(profile, f"{kind}_status_reason", reason[:200])
    profile.save(update_fields=[f"{kind}_status", f"{kind}_status_reason", "updated_at"])


def _is_latest(upload: MediaUpload) -> bool:
    newer = MediaUpload.objects.filter(user_id=upload.user_id, kind=upload.kind).filter(
        created_at__gt=upload.created_at
    )
    return not newer.exists()


def _delete_quietly(path: str) -> None:
    try:
        get_media_storage().delete(path)
    except Exception:
        logger.warning("Could not delete %s", path, exc_info=True)


def media_fail(*, upload_id, reason: str) -> None:
    """Record a failed upload; the profile shows it if this is its latest upload. The published
    image stays as it was; the uploaded object is removed."""
    with transaction.atomic():
        upload = MediaUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status != MediaStatus.PROCESSING:
            return
        profile = Profile.objects.select_for_update().get(pk=upload.user_id)
        upload.status, upload.reason = MediaStatus.FAILED, reason[:200]
        upload.save(update_fields=["status", "reason", "updated_at"])
        if _is_latest(upload):
            _set_profile_status(profile, upload.kind, MediaStatus.FAILED, reason)
        profile_changed_notify(user_id=upload.user_id, changed_fields=set())
    _delete_quietly(upload.storage_path)


def media_process(*, upload_id) -> None:
    """Verify, resize and publish one upload (the Celery task's body). Raises
    MediaStorageError on storage trouble (the task retries); records anything else as failed."""
    upload = MediaUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != MediaStatus.PROCESSING:
        return  # already handled (a redelivered task)
    spec = SPECS[upload.kind]
    storage = get_media_storage()
    try:
        if storage.size(upload.storage_path) > spec.max_bytes:
            raise MediaRejected(f"The file is larger than {human_size(spec.max_bytes)}.")
        renditions = render(storage.read(upload.storage_path), spec)
    except MediaObjectMissing:
        media_fail(upload_id=upload.pk, reason="The uploaded file is gone; upload it again.")
        return
    except MediaRejected as exc:
        media_fail(upload_id=upload.pk, reason=exc.reason)
        return
    version = f"{upload.created_at:%Y%m%dT%H%M%S%f}-{upload.pk.hex[:8]}"
    prefix = f"{upload.kind}s/{upload.user_id}"
    folder = f"{prefix}/{version}"
    try:
        for label, data in renditions.items():
            storage.write(f"{folder}/{label}.webp", data, "image/webp")
    except MediaStorageError:
        _delete_folder_quietly(storage, folder)
        raise
    urls = {label: storage.public_url(f"{folder}/{label}.webp") for label in renditions}
    published = _publish(upload, version=version, urls=urls, primary=spec.primary)
    _delete_quietly(upload.storage_path)
    if published:
        try:
            storage.delete_old_versions(prefix, keep_latest=1, newest=version)
        except MediaStorageError:
            logger.warning("Could not delete old versions under %s", prefix, exc_info=True)
    else:
        _delete_folder_quietly(storage, folder)


def _delete_folder_quietly(storage, folder: str) -> None:
    try:
        storage.delete_prefix(folder)
    except Exception:
        logger.warning("Could not delete %s", folder, exc_info=True)


@transaction.atomic
def _publish(upload: MediaUpload, *, version: str, urls: dict, primary: str) -> bool:
    """Point the profile at the new version unless a newer upload already won."""
    profile = Profile.objects.select_for_update().get(pk=upload.user_id)
    upload = MediaUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != MediaStatus.PROCESSING:
        return False
    newer_published = MediaUpload.objects.filter(
        user_id=upload.user_id,
        kind=upload.kind,
        status=MediaStatus.READY,
        version__gt=version,
    ).exists()
    upload.status, upload.reason = MediaStatus.READY, ""
    upload.version = "" if newer_published else version
    upload.save(update_fields=["status", "reason", "version", "updated_at"])
    changed: set[str] = set()
    if not newer_published:
        setattr(profile, f"{upload.kind}_url", urls[primary])
        setattr(profile, f"{upload.kind}_urls", urls)
        profile.save(update_fields=[f"{upload.kind}_url", f"{upload.kind}_urls", "updated_at"])
        changed = {f"{upload.kind}_url", f"{upload.kind}_urls"}
    if _is_latest(upload):
        _set_profile_status(profile, upload.kind, MediaStatus.READY, "")
    profile_changed_notify(user_id=upload.user_id, changed_fields=changed)
    return not newer_published


def media_sweep() -> dict:
    """Periodic clean-up: uploads stuck in ``processing`` (a lost task) become failed, and raw
    uploads never confirmed are deleted once they are old."""
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.MEDIA_PROCESSING_TIMEOUT_SECONDS)
    stuck = list(
        MediaUpload.objects.filter(
            status=MediaStatus.PROCESSING, updated_at__lt=stuck_before
        ).values_list("pk", flat=True)
    )
    for upload_id in stuck:
        media_fail(upload_id=upload_id, reason="Processing took too long; upload the image again.")
    purged = get_media_storage().purge_uploads(
        now - timedelta(hours=settings.MEDIA_ORPHAN_UPLOAD_HOURS)
    )
    return {"failed": len(stuck), "purged": purged}
