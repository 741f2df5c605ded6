"""Fixtures of the profiles tests: image bytes, the two media backends, gcp-storage-emulator."""

import io
import json
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image

from profiles.models import MediaUpload

EMULATOR_BUCKET = "1v1bro-user-media-test"


def image_bytes(fmt="PNG", size=(640, 480), color=(200, 40, 40), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A real, valid 1-bit PNG of width x height pixels that compresses to a few dozen KiB."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def bomb_png() -> bytes:
    return png_bomb()


@pytest.fixture
def local_media(settings, tmp_path):
    """MEDIA_BACKEND=local with its own MEDIA_ROOT; absolute URLs on the test client's host."""
    settings.MEDIA_BACKEND = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "http://testserver"
    return Path(settings.MEDIA_ROOT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def gcs_emulator():
    """gcp-storage-emulator on a free port (one per xdist worker), with the test bucket."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    port = _free_port()
    exe = shutil.which("gcp-storage-emulator") or str(
        Path(sys.executable).parent / "gcp-storage-emulator"
    )
    proc = subprocess.Popen(
        [exe, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("gcp-storage-emulator did not start")
            time.sleep(0.1)
    host = f"http://127.0.0.1:{port}"
    client = storage.Client(
        project="test", credentials=AnonymousCredentials(), client_options={"api_endpoint": host}
    )
    client.create_bucket(EMULATOR_BUCKET)
    try:
        # Tests point the adapter at it through settings.STORAGE_EMULATOR_HOST (gcs_media).
        yield {"host": host, "client": client, "bucket": client.bucket(EMULATOR_BUCKET)}
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """A generated service-account key file: V4 signing offline, never used for API calls."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path_factory.mktemp("gcs") / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "test",
                "private_key_id": "test-key",
                "private_key": pem,
                "client_email": "media@test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return {"path": str(path), "public_key": key.public_key()}


@pytest.fixture
def gcs_media(settings, gcs_emulator, signing_key):
    settings.MEDIA_BACKEND = "gcs"
    settings.GCS_BUCKET = EMULATOR_BUCKET
    settings.STORAGE_EMULATOR_HOST = gcs_emulator["host"]
    settings.GCS_CREDENTIALS_FILE = signing_key["path"]
    settings.MEDIA_CDN_BASE_URL = ""
    return gcs_emulator


def uploads_of(user) -> list[MediaUpload]:
    return list(MediaUpload.objects.filter(user=user).order_by("created_at"))
