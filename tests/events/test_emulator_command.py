"""``manage.py pubsub_emulator`` (the Procfile's local Pub/Sub, here its gRPC fake engine) and
``setup_pubsub --wait`` creating the topics once it answers, as ``make up`` runs them."""

import os
import signal
import subprocess
import sys
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from events import pubsub
from events.testing.pubsub_fake import FakePubSub
from tests.events.processes import ROOT
from tests.metrics import free_port


def _emulator(port: int) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    return subprocess.Popen(
        [sys.executable, "manage.py", "pubsub_emulator", "--engine", "fake", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def emulator():
    port = free_port()
    process = _emulator(port)
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_serves_until_sigterm_and_setup_waits_for_it(emulator, monkeypatch, capsys):
    port, process = emulator
    host = f"127.0.0.1:{port}"
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", host)
    with override_settings(PUBSUB_EMULATOR_HOST=host, GCP_PROJECT=f"t-{uuid.uuid4().hex[:8]}"):
        pubsub.reset_clients()
        try:
            call_command("setup_pubsub", "--wait", "60")  # may start before the fake listens
            assert "setup_pubsub: 16 created" in capsys.readouterr().out
            call_command("setup_pubsub", "--wait", "60")  # idempotent
            assert "setup_pubsub: 0 created" in capsys.readouterr().out
        finally:
            pubsub.reset_clients()
    assert f"fake Pub/Sub on {host}" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "pubsub_emulator: stopped." in out


def test_a_port_in_use_is_an_error_not_a_shared_port():
    """gRPC would share a port through SO_REUSEPORT; the fake refuses it (the command then says
    "Cannot listen on …" and honcho stops `make up` instead of splitting traffic)."""
    first = FakePubSub()
    first.start()
    try:
        second = FakePubSub()
        second.port = first.port
        with pytest.raises(RuntimeError):
            second.start()
    finally:
        first.stop()


def test_setup_gives_up_after_wait(monkeypatch):
    host = f"127.0.0.1:{free_port()}"  # nothing listens
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", host)
    with override_settings(PUBSUB_EMULATOR_HOST=host):
        pubsub.reset_clients()
        try:
            with pytest.raises(CommandError, match="does not answer"):
                call_command("setup_pubsub", "--wait", "1")
        finally:
            pubsub.reset_clients()
