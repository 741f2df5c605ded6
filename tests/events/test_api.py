"""POST /api/v1/matches/ (service token)."""

import uuid

import pytest

from events.models import IngestedMatch, OutboxEvent
from tests.events.conftest import SERVICE_TOKEN, match_payload

URL = "/api/v1/matches/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def players(make_user):
    return make_user(), make_user()


def _code(response):
    return response.json()["error"]["code"]


def test_accepts_a_match_and_writes_the_event(service_client, players):
    data = match_payload(*players)
    response = service_client.post(URL, data, format="json")
    assert response.status_code == 202
    event_id = response.json()["event_id"]
    row = OutboxEvent.objects.get()
    assert str(row.event_id) == event_id
    assert (row.event_type, row.topic) == ("match.completed", "match-completed")
    assert row.envelope["data"] == data
    assert str(IngestedMatch.objects.get().event_id) == event_id


def test_same_match_twice_answers_the_original_event(service_client, players):
    data = match_payload(*players)
    first = service_client.post(URL, data, format="json").json()["event_id"]
    second = service_client.post(URL, {**data, "player1_score": 99}, format="json")
    assert second.status_code == 202 and second.json()["event_id"] == first
    assert OutboxEvent.objects.count() == 1


def test_draw_is_accepted(service_client, players):
    assert (
        service_client.post(URL, match_payload(*players, winner=None), format="json").status_code
        == 202
    )


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, SERVICE_TOKEN),
        ("Bearer wrong-token", SERVICE_TOKEN),
        (f"Token {SERVICE_TOKEN}", SERVICE_TOKEN),
    ],
)
def test_bad_or_missing_token_is_401(api_client, settings, players, header, token):
    settings.GAME_SERVICE_TOKEN = token
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.post(URL, match_payload(*players), format="json")
    assert response.status_code == 401
    assert _code(response) == "AUTH_TOKEN_INVALID"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not OutboxEvent.objects.exists()


def test_unset_service_token_refuses_everyone(api_client, settings, players):
    settings.GAME_SERVICE_TOKEN = ""
    for header in ("Bearer ", "Bearer \0unset", "Bearer x"):
        api_client.credentials(HTTP_AUTHORIZATION=header)
        response = api_client.post(URL, match_payload(*players), format="json")
        assert response.status_code == 401 and _code(response) == "AUTH_TOKEN_INVALID"


def test_user_jwt_is_not_a_service_token(auth_client, settings, players):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    response = auth_client.post(URL, match_payload(*players), format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d, p1, p2: d.update(player2_id=d["player1_id"], winner_id=None), "player2_id"),
        (lambda d, p1, p2: d.update(winner_id=str(uuid.uuid4())), "winner_id"),
        (lambda d, p1, p2: d.update(player1_id=str(uuid.uuid4()), winner_id=None), "player1_id"),
        (lambda d, p1, p2: d.update(player2_kills=-1), "player2_kills"),
        (lambda d, p1, p2: d.update(duration_seconds="long"), "duration_seconds"),
        (lambda d, p1, p2: d.update(match_id="not-a-uuid"), "match_id"),
        (lambda d, p1, p2: d.pop("player1_streak"), "player1_streak"),
    ],
)
def test_invalid_match_is_400_and_writes_nothing(service_client, players, mutate, field):
    data = match_payload(*players)
    mutate(data, *players)
    response = service_client.post(URL, data, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "VALIDATION_ERROR"
    assert field in body["details"]
    assert not OutboxEvent.objects.exists() and not IngestedMatch.objects.exists()


def test_get_is_405(service_client):
    response = service_client.get(URL)
    assert response.status_code == 405 and _code(response) == "METHOD_NOT_ALLOWED"


def test_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/v1/schema/").json()
    operation = schema["paths"]["/api/v1/matches/"]["post"]
    assert set(operation["responses"]) >= {"202", "400", "401"}
    assert operation["security"] == [{"gameServiceAuth": []}]
    assert schema["components"]["securitySchemes"]["gameServiceAuth"]["scheme"] == "bearer"


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_match_record_one_event(settings, make_user):
    import threading

    from django.db import connection
    from rest_framework.test import APIClient

    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    data = match_payload(make_user(), make_user())
    answers, barrier = [], threading.Barrier(4)

    def post():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {SERVICE_TOKEN}")
            barrier.wait()
            response = client.post(URL, data, format="json")
            answers.append((response.status_code, response.json()["event_id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4 and {code for code, _ in answers} == {202}
    assert len({event_id for _, event_id in answers}) == 1
    assert OutboxEvent.objects.filter(event_type="match.completed").count() == 1
