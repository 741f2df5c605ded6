"""Property tests: every field rule, with generated values around each bound (Hypothesis)."""

import math
import string
import unicodedata

import pytest
from django_countries.data import COUNTRIES
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from profiles.serializers import ProfilePrivacyInputSerializer, ProfileUpdateInputSerializer
from profiles.services import level_for_xp

EXAMPLES = settings(max_examples=150)
_chars = st.characters(blacklist_categories=("Cs",))
_controls = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
_space = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", ""])


def _check(field: str, value):
    serializer = ProfileUpdateInputSerializer(data={field: value})
    valid = serializer.is_valid()
    return valid, (serializer.validated_data.get(field) if valid else serializer.errors)


def _around(low: int, high: int, spread: int = 3):
    """Strings whose stripped length is near the bounds (and sometimes padded)."""
    lengths = st.sampled_from(
        [*range(max(0, low - spread), low + spread), *range(high - spread, high + spread + 1)]
    )
    core = lengths.flatmap(lambda n: st.text(alphabet=_chars, min_size=n, max_size=n))
    return st.tuples(_space, core, _space).map(lambda parts: "".join(parts))


def _has_control(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def _text_rule(field: str, low: int, high: int, allowed_controls: str = ""):
    @EXAMPLES
    @given(
        value=st.one_of(_around(low, high), st.tuples(_around(low, high), _controls).map("".join))
    )
    def check(value):
        valid, result = _check(field, value)
        stripped = value.strip()
        expected = low <= len(stripped) <= high and not _has_control(stripped, allowed_controls)
        assert valid == expected, (value, result)
        if valid:
            assert result == stripped

    return check


def test_bio_is_at_most_200_characters():
    _text_rule("bio", 0, 200, allowed_controls="\n\r\t")()


def test_title_is_at_most_50_characters():
    _text_rule("title", 0, 50)()


_codes = st.sampled_from(sorted(COUNTRIES))


@EXAMPLES
@given(
    value=st.one_of(
        _codes,
        _codes.map(str.lower),
        st.text(alphabet=string.ascii_letters, min_size=0, max_size=3),
        st.text(alphabet=_chars, min_size=2, max_size=2),
        st.sampled_from(["UK", "EU", "XK", "ZZ", "AA", "QQ", "U", "USA", "1A"]),
    )
)
def test_country_is_a_real_iso_3166_alpha_2_code(value):
    valid, result = _check("country", value)
    if value.strip() == "":
        assert valid and result == ""
        return
    expected = value.strip().upper() in COUNTRIES
    assert valid == expected, (value, result)
    if valid:
        assert result == value.strip().upper()


def test_country_examples_that_look_right_but_are_not_codes():
    assert _check("country", "GB")[0] and not _check("country", "UK")[0]
    assert not _check("country", "EU")[0] and not _check("country", "XX")[0]


@EXAMPLES
@given(
    value=st.one_of(
        st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True),
        st.from_regex(r"#?[0-9A-Fa-fG-Zg-z]{5,8}", fullmatch=True),
        st.text(alphabet="#0123456789abcdefABCDEFxyz \n", min_size=0, max_size=9),
    )
)
def test_banner_color_is_hash_rrggbb(value):
    valid, result = _check("banner_color", value)
    stripped = value.strip()
    expected = (
        len(stripped) == 7
        and stripped[0] == "#"
        and all(c in string.hexdigits for c in stripped[1:])
    )
    assert valid == expected, (value, result)
    if valid:
        assert result == stripped.upper()


@EXAMPLES
@given(value=st.one_of(st.sampled_from(["dark", "light", "Dark", "LIGHT", "", "blue"]), st.text()))
def test_theme_is_dark_or_light(value):
    valid, result = _check("theme", value)
    assert valid == (value in ("dark", "light")), (value, result)


_hosts = st.from_regex(r"[a-z][a-z0-9]{0,10}\.(tv|com|gg)", fullmatch=True)
_paths = st.from_regex(r"(/[A-Za-z0-9_-]{0,12}){0,3}", fullmatch=True)


@EXAMPLES
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript", "file", "", "mailto"]),
    host=st.one_of(_hosts, st.sampled_from(["", "exa mple.com", "-bad-.com", "a..b.com"])),
    path=_paths,
    network=st.sampled_from(["twitch", "youtube", "twitter"]),
)
def test_social_links_are_http_urls(scheme, host, path, network):
    url = f"{scheme}://{host}{path}" if scheme else f"{host}{path}"
    serializer = ProfileUpdateInputSerializer(data={"social_links": {network: url}})
    valid = serializer.is_valid()
    host_ok = host not in ("", "exa mple.com", "-bad-.com", "a..b.com")
    # An empty value removes the link; anything else must be an http(s) URL.
    expected = url == "" or (scheme.lower() in ("http", "https") and host_ok)
    assert valid == expected, (url, serializer.errors)
    if valid:
        assert serializer.validated_data["social_links"][network] == url


@EXAMPLES
@given(length=st.integers(190, 210))
def test_social_links_are_at_most_200_characters(length):
    base = "https://twitch.tv/"
    url = base + "a" * (length - len(base))
    serializer = ProfileUpdateInputSerializer(data={"social_links": {"twitch": url}})
    assert serializer.is_valid() == (len(url) <= 200)


@EXAMPLES
@given(network=st.text(min_size=1, max_size=12))
def test_social_links_accept_only_the_three_networks(network):
    assume(network not in ("twitch", "youtube", "twitter"))
    serializer = ProfileUpdateInputSerializer(
        data={"social_links": {network: "https://example.com/me"}}
    )
    assert not serializer.is_valid()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2),
    max_leaves=3,
)


@EXAMPLES
@given(
    values=st.fixed_dictionaries(
        dict.fromkeys(("is_public", "accept_friend_requests", "allow_messages"), _json)
    )
)
def test_privacy_flags_are_json_booleans(values):
    serializer = ProfilePrivacyInputSerializer(data=values)
    expected = all(isinstance(v, bool) for v in values.values())
    assert serializer.is_valid() == expected


_near_squares = st.integers(1, 10**4).flatmap(
    lambda n: st.sampled_from([n * n * 100 - 1, n * n * 100, n * n * 100 + 1])
)


@EXAMPLES
@given(total_xp=st.one_of(st.integers(0, 10**12), _near_squares))
def test_level_is_max_1_floor_sqrt_xp_over_100(total_xp):
    level = level_for_xp(total_xp)
    assert level == max(1, math.floor(math.sqrt(total_xp / 100)))
    if level > 1:
        assert level * level * 100 <= total_xp < (level + 1) * (level + 1) * 100
    else:
        assert total_xp < 400


@pytest.mark.parametrize(
    ("xp", "level"), [(0, 1), (399, 1), (400, 2), (899, 2), (900, 3), (10_000, 10), (9_999, 9)]
)
def test_level_examples(xp, level):
    assert level_for_xp(xp) == level


@EXAMPLES
@given(
    field=st.sampled_from(["display_name", "bio", "title", "country", "banner_color", "theme"]),
    value=st.one_of(
        st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.text(), max_size=2)
    ),
)
def test_text_fields_take_json_strings_only(field, value):
    assert not _check(field, value)[0]
