"""Response and request shapes of the shop and wallet (component names are unique)."""

from rest_framework import serializers

from cosmetics.models import Cosmetic, CosmeticType, Currency, InventoryItem, WalletEntry


class CosmeticSerializer(serializers.ModelSerializer):
    """A catalog item (`Cosmetic`). A URL the item does not have is null, never ``""`` (which
    is no URI)."""

    price_coins = serializers.IntegerField(
        allow_null=True, help_text="Price in coins; null: not sold for coins."
    )
    price_premium = serializers.IntegerField(
        allow_null=True, help_text="Price in premium currency; null: not sold for premium."
    )
    owned_by_count = serializers.IntegerField(help_text="How many players own it.")

    class Meta:
        model = Cosmetic
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "type",
            "rarity",
            "price_coins",
            "price_premium",
            "image_url",
            "preview_video_url",
            "event",
            "is_limited",
            "release_date",
            "available_from",
            "available_until",
            "owned_by_count",
            "is_active",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "Stable key of the item (catalog files, battle-pass rewards)."},
            "event": {"help_text": "Live event the item belongs to; empty when none."},
            "available_from": {"help_text": "Start of the sale window; null: no start."},
            "available_until": {"help_text": "End of the sale window; null: no end."},
        }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.URLField):
            kwargs["allow_null"] = True
        return field_class, kwargs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if isinstance(field, serializers.URLField) and data.get(name) == "":
                data[name] = None
        return data


class InventoryItemSerializer(serializers.ModelSerializer):
    """A cosmetic the player owns (`InventoryItem`)."""

    cosmetic = CosmeticSerializer()
    source = serializers.CharField(
        help_text="How it was acquired: purchase, battlepass, grant, …", read_only=True
    )

    class Meta:
        model = InventoryItem
        fields = ["id", "cosmetic", "acquired_date", "is_equipped", "source"]
        read_only_fields = fields


class LoadoutSerializer(serializers.Serializer):
    """What the player has equipped: one slot per cosmetic type, each a `Cosmetic` or null."""

    user_id = serializers.UUIDField(read_only=True, help_text="The player whose loadout it is.")
    skin_equipped = CosmeticSerializer(allow_null=True, read_only=True)
    emote_equipped = CosmeticSerializer(allow_null=True, read_only=True)
    banner_equipped = CosmeticSerializer(allow_null=True, read_only=True)
    nameplate_equipped = CosmeticSerializer(allow_null=True, read_only=True)
    effect_equipped = CosmeticSerializer(allow_null=True, read_only=True)
    trail_equipped = CosmeticSerializer(allow_null=True, read_only=True)


class CosmeticPurchaseRequestSerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=Currency.choices)


class LoadoutUnequipRequestSerializer(serializers.Serializer):
    slot = serializers.ChoiceField(
        choices=CosmeticType.choices, help_text="The slot to empty: a cosmetic type."
    )


class WalletSerializer(serializers.Serializer):
    coins = serializers.IntegerField()
    premium = serializers.IntegerField()


class WalletTransactionSerializer(serializers.ModelSerializer):
    """One ledger row: ``amount`` is signed (negative: debit), ``balance_after`` the balance of
    that currency right after it."""

    class Meta:
        model = WalletEntry
        fields = ["id", "currency", "amount", "balance_after", "reason", "reference", "created_at"]
        read_only_fields = fields
