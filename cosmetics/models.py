"""Catalog, inventory, loadout, wallet and its append-only ledger.

The database is the guard for every money and ownership invariant: choices and prices by check
constraints, one inventory row per (user, cosmetic), non-negative balances, ledger rows that can
only be inserted (a PostgreSQL trigger refuses UPDATE and DELETE, see migration 0002).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import TimeStampedModel


class CosmeticType(models.TextChoices):
    SKIN = "skin"
    EMOTE = "emote"
    BANNER = "banner"
    NAMEPLATE = "nameplate"
    EFFECT = "effect"
    TRAIL = "trail"


class Rarity(models.TextChoices):
    COMMON = "common"
    UNCOMMON = "uncommon"
    RARE = "rare"
    EPIC = "epic"
    LEGENDARY = "legendary"


# Rarity order for sorting (common lowest).
RARITY_RANK = {value: rank for rank, value in enumerate(Rarity.values)}


class Currency(models.TextChoices):
    COINS = "coins"
    PREMIUM = "premium"


class Cosmetic(TimeStampedModel):
    """One catalog item. ``slug`` is the stable key used by load_catalog and battle-pass rewards.
    A null price means the item is not sold in that currency (no price at all: reward-only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True, default="")
    type = models.CharField(max_length=16, choices=CosmeticType.choices)
    rarity = models.CharField(max_length=16, choices=Rarity.choices)
    price_coins = models.PositiveIntegerField(null=True, blank=True)
    price_premium = models.PositiveIntegerField(null=True, blank=True)
    image_url = models.URLField(max_length=500, blank=True, default="")
    preview_video_url = models.URLField(max_length=500, blank=True, default="")
    event = models.CharField(max_length=64, blank=True, default="", db_index=True)
    is_limited = models.BooleanField(default=False)
    release_date = models.DateTimeField(default=timezone.now)
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    owned_by_count = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["-release_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=CosmeticType.values), name="cosmetics_cosmetic_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(rarity__in=Rarity.values), name="cosmetics_cosmetic_rarity_valid"
            ),
            models.CheckConstraint(
                condition=Q(price_coins__isnull=True) | Q(price_coins__gte=0),
                name="cosmetics_cosmetic_price_coins_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(price_premium__isnull=True) | Q(price_premium__gte=0),
                name="cosmetics_cosmetic_price_premium_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(owned_by_count__gte=0), name="cosmetics_cosmetic_owned_by_count_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=F("available_from")),
                name="cosmetics_cosmetic_sale_window_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.slug})"


class InventoryItem(models.Model):
    """A cosmetic a user owns. At most one row per (user, cosmetic)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inventory_items"
    )
    cosmetic = models.ForeignKey(Cosmetic, on_delete=models.PROTECT, related_name="inventory_items")
    acquired_date = models.DateTimeField(default=timezone.now)
    is_equipped = models.BooleanField(default=False)
    source = models.CharField(max_length=32, default="purchase")

    class Meta:
        ordering = ["-acquired_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cosmetic"], name="cosmetics_inventory_user_cosmetic_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "-acquired_date"], name="cosmetics_inv_user_acq")]

    def __str__(self):
        return f"{self.user_id} owns {self.cosmetic_id}"


SLOT_FIELDS = {value: f"{value}_equipped" for value in CosmeticType.values}


def _slot(type_: str):
    return models.ForeignKey(
        Cosmetic,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"type": type_},
    )


class Loadout(models.Model):
    """What a user has equipped: one slot per cosmetic type."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="loadout"
    )
    skin_equipped = _slot(CosmeticType.SKIN)
    emote_equipped = _slot(CosmeticType.EMOTE)
    banner_equipped = _slot(CosmeticType.BANNER)
    nameplate_equipped = _slot(CosmeticType.NAMEPLATE)
    effect_equipped = _slot(CosmeticType.EFFECT)
    trail_equipped = _slot(CosmeticType.TRAIL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Loadout of {self.user_id}"


class Wallet(models.Model):
    """Balances of one user. Changed only by ``cosmetics.services.wallet_change``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="wallet"
    )
    coins = models.BigIntegerField(default=0)
    premium = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(coins__gte=0), name="cosmetics_wallet_coins_gte_0"),
            models.CheckConstraint(
                condition=Q(premium__gte=0), name="cosmetics_wallet_premium_gte_0"
            ),
        ]

    def __str__(self):
        return f"Wallet of {self.user_id}: {self.coins} coins, {self.premium} premium"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger rows are never updated; write a correcting entry instead.")

    def delete(self):
        raise TypeError("Ledger rows are never deleted; write a correcting entry instead.")


class WalletEntry(models.Model):
    """One balance change. Append-only: corrections are new rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    reference = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "wallet entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values), name="cosmetics_entry_currency_valid"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="cosmetics_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="cosmetics_entry_balance_after_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["wallet", "-created_at"], name="cosmetics_entry_wallet")]

    def __str__(self):
        return f"{self.amount:+d} {self.currency} ({self.reason})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger rows are never updated; write a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger rows are never deleted; write a correcting entry instead.")
