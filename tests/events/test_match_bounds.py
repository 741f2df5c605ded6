"""API.md's match bounds, attacked through both ways a match comes in: ``POST matches/`` and a
``match.completed`` message handled by the consumer. Scores, kills and streaks are 0 … 2^31 - 1,
``duration_seconds`` 0 … 86 400. A value at an edge is applied; one past it (or of the wrong
type) is refused before anything is recorded — 400 naming the field on REST, a dead-letter row
with the reason on the bus — and the match id stays free: the corrected report is applied."""

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.consumer import Consumer
from events.models import DeadLetter, IngestedMatch, OutboxEvent
from events.schemas import EVENT_SCHEMAS, INT32_MAX, MATCH_SECONDS_MAX, check_field
from events.services import build_envelope
from ranking.models import MatchResult
from tests.events.conftest import match_payload

URL = "/api/v1/matches/"
pytestmark = pytest.mark.django_db

MAXIMUM = {
    "player1_score": INT32_MAX,
    "player2_score": INT32_MAX,
    "player1_kills": INT32_MAX,
    "player2_kills": INT32_MAX,
    "player1_streak": INT32_MAX,
    "player2_streak": INT32_MAX,
    "duration_seconds": MATCH_SECONDS_MAX,
}
# Refused whatever the field: one past each edge, far past them, and JSON values that are not
# integers (a boolean, floats — even a whole one —, a numeric string, null).
FAR = [2**31, 2**63, 10**30, True, False, 1.5, 5.0, "5", None]


def _refused(field):
    values = [-1, MAXIMUM[field] + 1, *FAR]
    return [
        v for i, v in enumerate(values) if (type(v), v) not in {(type(w), w) for w in values[:i]}
    ]


BAD = [(field, value) for field in MAXIMUM for value in _refused(field)]
EDGES = [(field, value) for field in MAXIMUM for value in (0, MAXIMUM[field])]


@pytest.fixture
def players(make_user):
    return make_user(), make_user()


def test_every_numeric_field_of_the_event_has_its_bound():
    schema = EVENT_SCHEMAS["match.completed"]
    numeric = {f.name: (f.minimum, f.maximum) for f in schema.fields if f.kind == "count"}
    assert numeric == {name: (0, maximum) for name, maximum in MAXIMUM.items()}


@given(value=st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([-1, 0, 86_401]))
def test_the_schema_accepts_exactly_the_integers_within_bounds(value):
    for field in EVENT_SCHEMAS["match.completed"].fields:
        if field.kind != "count":
            continue
        accepted = check_field(field, value)[1] is None
        assert accepted == (0 <= value <= MAXIMUM[field.name])


def test_the_openapi_schema_states_the_bounds(api_client):
    schema = api_client.get("/api/v1/schema/").json()
    body = schema["paths"]["/api/v1/matches/"]["post"]["requestBody"]["content"]
    name = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    request = schema["components"]["schemas"][name]["properties"]
    for field, maximum in MAXIMUM.items():
        assert (request[field]["type"], request[field]["minimum"]) == ("integer", 0)
        assert request[field]["maximum"] == maximum


# --- REST ----------------------------------------------------------------------------------------


def _post(client, data, callbacks):
    with callbacks(execute=True):
        return client.post(URL, data, format="json")


@pytest.mark.parametrize(("field", "value"), EDGES)
def test_rest_values_at_the_edges_are_applied(
    service_client, players, field, value, django_capture_on_commit_callbacks
):
    data = match_payload(*players, **{field: value})
    response = _post(service_client, data, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    result = MatchResult.objects.get(match_id=data["match_id"])
    if field in ("player1_score", "player2_score", "duration_seconds"):
        assert getattr(result, field) == value
    assert IngestedMatch.objects.get().event_id is not None


@pytest.mark.parametrize(("field", "value"), BAD)
def test_rest_out_of_bounds_is_400_records_nothing_and_the_id_stays_free(
    service_client, players, field, value, django_capture_on_commit_callbacks
):
    data = match_payload(*players, **{field: value})
    response = _post(service_client, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and list(error["details"]) == [field]
    assert not OutboxEvent.objects.exists() and not IngestedMatch.objects.exists()
    assert not MatchResult.objects.exists()

    corrected = {**data, field: 7}
    response = _post(service_client, corrected, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    assert MatchResult.objects.filter(match_id=data["match_id"]).exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d, p1, p2: d.update(player2_id=d["player1_id"], winner_id=None), "player2_id"),
        (lambda d, p1, p2: d.update(winner_id=str(uuid.uuid4())), "winner_id"),
        (lambda d, p1, p2: d.update(player1_id=str(uuid.uuid4()), winner_id=None), "player1_id"),
        (lambda d, p1, p2: d.update(player2_id=7), "player2_id"),
        (lambda d, p1, p2: d.pop("player1_streak"), "player1_streak"),
    ],
)
def test_rest_any_other_invalid_field_leaves_the_id_free(
    service_client, players, mutate, field, django_capture_on_commit_callbacks
):
    data = match_payload(*players)
    mutate(data, *players)
    response = _post(service_client, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and field in response.json()["error"]["details"]
    corrected = match_payload(*players, match_id=data["match_id"])
    response = _post(service_client, corrected, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert MatchResult.objects.filter(match_id=data["match_id"]).exists()


# --- Pub/Sub: the consumer's handling of a delivered message -------------------------------------


class _Message:
    """What the subscriber hands the consumer's callback: bytes, attributes, ack/nack."""

    def __init__(self, envelope: dict):
        self.data = json.dumps(envelope).encode()
        self.attributes = {"event_id": envelope["event_id"], "event_type": "match.completed"}
        self.message_id = envelope["event_id"]
        self.acked = self.nacked = False

    def ack(self):
        self.acked = True

    def nack(self):
        self.nacked = True


def _deliver(data: dict) -> _Message:
    message = _Message(build_envelope("match.completed", data))
    Consumer([]).handle(message)
    return message


@pytest.mark.parametrize(("field", "value"), EDGES)
def test_bus_values_at_the_edges_are_applied(players, field, value):
    data = match_payload(*players, **{field: value})
    message = _deliver(data)
    assert message.acked and not DeadLetter.objects.exists()
    assert MatchResult.objects.filter(match_id=data["match_id"]).exists()


@pytest.mark.parametrize(("field", "value"), BAD)
def test_bus_out_of_bounds_is_dead_lettered_and_the_id_stays_free(players, field, value):
    data = match_payload(*players, **{field: value})
    message = _deliver(data)
    assert message.acked and not message.nacked  # recorded, not redelivered forever
    dead = DeadLetter.objects.get()
    assert field in dead.reason and dead.source == "consumer"
    assert not IngestedMatch.objects.exists() and not MatchResult.objects.exists()

    corrected = _deliver({**data, field: 7})
    assert corrected.acked and DeadLetter.objects.count() == 1
    assert MatchResult.objects.filter(match_id=data["match_id"]).exists()
