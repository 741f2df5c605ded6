"""The ``gcs`` backend: django-storages on Cloud Storage, V4 signed PUT URLs."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from urllib.parse import quote

from profiles.storage.base import (
    PUBLISHED_CACHE_CONTROL,
    MediaObjectMissing,
    MediaStorage,
    MediaStorageError,
)


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
        """A V4 signed PUT URL bound to the path and Content-Type. It cannot bind the length
        without a header every client would have to send (``x-goog-content-length-range``), so
        confirm enforces ``max_size`` (carried in the path) and deletes a bigger object."""
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
