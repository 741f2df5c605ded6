"""The signed upload holds to the size declared at upload-url: more bytes are a 413 and nothing
is stored (local endpoint at PUT, GCS at confirm); a body without a Content-Length — a chunked
PUT, sent over real HTTP and through WSGI — is a 411; an empty or cut-short body is refused."""

import http.client
import io
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.conftest import bearer_client
from tests.profiles.conftest import image_bytes
from tests.profiles.flow import confirm, put_http, put_local, upload_url

pytestmark = pytest.mark.django_db


def _stored(local_media, grant) -> bool:
    folder = local_media / grant["storage_path"].rsplit("/", 1)[0]
    return (local_media / grant["storage_path"]).exists() or any(folder.glob("*"))


def _code(response) -> str:
    return response.json()["error"]["code"]


def test_more_bytes_than_declared_are_refused_and_nothing_is_stored(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 100).json()
    assert grant["max_size_bytes"] == 100
    body = b"\x89PNG" + b"\0" * 3_000_000
    response = put_local(auth_client, grant["upload_url"], body, "image/png")
    assert response.status_code == 413 and _code(response) == "UPLOAD_FILE_TOO_LARGE"
    assert not _stored(local_media, grant)


def test_exactly_the_declared_size_is_accepted_one_more_byte_is_not(auth_client, local_media):
    data = image_bytes()
    over = upload_url(auth_client, "avatar", "image/png", len(data) - 1).json()
    assert put_local(auth_client, over["upload_url"], data, "image/png").status_code == 413
    exact = upload_url(auth_client, "avatar", "image/png", len(data)).json()
    assert put_local(auth_client, exact["upload_url"], data, "image/png").status_code == 204
    assert (local_media / exact["storage_path"]).read_bytes() == data


@contextmanager
def _keep_test_connection():
    """What Django's test client does: the request signals must not close the test's
    database connection (it holds the test transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _wsgi_put(url: str, body: bytes, **headers) -> tuple[int, bytes]:
    """PUT through the WSGI application itself, the body streamed from ``wsgi.input``."""
    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": urlsplit(url).path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "image/png",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **headers,
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])

    with _keep_test_connection():
        content = b"".join(WSGIHandler()(environ, start_response))
    return seen["status"], content


def test_a_body_without_content_length_is_a_411_through_wsgi(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(image_bytes()), image_bytes())
    status, body = _wsgi_put(grant["upload_url"], chunked, HTTP_TRANSFER_ENCODING="chunked")
    assert status == 411 and b'"LENGTH_REQUIRED"' in body
    status, body = _wsgi_put(grant["upload_url"], image_bytes())  # no length, no encoding
    assert status == 411
    assert not _stored(local_media, grant)


def test_an_empty_body_is_refused(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 100).json()
    status, body = _wsgi_put(grant["upload_url"], b"", CONTENT_LENGTH="0")
    assert status == 400 and b'"VALIDATION_ERROR"' in body and b"empty" in body
    assert not _stored(local_media, grant)


def test_a_body_shorter_than_its_content_length_is_not_kept(auth_client, local_media):
    grant = upload_url(auth_client, "avatar", "image/png", 10_000).json()
    status, body = _wsgi_put(grant["upload_url"], image_bytes()[:10], CONTENT_LENGTH="5000")
    assert status == 400 and b'"VALIDATION_ERROR"' in body
    assert not _stored(local_media, grant)


@pytest.mark.django_db(transaction=True)
def test_a_chunked_put_over_real_http_is_a_411_and_stores_nothing(
    live_server, make_user, local_media, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    client = bearer_client(make_user())
    grant = upload_url(client, "avatar", "image/png", 10_000).json()
    data = image_bytes()
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(
            "PUT",
            urlsplit(grant["upload_url"]).path,
            body=iter([data[:1000], data[1000:]]),
            headers={"Content-Type": "image/png"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status == 411 and b'"LENGTH_REQUIRED"' in body
    assert not _stored(local_media, grant)


def test_on_gcs_an_object_bigger_than_declared_is_refused_at_confirm_and_deleted(
    auth_client, gcs_media, django_capture_on_commit_callbacks
):
    data = image_bytes()
    grant = upload_url(auth_client, "avatar", "image/png", 100).json()
    # The signed URL cannot bind the length: the emulator (like GCS) takes the bigger body.
    assert put_http(grant["upload_url"], data, "image/png") == 200
    response = confirm(
        auth_client, "avatar", grant["storage_path"], django_capture_on_commit_callbacks
    )
    assert response.status_code == 413 and _code(response) == "UPLOAD_FILE_TOO_LARGE"
    assert gcs_media["bucket"].get_blob(grant["storage_path"]) is None


def test_a_storage_path_with_a_made_up_size_is_nothing_to_confirm(
    auth_client, local_media, django_capture_on_commit_callbacks
):
    grant = upload_url(auth_client, "avatar", "image/png", 100).json()
    forged = grant["storage_path"].rsplit("-", 1)[0] + "-5000000"
    response = confirm(auth_client, "avatar", forged, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "storage_path" in response.json()["error"]["details"]
