"""The media storage adapter: one interface, two backends chosen by ``MEDIA_BACKEND``.

``local`` keeps files under MEDIA_ROOT and hands out upload URLs of this service's own signed
upload endpoint; ``gcs`` uses django-storages' Cloud Storage backend and V4 signed PUT URLs.
Transient storage failures raise :class:`MediaStorageError` (the resize task retries those);
a missing object raises :class:`MediaObjectMissing`.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

logger = logging.getLogger(__name__)

UPLOAD_TOKEN_SALT = "profiles.local-upload"
PUBLISHED_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MediaStorageError(Exception):
    """The storage did not answer as expected; worth retrying."""


class MediaObjectMissing(Exception):
    """No object at that path."""


class MediaStorage:
    """Backend-independent operations on media objects (paths relative to the bucket/root)."""

    backend = ""

    def size(self, path: str) -> int:
        raise NotImplementedError

    def read(self, path: str) -> bytes:
        raise NotImplementedError

    def write(self, path: str, data: bytes, content_type: str) -> None:
        raise NotImplementedError

    def delete(self, path: str) -> None:
        raise NotImplementedError

    def listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError

    def public_url(self, path: str) -> str:
        raise NotImplementedError

    def upload_url(self, *, path: str, content_type: str, max_size: int, user_id: str) -> str:
        raise NotImplementedError

    def purge_uploads(self, older_than: datetime) -> int:
        """Delete objects under ``uploads/`` created before ``older_than`` (never confirmed)."""
        raise NotImplementedError

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


class LocalMediaStorage(MediaStorage):
    backend = "local"

    def __init__(self, root: str, public_base_url: str, ttl_seconds: int):
        self.files = FileSystemStorage(location=root)
        self.root = root
        self.public_base_url = public_base_url
        self.ttl_seconds = ttl_seconds

    def size(self, path):
        try:
            return self.files.size(path)
        except FileNotFoundError as exc:
            raise MediaObjectMissing(path) from exc
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def read(self, path):
        try:
            with self.files.open(path, "rb") as fh:
                return fh.read()
        except FileNotFoundError as exc:
            raise MediaObjectMissing(path) from exc
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def write(self, path, data, content_type):
        target = self.files.path(path)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = f"{target}.part"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def write_new(self, path: str, chunks, max_size: int) -> int:
        """Write a stream to ``path`` only if nothing is there yet; returns the size written.
        Raises FileExistsError if the path is taken, ValueError past ``max_size`` (nothing kept)."""
        target = self.files.path(path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.{secrets.token_hex(8)}.part"
        written = 0
        try:
            with open(tmp, "xb") as fh:
                for chunk in chunks:
                    written += len(chunk)
                    if written > max_size:
                        raise ValueError("too large")
                    fh.write(chunk)
            os.link(tmp, target)  # atomic, and fails if the path already exists
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return written

    def delete(self, path):
        try:
            self.files.delete(path)
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def listdir(self, prefix):
        try:
            return self.files.listdir(prefix)
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def delete_prefix(self, prefix):
        folder = self.files.path(prefix)
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise MediaStorageError(str(exc)) from exc

    def purge_uploads(self, older_than):
        root = Path(self.files.path("uploads"))
        cutoff, count = older_than.timestamp(), 0
        for file in root.glob("*/*") if root.exists() else []:
            try:
                if file.is_file() and file.stat().st_mtime < cutoff:
                    file.unlink()
                    count += 1
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise MediaStorageError(str(exc)) from exc
        return count

    def public_url(self, path):
        return f"{self.public_base_url}/{settings.MEDIA_URL.strip('/')}/{quote(path)}"

    def upload_url(self, *, path, content_type, max_size, user_id):
        token = signing.dumps(
            {"p": path, "t": content_type, "m": max_size, "u": user_id},
            salt=UPLOAD_TOKEN_SALT,
            compress=True,
        )
        return self.public_base_url + reverse("profiles-local-upload", args=[token])


def load_upload_token(token: str, max_age: int) -> dict:
    """The payload of a local upload token; raises signing.SignatureExpired / BadSignature."""
    return signing.loads(token, salt=UPLOAD_TOKEN_SALT, max_age=max_age)


class GcsMediaStorage(MediaStorage):
    backend = "gcs"

    def __init__(
        self,
        *,
        bucket: str,
        project: str | None,
        credentials_file: str,
        emulator_host: str,
        cdn_base_url: str,
        ttl_seconds: int,
    ):
        self.emulator_host = emulator_host
        self.credentials_file = credentials_file
        self.project = project
        self.cdn_base_url = cdn_base_url
        self.ttl_seconds = ttl_seconds
        self.files = _gcs_storage_class()(
            client_factory=self._make_client,
            bucket_name=bucket,
            project_id=project,
            querystring_auth=False,  # published media is public; never sign its URLs
            file_overwrite=True,
            object_parameters={"cache_control": PUBLISHED_CACHE_CONTROL},
        )

    def _make_client(self):
        """API calls: anonymous against an emulator (fake service-account credentials would try
        to fetch an OAuth token and hang), the configured or default credentials otherwise."""
        from google.cloud.storage import Client

        if self.emulator_host:
            from google.auth.credentials import AnonymousCredentials

            return Client(
                project=self.project or "emulator",
                credentials=AnonymousCredentials(),
                client_options={"api_endpoint": self.emulator_host},
            )
        credentials = None
        if self.credentials_file:
            from google.oauth2 import service_account

            credentials = service_account.Credentials.from_service_account_file(
                self.credentials_file,
                scopes=["https://www.googleapis.com/auth/cloud-platform"],
            )
        return Client(project=self.project, credentials=credentials)

    def _signing_kwargs(self) -> dict:
        """Credentials for V4 signing: a service-account key when configured (or a throwaway
        key against an emulator, which does not check signatures), else IAM signBlob."""
        if self.credentials_file:
            return {"credentials": _service_account_from_file(self.credentials_file)}
        if self.emulator_host:
            return {"credentials": _throwaway_signer()}
        import google.auth
        from google.auth.transport.requests import Request

        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
        if hasattr(credentials, "sign_bytes") and hasattr(credentials, "signer_email"):
            return {"credentials": credentials}
        credentials.refresh(Request())
        return {
            "service_account_email": credentials.service_account_email,
            "access_token": credentials.token,
        }

    def _call(self, fn, path):
        from google.api_core import exceptions as gexc

        try:
            return fn()
        except gexc.NotFound as exc:
            raise MediaObjectMissing(path) from exc
        except Exception as exc:
            raise MediaStorageError(f"{exc.__class__.__name__}: {exc}") from exc

    def size(self, path):
        return self._call(lambda: self.files.size(path), path)

    def read(self, path):
        return self._call(lambda: self.files.bucket.blob(path).download_as_bytes(), path)

    def write(self, path, data, content_type):
        def _upload():
            blob = self.files.bucket.blob(path)
            blob.cache_control = PUBLISHED_CACHE_CONTROL
            blob.upload_from_string(data, content_type=content_type)

        self._call(_upload, path)

    def delete(self, path):
        self._call(lambda: self.files.delete(path), path)

    def listdir(self, prefix):
        return self._call(lambda: self.files.listdir(prefix), prefix)

    def purge_uploads(self, older_than):
        def purge():
            count = 0
            for blob in self.files.client.list_blobs(self.files.bucket, prefix="uploads/"):
                if blob.time_created is not None and blob.time_created < older_than:
                    blob.delete()
                    count += 1
            return count

        return self._call(purge, "uploads/")

    def public_url(self, path):
        if self.cdn_base_url:
            return f"{self.cdn_base_url}/{quote(path)}"
        return self.files.url(path)

    def upload_url(self, *, path, content_type, max_size, user_id):
        blob = self.files.bucket.blob(path)
        return self._call(
            lambda: blob.generate_signed_url(
                version="v4",
                expiration=timedelta(seconds=self.ttl_seconds),
                method="PUT",
                content_type=content_type,
                **self._signing_kwargs(),
            ),
            path,
        )


@lru_cache(maxsize=1)
def _gcs_storage_class():
    from storages.backends.gcloud import GoogleCloudStorage

    class MediaGoogleCloudStorage(GoogleCloudStorage):
        """django-storages' backend with the client built by the adapter (emulator aware)."""

        def __init__(self, *, client_factory, **options):
            self._client_factory = client_factory
            super().__init__(**options)

        @property
        def client(self):
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    return MediaGoogleCloudStorage


@lru_cache(maxsize=4)
def _service_account_from_file(path: str):
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_file(path)


@lru_cache(maxsize=1)
def _throwaway_signer():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "media-signer@emulator.iam.gserviceaccount.com",
            "private_key": pem,
            "private_key_id": "emulator",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


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
