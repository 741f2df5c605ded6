"""The one display-name rule, at register and PATCH profiles/me/: whatever is accepted renders
as visible text of 3-50 characters (Hypothesis over arbitrary text and over the dangerous
categories), and the attacks of the security review are refused on both paths."""

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.display_names import DisplayNameInvalid, display_name_clean
from profiles.models import Profile
from tests.accounts.conftest import PASSWORD, fresh_ip

# Renders as nothing (or as a gap) although not a control or format character.
BLANK_LOOKING = [
    "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u17b5", "\ufffc",
]  # fmt: skip
REFUSED = [
    pytest.param("Bad\x1b[31mName", id="ESC"),
    pytest.param("Two\nLines", id="newline"),
    pytest.param("Del\x7fete", id="DEL"),
    pytest.param("abc\u202edcba", id="bidi override"),
    pytest.param("\u2066Isolate\u2069", id="bidi isolate"),
    pytest.param("zero\u200bwidth", id="zero-width space"),
    pytest.param("join\u200dme", id="zero-width joiner"),
    pytest.param("word\u2060joiner", id="word joiner"),
    pytest.param("\ufeffbom name", id="BOM"),
    pytest.param("soft\u00adhyphen", id="soft hyphen"),
    pytest.param("tag\U000e0041s", id="tag character"),
    pytest.param("\u115f\u115f\u115f", id="Hangul choseong filler"),
    pytest.param("a\u3164\u3164b", id="Hangul filler"),
    pytest.param("\uffa0\uffa0\uffa0", id="halfwidth Hangul filler"),
    pytest.param("\u2800\u2800\u2800", id="braille blank"),
    pytest.param("no\u00a0break", id="no-break space"),
    pytest.param("wide\u3000space", id="ideographic space"),
    pytest.param("line\u2028sep", id="line separator"),
    pytest.param("priv\ue000ate", id="private use"),
    pytest.param("z" + "\u0301" * 49, id="49 combining marks"),
    pytest.param("ox\u0301\u0302\u0303\u0304", id="4 marks on one letter"),
    pytest.param("\u0301\u0302\u0303", id="marks only"),
    pytest.param("\ufe0f\ufe0f\ufe0f", id="variation selectors alone"),
    pytest.param("ab \u0301c", id="mark after a space"),
    pytest.param("   ", id="spaces only"),
    pytest.param("ab", id="too short"),
    pytest.param("x" * 51, id="too long"),
]
ACCEPTED = [
    ("Zoë Bro", "Zoë Bro"),
    ("Zoe\u0308 Bro", "Zoë Bro"),  # NFD in, NFC stored
    ("José", "José"),
    ("राम", "राम"),
    ("李小龍", "李小龍"),
    ("Влад", "Влад"),
    ("❤\ufe0f Bro", "❤\ufe0f Bro"),  # an emoji with its variation selector
    ("  Trimmed  ", "Trimmed"),
    ("e\u0301" * 50, "é" * 50),  # 100 code points in, 50 after NFC
]

# --- the oracle: what "renders as visible text of 3-50 characters" means ------------------------


def _mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def assert_renders_visibly(name: str) -> None:
    assert unicodedata.is_normalized("NFC", name)
    assert 3 <= len(name) <= 50
    # isprintable(): no Cc, Cf, Cs, Co, Cn, Zl, Zp, and no space but U+0020.
    assert name.isprintable(), ascii(name)
    assert name == name.strip()
    assert not set(name) & set(BLANK_LOOKING)
    assert any(not _mark(ch) and ch != " " for ch in name)
    run = 0
    for index, char in enumerate(name):
        if _mark(char):
            run += 1
            assert index > 0 and name[index - run] != " ", "a mark on nothing"
            assert run <= 3, "too many marks on one character"
        else:
            run = 0


def _longest_mark_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if _mark(char) else 0
        longest = max(longest, run)
    return longest


def _accepted(value: str) -> str | None:
    try:
        return display_name_clean(value)
    except DisplayNameInvalid:
        return None


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_whatever_arbitrary_text_is_accepted_renders_visibly(value):
    name = _accepted(value)
    if name is not None:
        assert_renders_visibly(name)


_letters = st.characters(categories=("Lu", "Ll", "Lo", "Nd"))
_dangerous = st.one_of(
    st.characters(categories=("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")),
    st.characters(categories=("Zs",)).filter(lambda ch: ch != " "),
    st.sampled_from(BLANK_LOOKING),
)
_marks = st.characters(categories=("Mn", "Mc", "Me"))


@settings(max_examples=300)
@given(
    before=st.text(_letters, min_size=1, max_size=20),
    bad=_dangerous,
    after=st.text(_letters, min_size=1, max_size=20),
)
def test_a_dangerous_character_anywhere_inside_is_refused(before, bad, after):
    assert _accepted(before + bad + after) is None


@settings(max_examples=300)
@given(
    parts=st.lists(
        st.tuples(st.one_of(_letters, st.just(" ")), st.lists(_marks, max_size=6)),
        min_size=1,
        max_size=25,
    )
)
def test_stacked_marks_are_capped_and_never_float(parts):
    value = "".join(base + "".join(marks) for base, marks in parts)
    name = _accepted(value)
    if name is not None:
        assert_renders_visibly(name)
    if _longest_mark_run(unicodedata.normalize("NFC", value)) > 3:
        assert name is None


@settings(max_examples=200)
@given(st.text(st.one_of(_letters, _marks, _dangerous, st.just(" ")), max_size=60))
def test_mixtures_of_everything(value):
    name = _accepted(value)
    if name is not None:
        assert_renders_visibly(name)


# --- the two API paths use it ------------------------------------------------------------------


def _register(api_client, display_name):
    return api_client.post(
        "/api/v1/auth/register/",
        {"email": f"n{fresh_ip()}@example.com", "password": PASSWORD, "display_name": display_name},
        format="json",
        REMOTE_ADDR=fresh_ip(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", REFUSED)
def test_register_refuses(api_client, value):
    response = _register(api_client, value)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "display_name" in response.json()["error"]["details"]
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", REFUSED)
def test_patch_refuses(auth_client, user, value):
    before = Profile.objects.get(pk=user.pk).display_name
    response = auth_client.patch("/api/v1/profiles/me/", {"display_name": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PROFILE_VALIDATION_ERROR"
    assert "display_name" in response.json()["error"]["details"]
    assert Profile.objects.get(pk=user.pk).display_name == before


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "stored"), ACCEPTED)
def test_both_paths_accept_and_store_the_normalised_name(
    api_client, auth_client, user, value, stored
):
    registered = _register(api_client, value)
    assert registered.status_code == 201, registered.json()
    assert registered.json()["user"]["display_name"] == stored
    patched = auth_client.patch("/api/v1/profiles/me/", {"display_name": value}, format="json")
    assert patched.status_code == 200 and patched.json()["display_name"] == stored
    assert Profile.objects.get(pk=user.pk).display_name == stored


@pytest.mark.django_db
def test_a_lone_surrogate_in_the_json_is_refused(auth_client):
    body = json.dumps({"display_name": "abc"}).replace("abc", "ab\\ud800c")
    response = auth_client.generic(
        "PATCH", "/api/v1/profiles/me/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "display_name" in response.json()["error"]["details"]


@pytest.mark.django_db
@settings(max_examples=100)
@given(value=st.text(st.one_of(_letters, _marks, _dangerous, st.just(" ")), max_size=60))
def test_patch_accepts_exactly_what_the_rule_accepts(auth_client, user, value):
    response = auth_client.patch("/api/v1/profiles/me/", {"display_name": value}, format="json")
    expected = _accepted(value)
    if expected is None:
        assert response.status_code == 400, ascii(value)
    else:
        assert response.status_code == 200, (ascii(value), response.json())
        assert response.json()["display_name"] == expected
