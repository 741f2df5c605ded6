"""What the served OpenAPI schema promises generated clients, checked on the schema itself and
against the server: security requirements, the 401 everywhere, enums, formats, required
response fields, list parameters."""

import re
import uuid
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.tokens import RefreshToken
from core.schema import JWT_SCHEME, OPTIONAL_AUTH

OPTIONAL_AUTH_OPERATIONS = {
    "battlepass_season",
    "profiles_retrieve",
    "rating_retrieve",
    "rating_seasons",
    "stats_retrieve",
}
SERVICE_OPERATIONS = {"matches_create"}
LIST_PARAMETERS = {("cosmetics_shop_list", name) for name in ("type", "rarity", "ordering")}
UUID_PATH_PARAMETERS = {"id", "user_id", "season_id"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            yield path, method, operation


def test_security_requirements_say_who_may_call(schema):
    for path, method, operation in operations(schema):
        security = operation.get("security")
        assert security != [{}], f"{method} {path}: [{{}}] makes clients demand a token"
        if operation["operationId"] in OPTIONAL_AUTH_OPERATIONS:
            assert security == OPTIONAL_AUTH, (method, path)
        elif operation["operationId"] in SERVICE_OPERATIONS:
            assert security == [{"gameServiceAuth": []}], (method, path)
        elif security is not None:
            assert security == [{JWT_SCHEME: []}], (method, path, security)
    public = {op["operationId"] for _, _, op in operations(schema) if "security" not in op}
    assert {"auth_register", "auth_login", "auth_jwks", "cosmetics_shop_list"} <= public


def test_every_operation_documents_the_gateway_errors(schema):
    for path, method, operation in operations(schema):
        for status in ("401", "414", "429", "431"):
            response = operation["responses"].get(status)
            assert response, f"{method} {path} does not document {status}"
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorEnvelope"
        assert "AUTH_TOKEN_INVALID" in operation["responses"]["401"]["description"]


def _path_for(path: str) -> str:
    path = re.sub(r"\{[a-z_]+id\}", str(uuid.uuid4()), path)
    return re.sub(r"\{[a-z_]+_number\}", "1", re.sub(r"\{(country|token)\}", "fr", path))


def _expired_token(user) -> str:
    access = RefreshToken.for_user(user).access_token
    access.set_exp(lifetime=timedelta(seconds=-30))
    return str(access)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "scheme"), [("invalid", "Bearer"), ("expired", "bearer")])
def test_a_bad_bearer_token_is_refused_on_every_operation(schema, user, kind, scheme):
    token = "not.a.jwt" if kind == "invalid" else _expired_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    for path, method, operation in operations(schema):
        response = getattr(client, method)(_path_for(path), {}, format="json")
        assert response.status_code == 401, (method, path, response.content)
        expected = "AUTH_TOKEN_INVALID"
        if kind == "expired" and operation["operationId"] not in SERVICE_OPERATIONS:
            expected = "AUTH_TOKEN_EXPIRED"
        assert response.json()["error"]["code"] == expected, (method, path)
    # the schema and the docs pages ignore the header
    for page in ("/api/v1/schema/", "/api/v1/docs/"):
        assert client.get(page).status_code == 200


def test_uuid_path_parameters_say_so(schema):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] in UUID_PATH_PARAMETERS:
                assert parameter["schema"].get("format") == "uuid", (method, path, parameter)
        if "{country}" in path:
            (country,) = [p for p in operation["parameters"] if p["name"] == "country"]
            assert country["schema"]["pattern"] == "^[A-Za-z]{2}$"


def test_pagination_parameters_have_bounds(schema):
    seen = 0
    for path, _method, operation in operations(schema):
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "limit" in params:
            seen += 1
            assert params["limit"]["schema"]["minimum"] == 1, path
            assert params["limit"]["schema"]["maximum"] == 100, path
            assert params["offset"]["schema"]["minimum"] == 0, path
    assert seen >= 6


def test_only_list_parameters_are_arrays_and_they_explode(schema):
    for _path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            key = (operation["operationId"], parameter["name"])
            if key in LIST_PARAMETERS:
                assert parameter["schema"]["type"] == "array", key
                assert (parameter.get("style"), parameter.get("explode")) == ("form", True), key
            else:
                assert parameter["schema"].get("type") != "array", key
    shop = schema["paths"]["/api/v1/cosmetics/"]["get"]["parameters"]
    types = {p["name"]: p["schema"] for p in shop}
    assert types["is_limited"] == {"type": "boolean"}
    assert types["min_price"]["type"] == types["max_price"]["type"] == "integer"


def _resolve(schema, node: dict) -> dict:
    while "$ref" in node or "allOf" in node:
        node = node["allOf"][0] if "allOf" in node else node
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_closed_sets_are_enums(schema):
    """Tiers, cosmetic types and rarities, reward types, tracks, notification kinds."""
    components = schema["components"]["schemas"]
    for name, component in components.items():
        for prop, definition in component.get("properties", {}).items():
            resolved = _resolve(schema, definition)
            if "oneOf" in resolved:  # nullable enum: [Enum, NullEnum]
                resolved = _resolve(schema, resolved["oneOf"][0])
            closed = prop.endswith("tier") and resolved.get("type") == "string"
            closed |= prop in {"rarity", "track", "kind", "slot", "currency"}
            closed |= prop == "type" and name != "Jwks"
            if closed:
                assert "enum" in resolved, f"{name}.{prop} is not an enum: {definition}"
    notification = components["Notification"]["properties"]
    assert notification["data"]["type"] == "object"
    rank_tiers = components["RankTierEnum"]["enum"]
    assert rank_tiers[0] == "Bronze" and "Grandmaster" in rank_tiers


def test_response_components_require_every_field(schema):
    components = schema["components"]["schemas"]
    for name in ("BattlePassSeason", "Profile", "Cosmetic", "PlayerBattlePass", "Notification"):
        component = components[name]
        assert set(component["required"]) == set(component["properties"]), name
    profile = components["Profile"]["properties"]
    assert profile["is_public"]["nullable"] is True  # null in another player's view
    assert "ProfilePublic" not in components and "ProfileView" not in components
    body = schema["paths"]["/api/v1/notifications/read/"]["post"]["requestBody"]
    assert body["required"] is True
    one_of = components[body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert len(one_of["oneOf"]) == 2
