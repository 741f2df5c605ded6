"""Property 14: however often and in whatever order events are (re)delivered, each takes effect
once — the final state equals applying every match once."""

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from events.dispatch import dispatch_envelope
from events.services import build_envelope
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once, make_challenges

match_spec = st.tuples(
    st.integers(0, 2),  # player pair
    st.sampled_from(["p1", "p2", None]),
    st.integers(0, 30),  # kills
    st.integers(0, 1500),  # duration
)


@pytest.mark.django_db
@settings(max_examples=20)
@given(
    specs=st.lists(match_spec, min_size=1, max_size=4),
    schedule=st.lists(st.integers(0, 3), max_size=8),
)
def test_redelivery_in_any_order_applies_each_match_once(make_user, specs, schedule):
    with transaction.atomic():
        season = SeasonFactory(xp_per_tier=100, max_tier=10)
        coin_tiers(season, 10)
        make_challenges(season)
        users = [make_user() for _ in range(3)]
        pairs = [(users[0], users[1]), (users[1], users[2]), (users[2], users[0])]
        matches = [
            match_payload(
                *pairs[pair], winner=winner, player1_kills=kills, duration_seconds=duration
            )
            for pair, winner, kills, duration in specs
        ]
        envelopes = [build_envelope("match.completed", m) for m in matches]
        # every event once, plus redeliveries of arbitrary ones in arbitrary order
        deliveries = envelopes + [envelopes[i % len(envelopes)] for i in schedule]
        for envelope in reversed(deliveries) if len(schedule) % 2 else deliveries:
            dispatch_envelope(envelope)
        assert_applied_once(matches, season=season, event_ids=[e["event_id"] for e in envelopes])
        transaction.set_rollback(True)
