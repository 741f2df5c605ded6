"""The orjson renderer writes exactly what DRF's JSONRenderer writes."""

import decimal
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from core.renderers import ORJSONRenderer

PAYLOADS = [
    {"a": 1, "b": [1, 2.5, None, True, False], "c": {"d": "e"}},
    {"at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)},
    {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "day": date(2026, 1, 2)},
    {"at": datetime(2026, 1, 2, 3, 4, 5, 1000, tzinfo=timezone(timedelta(hours=2)))},
    {"naive": datetime(2026, 1, 2, 3, 4, 5), "t": time(3, 4, 5, 600000)},
    {"id": uuid.UUID("4b3f7d0e-5f6a-4c1b-9d2e-3a4b5c6d7e8f")},
    {"price": decimal.Decimal("12.50"), "lazy": gettext_lazy("Not found.")},
    {"text": "ünïcødé ✓ \u2028 line \u2029 para", "quote": 'a"b\\c\n'},
    {1: "int key", "nested": [{"deep": [[[]]]}]},
    ReturnDict({"x": 1}, serializer=None),
    {"big": 2**70},
    [],
    "plain",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_same_bytes_as_drf(payload):
    assert ORJSONRenderer().render(payload) == JSONRenderer().render(payload)


def test_an_indent_in_the_accept_header_is_honoured_as_drf_does():
    media = "application/json; indent=2"
    payload = {"a": [1, 2]}
    assert ORJSONRenderer().render(payload, media) == JSONRenderer().render(payload, media)
    assert b"\n" in ORJSONRenderer().render(payload, media)


def test_nothing_renders_as_empty():
    assert ORJSONRenderer().render(None) == b""


def test_what_neither_can_write_raises_as_drf_does():
    with pytest.raises(TypeError):
        ORJSONRenderer().render({"x": object()})
