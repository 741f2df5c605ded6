"""The media storage adapter: one interface, two backends chosen by ``MEDIA_BACKEND``
(``local`` in ``profiles.storage.local``, ``gcs`` in ``profiles.storage.gcs``)."""

from functools import lru_cache

from django.conf import settings

from profiles.storage.base import (
    PUBLISHED_CACHE_CONTROL,
    UPLOAD_TOKEN_SALT,
    MediaObjectMissing,
    MediaStorage,
    MediaStorageError,
)
from profiles.storage.gcs import GcsMediaStorage
from profiles.storage.local import LocalMediaStorage, load_upload_token

__all__ = [
    "PUBLISHED_CACHE_CONTROL",
    "UPLOAD_TOKEN_SALT",
    "GcsMediaStorage",
    "LocalMediaStorage",
    "MediaObjectMissing",
    "MediaStorage",
    "MediaStorageError",
    "get_media_storage",
    "load_upload_token",
]


@lru_cache(maxsize=8)
def _build(config: tuple) -> MediaStorage:
    backend, root, public_base, ttl, bucket, project, creds, emulator, cdn = config
    if backend == "gcs":
        return GcsMediaStorage(
            bucket=bucket,
            project=project,
            credentials_file=creds,
            emulator_host=emulator,
            cdn_base_url=cdn,
            ttl_seconds=ttl,
        )
    return LocalMediaStorage(str(root), public_base, ttl)


def get_media_storage() -> MediaStorage:
    """The adapter for the current settings (one instance per configuration)."""
    return _build(
        (
            settings.MEDIA_BACKEND,
            str(settings.MEDIA_ROOT),
            settings.PUBLIC_BASE_URL,
            settings.MEDIA_UPLOAD_URL_TTL_SECONDS,
            settings.GCS_BUCKET,
            settings.GCS_PROJECT,
            settings.GCS_CREDENTIALS_FILE,
            settings.STORAGE_EMULATOR_HOST,
            settings.MEDIA_CDN_BASE_URL,
        )
    )
