"""The client side of the upload flow, for both backends."""

import urllib.error
import urllib.request
from pathlib import Path


def upload_url(client, kind: str, content_type: str, size: int):
    return client.post(
        f"/api/v1/profiles/me/{kind}/upload-url/",
        {"content_type": content_type, "size_bytes": size},
        format="json",
    )


def put_local(client, url: str, data: bytes, content_type: str):
    """PUT to the local backend's upload endpoint through the test client."""
    return client.generic("PUT", url, data, content_type=content_type)


def put_http(url: str, data: bytes, content_type: str) -> int:
    """PUT over real HTTP (the emulator's signed URL)."""
    request = urllib.request.Request(
        url, data=data, method="PUT", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def confirm(client, kind: str, storage_path: str, capture):
    """POST confirm and run what it queued on commit (the eager Celery task)."""
    with capture(execute=True):
        return client.post(
            f"/api/v1/profiles/me/{kind}/confirm/", {"storage_path": storage_path}, format="json"
        )


def upload_local(client, kind: str, data: bytes, capture, content_type="image/png"):
    grant = upload_url(client, kind, content_type, len(data))
    assert grant.status_code == 200, grant.json()
    body = grant.json()
    put = put_local(client, body["upload_url"], data, content_type)
    assert put.status_code == 204, put.content
    return body, confirm(client, kind, body["storage_path"], capture)


def upload_gcs(client, kind: str, data: bytes, capture, content_type="image/png"):
    grant = upload_url(client, kind, content_type, len(data))
    assert grant.status_code == 200, grant.json()
    body = grant.json()
    assert put_http(body["upload_url"], data, content_type) == 200
    return body, confirm(client, kind, body["storage_path"], capture)


def version_dirs(root: Path, kind: str, user) -> list[str]:
    folder = root / f"{kind}s" / str(user.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
