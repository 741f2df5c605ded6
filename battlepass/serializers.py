"""Request and response shapes of the battle pass API (component names prefixed, unique)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from battlepass.models import ChallengeMetric, RewardType, Season, Track
from cosmetics.serializers import CosmeticSerializer


def reward_data(reward: tuple | None) -> dict | None:
    """``Reward`` = ``{type, value, cosmetic}`` from ``(type, value, cosmetic)``: amounts are
    integers, a cosmetic's value is its slug and ``cosmetic`` the full ``Cosmetic`` (else null)."""
    if reward is None:
        return None
    kind, value, cosmetic = reward
    if kind != RewardType.COSMETIC:
        return {"type": kind, "value": int(value), "cosmetic": None}
    shown = CosmeticSerializer(cosmetic).data if cosmetic is not None else None
    return {"type": kind, "value": value, "cosmetic": shown}


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": "The cosmetic's slug, or the amount of coins / xp.",
    }
)
class RewardValueField(serializers.JSONField):
    pass


class BattlePassRewardSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RewardType.choices)
    value = RewardValueField()
    cosmetic = CosmeticSerializer(
        allow_null=True, help_text="The cosmetic when type is cosmetic, else null."
    )


class BattlePassSeasonSerializer(serializers.ModelSerializer):
    tier_price = serializers.IntegerField(
        allow_null=True, help_text="premium currency per tier; null: tiers not for sale"
    )
    state = serializers.ChoiceField(
        choices=["scheduled", "active", "ending", "ended", "inactive"],
        help_text="scheduled (not started), active, ending (season end running), ended",
    )
    purchased_tiers = serializers.SerializerMethodField(
        help_text="The caller's tiers bought in this season; null for an anonymous caller."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_purchased_tiers(self, season) -> int | None:
        return self.context.get("purchased_tiers")

    class Meta:
        model = Season
        fields = [
            "id",
            "season_number",
            "name",
            "theme",
            "start_date",
            "end_date",
            "xp_per_tier",
            "max_tier",
            "premium_price",
            "is_active",
            "tier_price",
            "purchased_tiers",
            "state",
        ]


class BattlePassTierSerializer(serializers.Serializer):
    tier_number = serializers.IntegerField()
    free_reward = BattlePassRewardSerializer(allow_null=True)
    premium_reward = BattlePassRewardSerializer(allow_null=True)


def tier_data(view) -> dict:
    return {
        "tier_number": view.tier_number,
        "free_reward": reward_data(view.free_reward),
        "premium_reward": reward_data(view.premium_reward),
    }


class BattlePassTierTrackSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    track = serializers.ChoiceField(choices=Track.choices)


class PlayerBattlePassSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    season = BattlePassSeasonSerializer()
    current_tier = serializers.IntegerField()
    current_xp = serializers.IntegerField(help_text="The player's season XP in total.")
    xp_to_next_tier = serializers.IntegerField()
    is_premium = serializers.BooleanField()
    purchased_tiers = serializers.IntegerField(help_text="Tiers bought with premium currency.")
    tier_price = serializers.IntegerField(
        source="season.tier_price",
        allow_null=True,
        help_text="The season's price of one tier in premium currency; null: not for sale.",
    )
    claimed_rewards = BattlePassTierTrackSerializer(many=True)
    claimable_rewards = BattlePassTierTrackSerializer(many=True)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings, floats or booleans."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BattlePassTiersPurchaseRequestSerializer(serializers.Serializer):
    tiers = StrictIntegerField(min_value=1, help_text="How many tiers to buy (n ≥ 1).")


class BattlePassClaimRequestSerializer(serializers.Serializer):
    tier = serializers.IntegerField(min_value=1)
    track = serializers.ChoiceField(choices=Track.choices, required=False, allow_null=True)


class BattlePassClaimResponseSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    granted = BattlePassRewardSerializer(many=True)
    progress = PlayerBattlePassSerializer()


class BattlePassDailyBonusSerializer(serializers.Serializer):
    xp_awarded = serializers.IntegerField()
    streak_days = serializers.IntegerField()
    next_available_at = serializers.DateTimeField()
    progress = PlayerBattlePassSerializer(
        allow_null=True, help_text="The battle pass after the award; null with no active season."
    )


class BattlePassChallengeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    metric = serializers.ChoiceField(choices=ChallengeMetric.choices)
    target = serializers.IntegerField()
    progress = serializers.IntegerField()
    xp_reward = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
