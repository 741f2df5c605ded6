"""Profiles API: the privacy matrix, updates, validation envelope, cache and signal."""

from unittest import mock

import pytest
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cache import get_or_set_json
from profiles.errors import ProfileValidationError
from profiles.models import Profile
from profiles.services import profile_cache_key, profile_update, profile_xp_add
from profiles.signals import profile_changed
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

FULL_FIELDS = {
    "user_id",
    "display_name",
    "bio",
    "avatar_url",
    "avatar_urls",
    "banner_url",
    "banner_urls",
    "banner_color",
    "level",
    "total_xp",
    "title",
    "country",
    "social_links",
    "is_public",
    "accept_friend_requests",
    "allow_messages",
    "theme",
    "avatar_status",
    "avatar_status_reason",
    "banner_status",
    "banner_status_reason",
    "created_at",
    "updated_at",
}
HIDDEN_FROM_OTHERS = {
    "is_public",
    "accept_friend_requests",
    "allow_messages",
    "avatar_status",
    "avatar_status_reason",
    "banner_status",
    "banner_status_reason",
}


@pytest.fixture
def viewers(user, make_user, staff_user, api_client):
    return {
        "owner": bearer_client(user),
        "other": bearer_client(make_user()),
        "staff": bearer_client(staff_user),
        "anonymous": api_client,
    }


@pytest.mark.parametrize(
    ("viewer", "is_public", "status", "sees_private_fields"),
    [
        ("owner", True, 200, True),
        ("owner", False, 200, True),
        ("staff", True, 200, True),
        ("staff", False, 200, True),
        ("other", True, 200, False),
        ("other", False, 403, None),
        ("anonymous", True, 200, False),
        ("anonymous", False, 403, None),
    ],
)
def test_privacy_matrix(user, viewers, viewer, is_public, status, sees_private_fields):
    """One Profile shape for everyone; others get the privacy flags and upload status null."""
    Profile.objects.filter(pk=user.pk).update(is_public=is_public)
    # A cached copy made by the owner's read must not leak to anyone else.
    assert viewers["owner"].get(f"/api/v1/profiles/{user.pk}/").status_code == 200
    response = viewers[viewer].get(f"/api/v1/profiles/{user.pk}/")
    assert response.status_code == status
    if sees_private_fields is None:
        assert response.json()["error"]["code"] == "PROFILE_PRIVATE"
        return
    body = response.json()
    assert set(body) == FULL_FIELDS
    assert body["user_id"] == str(user.pk)
    hidden = {name: body[name] for name in HIDDEN_FROM_OTHERS}
    if sees_private_fields:
        assert body["is_public"] is is_public and body["allow_messages"] is not None
    else:
        assert hidden == dict.fromkeys(HIDDEN_FROM_OTHERS)


@pytest.mark.parametrize(
    "ident", ["0b5e5c8e-6f0f-4d7a-9a0e-3f7b2a1c9d11", "not-a-uuid", "12345", "me2"]
)
def test_unknown_or_malformed_id_is_profile_not_found(api_client, user, ident):
    response = api_client.get(f"/api/v1/profiles/{ident}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PROFILE_NOT_FOUND"


def test_deactivated_users_have_no_profile(api_client, user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = api_client.get(f"/api/v1/profiles/{user.pk}/")
    assert response.status_code == 404


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/v1/profiles/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_TOKEN_INVALID"


def test_me_shows_every_field_with_defaults(auth_client, user):
    body = auth_client.get("/api/v1/profiles/me/").json()
    assert set(body) == FULL_FIELDS
    assert body["level"] == 1 and body["total_xp"] == 0
    assert body["social_links"] == {"twitch": None, "youtube": None, "twitter": None}
    assert body["avatar_url"] is None and body["avatar_urls"] == {}
    assert body["avatar_status"] == "ready" and body["theme"] == "dark"


def test_patch_updates_the_given_fields(auth_client, user):
    response = auth_client.patch(
        "/api/v1/profiles/me/",
        {
            "display_name": "  New Name  ",
            "bio": "Line one\nline two",
            "country": "de",
            "social_links": {"twitch": "https://twitch.tv/newname"},
            "title": "The Swift",
            "banner_color": "#a1b2c3",
            "theme": "light",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "New Name" and body["country"] == "DE"
    assert body["banner_color"] == "#A1B2C3" and body["theme"] == "light"
    assert body["social_links"]["twitch"] == "https://twitch.tv/newname"
    # social links merge per network; an empty value removes one
    auth_client.patch(
        "/api/v1/profiles/me/",
        {"social_links": {"youtube": "http://youtube.com/@n"}},
        format="json",
    )
    body = auth_client.patch(
        "/api/v1/profiles/me/", {"social_links": {"twitch": ""}}, format="json"
    ).json()
    assert body["social_links"] == {
        "twitch": None,
        "youtube": "http://youtube.com/@n",
        "twitter": None,
    }
    body = auth_client.patch("/api/v1/profiles/me/", {"country": None}, format="json").json()
    assert body["country"] is None


def test_invalid_values_are_400_with_per_field_details_and_nothing_saved(auth_client, user):
    before = Profile.objects.get(pk=user.pk)
    response = auth_client.patch(
        "/api/v1/profiles/me/",
        {
            "display_name": "ok name",
            "bio": "x" * 201,
            "country": "XX",
            "social_links": {"twitch": "javascript:alert(1)", "myspace": "https://m.com"},
            "banner_color": "red",
            "theme": "blue",
            "level": 99,
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PROFILE_VALIDATION_ERROR"
    assert set(error["details"]) == {
        "bio",
        "country",
        "social_links",
        "banner_color",
        "theme",
        "level",
    }
    after = Profile.objects.get(pk=user.pk)
    assert after.display_name == before.display_name and after.updated_at == before.updated_at


@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_a_body_that_is_not_an_object_is_a_profile_validation_error(auth_client, body):
    response = auth_client.patch("/api/v1/profiles/me/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PROFILE_VALIDATION_ERROR"


def test_malformed_json_is_malformed_request(auth_client):
    response = auth_client.generic(
        "PATCH", "/api/v1/profiles/me/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


def test_privacy_put_hides_the_profile(auth_client, user, api_client):
    body = {"is_public": False, "accept_friend_requests": False, "allow_messages": True}
    response = auth_client.put("/api/v1/profiles/me/privacy/", body, format="json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in body} == body
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"is_public": False},
        {"is_public": "false", "accept_friend_requests": True, "allow_messages": True},
        {"is_public": 0, "accept_friend_requests": True, "allow_messages": True},
    ],
)
def test_privacy_put_needs_three_json_booleans(auth_client, user, body):
    response = auth_client.put("/api/v1/profiles/me/privacy/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PROFILE_VALIDATION_ERROR"
    assert Profile.objects.get(pk=user.pk).is_public is True


# --- cache and signal ----------------------------------------------------------------------------


def test_public_read_is_cached_and_every_change_invalidates_it(
    user, api_client, auth_client, django_capture_on_commit_callbacks
):
    key = profile_cache_key(user.pk)
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").status_code == 200
    assert cache.get(key) is not None
    with mock.patch("profiles.selectors.Profile.objects") as objects:
        assert api_client.get(f"/api/v1/profiles/{user.pk}/").status_code == 200
        objects.select_related.assert_not_called()  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch("/api/v1/profiles/me/", {"bio": "fresh"}, format="json")
    assert cache.get(key) is None
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").json()["bio"] == "fresh"
    with django_capture_on_commit_callbacks(execute=True):
        profile_xp_add(user, 900)
    assert cache.get(key) is None
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").json()["level"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.put(
            "/api/v1/profiles/me/privacy/",
            {"is_public": False, "accept_friend_requests": True, "allow_messages": True},
            format="json",
        )
    assert api_client.get(f"/api/v1/profiles/{user.pk}/").status_code == 403


def test_cache_keys_follow_the_convention(user):
    assert profile_cache_key(user.pk) == f"profiles:profile:{user.pk}"
    assert get_or_set_json(profile_cache_key(user.pk), lambda: {"x": 1}) == {"x": 1}


def test_profile_changed_is_sent_after_commit_with_the_changed_fields(
    user, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, user_id, changed_fields, **kwargs):
        received.append((user_id, changed_fields))

    profile_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            profile_update(user=user, data={"country": "FR", "bio": "same?"})
        assert received == []  # nothing before commit
        for callback in callbacks:
            callback()
        assert received == [(user.pk, {"country", "bio"})]
        with django_capture_on_commit_callbacks(execute=True):
            profile_update(user=user, data={"country": "FR"})  # no change, no signal
        with django_capture_on_commit_callbacks(execute=True):
            profile_update(
                user=user,
                data={"is_public": False, "accept_friend_requests": True, "allow_messages": True},
                section="privacy",
            )
        assert received[1:] == [(user.pk, {"is_public"})]
    finally:
        profile_changed.disconnect(listener)


_maybe_bad = {
    "display_name": st.sampled_from(["ab", "Valid Name", "x" * 51, "  Okay  "]),
    "bio": st.sampled_from(["", "short bio", "b" * 201]),
    "country": st.sampled_from(["SE", "jp", "XX", "", "UK"]),
    "banner_color": st.sampled_from(["#00FF00", "#00ff0", "00FF00", "#abcdef"]),
    "theme": st.sampled_from(["dark", "light", "dim"]),
    "title": st.sampled_from(["Champ", "t" * 51]),
}
_BAD = {"ab", "x" * 51, "b" * 201, "XX", "UK", "#00ff0", "00FF00", "dim", "t" * 51}


@settings(max_examples=100)
@given(data=st.fixed_dictionaries({}, optional=_maybe_bad))
def test_update_applies_all_or_nothing(user, data):
    before = {f: getattr(Profile.objects.get(pk=user.pk), f) for f in _maybe_bad}
    if any(value in _BAD for value in data.values()):
        with pytest.raises(ProfileValidationError) as info:
            profile_update(user=user, data=data)
        assert set(info.value.details) == {k for k, v in data.items() if v in _BAD}
        after = {f: getattr(Profile.objects.get(pk=user.pk), f) for f in _maybe_bad}
        assert after == before
    else:
        profile = profile_update(user=user, data=data)
        assert profile.display_name == data.get("display_name", before["display_name"]).strip()
        assert profile.country == data.get("country", before["country"]).upper()


@settings(max_examples=100)
@given(amounts=st.lists(st.integers(0, 5000), min_size=1, max_size=3))
def test_add_xp_keeps_level_in_step_with_total_xp(user, amounts):
    from profiles.services import level_for_xp

    for amount in amounts:
        start = Profile.objects.get(pk=user.pk)
        change = profile_xp_add(user, amount)
        assert change.old_level == start.level
        assert change.total_xp == start.total_xp + amount
        assert change.new_level == level_for_xp(change.total_xp)
        stored = Profile.objects.get(pk=user.pk)
        assert (stored.total_xp, stored.level) == (change.total_xp, change.new_level)


def test_add_xp_refuses_negative_amounts(user):
    with pytest.raises(ValueError):
        profile_xp_add(user, -1)


def test_schema_lists_the_profile_endpoints(api_client):
    paths = api_client.get("/api/v1/schema/").json()["paths"]
    for path in [
        "/api/v1/profiles/me/",
        "/api/v1/profiles/{user_id}/",
        "/api/v1/profiles/me/privacy/",
        "/api/v1/profiles/me/avatar/upload-url/",
        "/api/v1/profiles/me/avatar/confirm/",
        "/api/v1/profiles/me/banner/upload-url/",
        "/api/v1/profiles/me/banner/confirm/",
        "/api/v1/uploads/{token}/",
    ]:
        assert path in paths
