"""The media storage adapter: one interface, two backends chosen by ``MEDIA_BACKEND``.

``local`` keeps files under MEDIA_ROOT and hands out upload URLs of this service's own signed
upload endpoint; ``gcs`` uses django-storages' Cloud Storage backend and V4 signed PUT URLs.
Transient storage failures raise :class:`MediaStorageError` (the resize task retries those);
a missing object raises :class:`MediaObjectMissing`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

UPLOAD_TOKEN_SALT = "profiles.local-upload"
PUBLISHED_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MediaStorageError(Exception):
    """The storage did not answer as expected; worth retrying."""


class MediaObjectMissing(Exception):
    """No object at that path."""


class MediaStorage(ABC):
    """Backend-independent operations on media objects (paths relative to the bucket/root)."""

    backend = ""

    @abstractmethod
    def size(self, path: str) -> int: ...

    @abstractmethod
    def read(self, path: str) -> bytes: ...

    @abstractmethod
    def write(self, path: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    def delete(self, path: str) -> None: ...

    @abstractmethod
    def listdir(self, prefix: str) -> tuple[list[str], list[str]]: ...

    @abstractmethod
    def public_url(self, path: str) -> str: ...

    @abstractmethod
    def upload_url(self, *, path: str, content_type: str, max_size: int, user_id: str) -> str:
        """A URL accepting one PUT of at most ``max_size`` bytes (the declared size) to ``path``."""

    @abstractmethod
    def purge_uploads(self, older_than: datetime) -> int:
        """Delete objects under ``uploads/`` created before ``older_than`` (never confirmed)."""

    def exists(self, path: str) -> bool:
        try:
            self.size(path)
        except MediaObjectMissing:
            return False
        return True

    def delete_prefix(self, prefix: str) -> None:
        dirs, files = self.listdir(prefix)
        for name in files:
            self.delete(f"{prefix.rstrip('/')}/{name}")
        for name in dirs:
            self.delete_prefix(f"{prefix.rstrip('/')}/{name}")

    def delete_old_versions(
        self, prefix: str, keep_latest: int = 1, newest: str | None = None
    ) -> list[str]:
        """Delete every version folder under ``prefix`` except the ``keep_latest`` latest.

        Version names sort by time. With ``newest``, folders after it (uploads still being
        processed) are left alone and only versions up to ``newest`` count."""
        dirs, _ = self.listdir(prefix)
        versions = sorted(d for d in dirs if newest is None or d <= newest)
        doomed = versions[:-keep_latest] if keep_latest > 0 else versions
        for version in doomed:
            self.delete_prefix(f"{prefix.rstrip('/')}/{version}")
        return doomed
