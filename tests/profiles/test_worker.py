"""One upload processed by a real Celery worker process (Redis broker), not eagerly."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection

from profiles.models import MediaStatus, Profile
from tests.celery_broker import delete_queue, real_broker
from tests.conftest import bearer_client
from tests.factories import UserFactory
from tests.profiles.conftest import image_bytes
from tests.profiles.flow import put_local, upload_url, version_dirs

BROKER = "redis://127.0.0.1:6379/3"


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker_mode():
    """Send tasks to the Redis broker on a queue of this test alone; eager mode restored after."""
    queue = f"profiles-test-{uuid.uuid4().hex}"
    with real_broker(BROKER, task_routes={"profiles.process_media": {"queue": queue}}):
        try:
            yield queue
        finally:
            delete_queue(BROKER, queue)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_resizes_and_publishes_an_avatar(settings, tmp_path, broker_mode):
    settings.MEDIA_BACKEND = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "http://testserver"
    user = UserFactory()
    client = bearer_client(user)
    grant = upload_url(client, "avatar", "image/jpeg", 50_000).json()
    data = image_bytes("JPEG", (1024, 768))
    assert put_local(client, grant["upload_url"], data, "image/jpeg").status_code == 204

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": BROKER,
        "DATABASE_URL": _database_url(),
        "MEDIA_BACKEND": "local",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PUBLIC_BASE_URL": "http://testserver",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", broker_mode),
        *("--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("--loglevel", "WARNING"),
    ]
    worker = subprocess.Popen(
        command,
        env=env,
        cwd=str(django_settings.BASE_DIR),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = client.post(
            "/api/v1/profiles/me/avatar/confirm/",
            {"storage_path": grant["storage_path"]},
            format="json",
        )
        assert response.status_code == 202
        # Not eager: the request returned before anything was processed.
        assert client.get("/api/v1/profiles/me/").json()["avatar_status"] == "processing"
        deadline = time.monotonic() + 90
        while Profile.objects.get(pk=user.pk).avatar_status == MediaStatus.PROCESSING:
            assert worker.poll() is None, worker.stdout.read()
            if time.monotonic() > deadline:
                worker.terminate()
                pytest.fail(f"the worker did not process the upload: {worker.communicate()[0]}")
            time.sleep(0.3)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    profile = Profile.objects.get(pk=user.pk)
    assert profile.avatar_status == MediaStatus.READY, (profile.avatar_status_reason, output)
    assert set(profile.avatar_urls) == {"128", "256", "512"}
    assert len(version_dirs(settings.MEDIA_ROOT, "avatar", user)) == 1
    assert not (settings.MEDIA_ROOT / grant["storage_path"]).exists()
    # The cache entry the worker invalidated is gone: a fresh read shows the new avatar.
    assert client.get("/api/v1/profiles/me/").json()["avatar_url"] == profile.avatar_url
