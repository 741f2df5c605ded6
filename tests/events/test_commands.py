"""consume_events as the Procfile runs it, and its argument checks."""

import os
import signal
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.events.processes import ROOT


def test_inline_backend_idles_until_sigterm_then_exits_0():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", EVENT_BACKEND="inline")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "consume_events"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "inline event backend, nothing to pull" in first
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "consume_events: stopped." in out


def test_bad_flow_control_is_refused(settings):
    settings.EVENT_BACKEND = "pubsub"
    with pytest.raises(CommandError, match="at least 1"):
        call_command("consume_events", "--max-messages", "0")


def test_missing_subscription_stops_with_an_error(pubsub_env):
    with pytest.raises(CommandError, match="setup_pubsub"):
        call_command("consume_events", "--subscription", "no-such-subscription")


def test_signal_handlers_are_restored(settings):
    before = signal.getsignal(signal.SIGTERM)
    settings.EVENT_BACKEND = "pubsub"
    with pytest.raises(CommandError):
        call_command("consume_events", "--workers", "0")
    assert signal.getsignal(signal.SIGTERM) is before
