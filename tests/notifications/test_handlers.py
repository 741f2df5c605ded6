"""Each consumed event makes exactly one inbox row, whatever the redelivery pattern."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.registry import handlers_for
from notifications.models import Notification, NotificationKind
from notifications.selectors import notification_unread_count
from tests.notifications.helpers import HANDLERS, KIND_OF, deliver, envelope, sample_data

pytestmark = pytest.mark.django_db

EXPECTED_TEXT = {
    "player.levelup": ("Level up!", "You reached level 7."),
    "battlepass.reward_earned": (
        "Battle pass reward unlocked",
        "You reached tier 5. Claim your reward: 100 coins.",
    ),
    "battlepass.challenge_completed": ("Challenge completed!", "You earned 250 XP."),
    "player.cosmetic_purchased": ("Purchase complete", "Your new skin is in your inventory."),
    "ranking.tier_changed": ("Promoted!", "You reached Platinum tier."),
    "season.ended": ("Season 3 has ended", "You finished #12 in Platinum. Rewards: 500 coins."),
}


@pytest.mark.parametrize("event_type", sorted(HANDLERS))
def test_handlers_are_registered_with_the_event_registry(event_type):
    assert HANDLERS[event_type] in handlers_for(event_type)


@pytest.mark.parametrize("event_type", sorted(HANDLERS))
def test_each_event_kind_makes_one_notification_even_when_delivered_twice(event_type, user):
    data = sample_data(event_type, user.pk)
    env = envelope(event_type, data)
    deliver(env)
    deliver(env)
    rows = list(Notification.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert row.user_id == user.pk
    assert row.kind == KIND_OF[event_type]
    assert row.source_event_id == uuid.UUID(env["event_id"])
    assert (row.title, row.body) == EXPECTED_TEXT[event_type]
    assert row.read_at is None
    useful = {k: v for k, v in data.items() if k != "user_id"}
    assert useful.items() <= row.data.items()


def test_two_events_of_the_same_kind_make_two_notifications(user):
    for _ in range(2):
        deliver(envelope("player.levelup", sample_data("player.levelup", user.pk)))
    assert Notification.objects.filter(user=user).count() == 2


def test_deleted_user_gets_nothing_and_the_handler_does_not_fail(make_user):
    gone = make_user()
    gone_id = gone.pk
    gone.delete()
    for event_type in HANDLERS:
        deliver(envelope(event_type, sample_data(event_type, gone_id)))
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda env: env["data"].update(user_id="not-a-uuid"),
        lambda env: env["data"].pop("new_level"),
        lambda env: env["data"].update(new_level="seven"),
        lambda env: env.update(event_id="nope"),
        lambda env: env.update(data=None),
    ],
    ids=["bad-user-id", "missing-field", "bad-number", "bad-event-id", "no-data"],
)
def test_malformed_event_is_skipped_not_raised(mutate, user):
    env = envelope("player.levelup", sample_data("player.levelup", user.pk))
    mutate(env)
    deliver(env)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "title", "body", "direction"),
    [
        ("Gold", "Platinum", "Promoted!", "You reached Platinum tier.", "promotion"),
        ("Diamond", "Platinum", "Rank tier lost", "You dropped to Platinum tier.", "demotion"),
        ("master", "grandmaster", "Promoted!", "You reached Grandmaster tier.", "promotion"),
        ("Gold", "Mythic", "Rank tier changed", "Your rank tier is now Mythic.", None),
    ],
)
def test_tier_change_text_says_promotion_or_demotion(user, old, new, title, body, direction):
    data = {"user_id": str(user.pk), "old_tier": old, "new_tier": new, "elo": 1500}
    deliver(envelope("ranking.tier_changed", data))
    row = Notification.objects.get()
    assert (row.title, row.body, row.data["direction"]) == (title, body, direction)


@pytest.mark.parametrize(
    ("reward_type", "value", "text"),
    [("coins", 1, "1 coin"), ("coins", 300, "300 coins"), ("xp", 200, "200 XP")],
)
def test_reward_text_names_the_reward(user, reward_type, value, text):
    data = sample_data("battlepass.reward_earned", user.pk)
    data.update(reward_type=reward_type, reward_value=value)
    deliver(envelope("battlepass.reward_earned", data))
    assert Notification.objects.get().body == f"You reached tier 5. Claim your reward: {text}."


def test_cosmetic_reward_keeps_the_cosmetic_id_in_data(user):
    cosmetic_id = str(uuid.uuid4())
    data = sample_data("battlepass.reward_earned", user.pk)
    data.update(reward_type="cosmetic", reward_value=cosmetic_id)
    deliver(envelope("battlepass.reward_earned", data))
    row = Notification.objects.get()
    assert row.body == "You reached tier 5. Claim your reward: a new cosmetic."
    assert row.data["reward_value"] == cosmetic_id


def test_new_notification_refreshes_the_cached_unread_count(
    user, django_capture_on_commit_callbacks
):
    assert notification_unread_count(user_id=user.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        deliver(envelope("player.levelup", sample_data("player.levelup", user.pk)))
    assert notification_unread_count(user_id=user.pk) == 1


_levels = st.integers(min_value=1, max_value=10_000)
_tiers = st.sampled_from(
    ["Bronze", "Silver", "Gold", "Platinum", "Diamond", "Master", "Grandmaster"]
)


@st.composite
def _events(draw, user_id):
    event_type = draw(st.sampled_from(sorted(HANDLERS)))
    data = sample_data(event_type, user_id)
    if event_type == "player.levelup":
        old = draw(_levels)
        data.update(old_level=old, new_level=old + draw(st.integers(1, 5)))
    elif event_type == "battlepass.reward_earned":
        data.update(
            tier_reached=draw(st.integers(1, 100)),
            reward_type=draw(st.sampled_from(["coins", "xp", "cosmetic"])),
            reward_value=draw(st.integers(1, 10**9)),
        )
    elif event_type == "battlepass.challenge_completed":
        data.update(xp_reward=draw(st.integers(0, 10**6)))
    elif event_type == "player.cosmetic_purchased":
        data.update(
            cosmetic_type=draw(
                st.sampled_from(["skin", "emote", "banner", "nameplate", "effect", "trail"])
            ),
            price_paid=draw(st.integers(0, 10**6)),
            currency=draw(st.sampled_from(["coins", "premium"])),
        )
    elif event_type == "season.ended":
        data.update(
            final_rank=draw(st.integers(1, 10**6)),
            final_elo=draw(st.integers(100, 3000)),
            final_tier=draw(_tiers),
            rewards=draw(
                st.lists(
                    st.fixed_dictionaries(
                        {"type": st.just("coins"), "value": st.integers(1, 10**6)}
                    ),
                    max_size=3,
                )
            ),
        )
    else:
        data.update(old_tier=draw(_tiers), new_tier=draw(_tiers), elo=draw(st.integers(100, 3000)))
    return envelope(event_type, data)


@given(data=st.data(), deliveries=st.integers(min_value=1, max_value=4))
def test_any_event_delivered_any_number_of_times_makes_exactly_one_row(user, data, deliveries):
    env = data.draw(_events(user.pk))
    for _ in range(deliveries):
        deliver(env)
    rows = list(Notification.objects.filter(source_event_id=env["event_id"]))
    assert len(rows) == 1
    row = rows[0]
    assert row.kind == KIND_OF[env["event_type"]] and row.user_id == user.pk
    assert 0 < len(row.title) <= 100 and 0 < len(row.body) <= 300
    assert {k: v for k, v in env["data"].items() if k != "user_id"}.items() <= row.data.items()
    assert row.kind in NotificationKind.values
