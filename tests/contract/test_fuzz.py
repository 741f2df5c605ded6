"""Property-based fuzzing of every operation in the served OpenAPI schema (schemathesis, through
the WSGI app, real PostgreSQL and Redis): no 5xx, every response matches its documented schema,
status code and content type. Once anonymous, once with a real access token (the service token
for ``POST matches/``), over a world where players have bought, equipped and played.

Bounded for the suite: FUZZ_MAX_EXAMPLES (default 15) generated cases per operation and mode;
the authenticated run adds schemathesis' coverage cases (boundaries, wrong types, missing and
repeated parameters) — anonymously most operations are one 401 path, so random cases suffice.
Run alone, deeper: ``FUZZ_MAX_EXAMPLES=200 .venv/bin/pytest tests/contract/test_fuzz.py -n 2``.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.contract.world import build_world
from tests.events.conftest import SERVICE_TOKEN

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SERVICE_OPERATIONS = {("POST", "/api/v1/matches/")}


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": int(os.environ.get("FUZZ_SEED", "20261202")),
            "generation": {
                "max-examples": int(os.environ.get("FUZZ_MAX_EXAMPLES", "15")),
                "database": "none",
            },
            "phases": {
                "coverage": {"enabled": coverage, "generate-duplicate-query-parameters": True},
                "stateful": {"enabled": False},
            },
        }
    )


class TransactionKeepingWSGIHandler(WSGIHandler):
    """Django's WSGI handler, minus the request signals' ``close_old_connections``, which would
    close the connection holding the test's transaction (Django's test client drops it too).
    Put back after each test."""

    def __call__(self, environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        return super().__call__(environ, start_response)


def _schema(*, coverage: bool):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", TransactionKeepingWSGIHandler(), config=_config(coverage=coverage)
    )


anonymous_schema = _schema(coverage=False)
authenticated_schema = _schema(coverage=True)
# The world is built once per operation (a fixture), shared by its examples, as intended.
FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def _reconnect_close_old_connections():
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, django_capture_on_commit_callbacks):
    return build_world(settings, django_capture_on_commit_callbacks)


@anonymous_schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous(case, world):
    case.call_and_validate(checks=CHECKS)


@authenticated_schema.parametrize()
@FUZZ_SETTINGS
def test_authenticated(case, world):
    if (case.method.upper(), case.path) in SERVICE_OPERATIONS:
        token = SERVICE_TOKEN
    else:
        token = world.access_token()
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
