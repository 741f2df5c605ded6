"""The profile admin: search by display name and email, avatar thumbnails, rules enforced."""

import pytest
from django.test import Client

from profiles.models import Profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def test_search_by_display_name_and_email_with_thumbnails(admin_client, make_user):
    alice = make_user(email="alice@example.com")
    Profile.objects.filter(pk=alice.pk).update(
        display_name="AliceTheGreat",
        avatar_url="http://127.0.0.1:8000/media/avatars/a/v/256.webp",
        avatar_urls={"128": "http://127.0.0.1:8000/media/avatars/a/v/128.webp"},
    )
    make_user(email="bob@example.com")
    by_name = admin_client.get("/admin/profiles/profile/", {"q": "TheGreat"}).content.decode()
    assert "AliceTheGreat" in by_name and "bob@example.com" not in by_name
    assert '<img src="http://127.0.0.1:8000/media/avatars/a/v/128.webp"' in by_name
    by_email = admin_client.get("/admin/profiles/profile/", {"q": "alice@example"}).content.decode()
    assert "AliceTheGreat" in by_email


def test_admin_edits_go_through_the_field_rules(admin_client, user):
    url = f"/admin/profiles/profile/{user.pk}/change/"
    profile = Profile.objects.get(pk=user.pk)
    form = {
        "display_name": "Renamed By Staff",
        "bio": "",
        "country": "XX",
        "social_links": "{}",
        "title": "",
        "banner_color": "#1F2937",
        "theme": "dark",
        "is_public": "on",
        "accept_friend_requests": "on",
        "allow_messages": "on",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "ISO 3166-1" in response.content.decode()
    assert Profile.objects.get(pk=user.pk).display_name == profile.display_name
    form["country"] = "nl"
    form.pop("is_public")
    response = admin_client.post(url, form)
    assert response.status_code == 302
    saved = Profile.objects.get(pk=user.pk)
    assert (saved.display_name, saved.country, saved.is_public) == ("Renamed By Staff", "NL", False)


def test_admin_display_names_follow_the_api_rule(admin_client, user):
    """The admin refuses what register and PATCH refuse, and stores the name normalised."""
    url = f"/admin/profiles/profile/{user.pk}/change/"
    before = Profile.objects.get(pk=user.pk).display_name
    form = {
        "bio": "",
        "country": "",
        "social_links": "{}",
        "title": "",
        "banner_color": "#1F2937",
        "theme": "dark",
        "is_public": "on",
    }
    for hostile in ("\u202eevil name", "zero\u200bwidth", "bell\x07name", "a" + "\u0301" * 20):
        response = admin_client.post(url, {**form, "display_name": hostile})
        assert response.status_code == 200, hostile
        assert Profile.objects.get(pk=user.pk).display_name == before
    response = admin_client.post(url, {**form, "display_name": "  E\u0301lise  "})
    assert response.status_code == 302
    assert Profile.objects.get(pk=user.pk).display_name == "\u00c9lise"
