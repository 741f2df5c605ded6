"""The ``local`` backend: files under MEDIA_ROOT, upload URLs of this service's own endpoint."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from profiles.storage.base import (
    UPLOAD_TOKEN_SALT,
    MediaObjectMissing,
    MediaStorage,
    MediaStorageError,
)


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

    def write_new(self, path: str, chunks, max_size: int, *, expected: int) -> int | None:
        """Write a stream of ``expected`` bytes to ``path`` only if nothing is there yet; returns
        the size written, or None (nothing kept) when the stream ended short. Raises
        FileExistsError if the path is taken, ValueError past ``max_size`` (nothing kept)."""
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
            if written != expected:
                return None
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
