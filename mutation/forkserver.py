"""A pytest fork server for mutation runs: third-party imports (Django, DRF, Hypothesis,
pytest and its plugins…) are paid once, then every test run is a fork that imports the
project's own code fresh from disk, so it sees the mutant on disk. Halves the cost of a mutant.

    python mutation/forkserver.py SOCKET TIMEOUT   # serve (mutation/run.py starts it)
    python -S mutation/forkserver.py --client SOCKET PYTEST_ARGS…   # one run; its exit status

The client is what cosmic-ray's test-command runs; it starts in milliseconds (``-S``: stdlib
only). Runs are serial; one that exceeds TIMEOUT seconds is killed and reported as failed.
"""

import json
import os
import signal
import socket
import sys
import time

PRELOAD = (
    "pytest",
    "_pytest.python",
    "hypothesis",
    "hypothesis.strategies",
    "faker",
    "factory",
    "schemathesis",
    "pytest_django",
    "xdist",
    "anyio",
    "django.db.models",
    "django.test",
    "rest_framework",
    "redis",
    "celery",
    "psycopg",
)


def _child(request: dict) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.dont_write_bytecode = True
    sys.path.insert(0, request["cwd"])
    import pytest

    code = pytest.main(request["args"])
    os._exit(int(code))


def _run(request: dict, timeout: float) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _child(request)
        finally:
            os._exit(3)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 124
        time.sleep(0.05)


def serve(path: str, timeout: float) -> None:
    for name in PRELOAD:
        __import__(name)
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("rb").readline())
            conn.sendall(f"{_run(request, timeout)}\n".encode())


def client(path: str, args: list[str]) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = {"cwd": os.getcwd(), "env": dict(os.environ), "args": args}
    conn.sendall(json.dumps(request).encode() + b"\n")
    return int(conn.makefile("rb").readline() or 1)


if __name__ == "__main__":
    if sys.argv[1] == "--client":
        sys.exit(client(sys.argv[2], sys.argv[3:]))
    serve(sys.argv[1], float(sys.argv[2]))
