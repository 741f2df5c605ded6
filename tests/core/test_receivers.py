"""Signal receivers survive garbage collection. The dispatcher holds receivers by weak reference
by default, so one defined inside ``ready()`` silently disappears (a deactivated user's profile
was served from the cache for minutes): every receiver the project's apps connect must still be
connected after ``gc.collect()``, and the deactivation receiver must still run."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts import services

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: record every connect() the apps make while Django sets up, then
# collect garbage and report the receivers that died or are no longer connected.
_PROBE = r"""
import gc, json, sys, weakref
from django.dispatch import Signal

apps = set(sys.argv[1].split(","))
recorded = []
connect = Signal.connect

def recording(self, receiver, sender=None, weak=True, dispatch_uid=None):
    module = getattr(receiver, "__module__", "") or ""
    if module.split(".")[0] in apps:
        ref = weakref.WeakMethod(receiver) if hasattr(receiver, "__self__") else weakref.ref(receiver)
        recorded.append((self, sender, f"{module}.{receiver.__qualname__}", ref))
    return connect(self, receiver, sender, weak, dispatch_uid)

Signal.connect = recording
import django
django.setup()
del recording
gc.collect()
lost = []
for signal, sender, name, ref in recorded:
    receiver = ref()
    if receiver is None or receiver not in signal._live_receivers(sender)[0]:
        lost.append(name)
print(json.dumps({"connected": sorted({name for _, _, name, _ in recorded}), "lost": lost}))
"""


def _project_apps() -> list[str]:
    return [app for app in settings.INSTALLED_APPS if "." not in app and (ROOT / app).is_dir()]


def test_no_receiver_of_the_projects_apps_is_garbage_collected():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(_project_apps())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["lost"] == []
    assert "profiles.receivers.on_user_deactivated" in report["connected"]
    assert "ranking.receivers.on_user_deactivated" in report["connected"]


@pytest.mark.django_db
def test_deactivation_still_forgets_the_cached_profile_after_gc(
    api_client, user, django_capture_on_commit_callbacks
):
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").status_code == 200  # now cached
    gc.collect()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_deactivate(user=user)
    response = api_client.get(f"/api/v1/profiles/{user.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PROFILE_NOT_FOUND"
