"""Read-side queries of the shop, inventory, loadout and wallet."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from cosmetics.models import (
    RARITY_RANK,
    Cosmetic,
    InventoryItem,
    Loadout,
    Wallet,
    WalletEntry,
)


def _released(now) -> Q:
    return Q(is_active=True) & (Q(available_from__isnull=True) | Q(available_from__lte=now))


def on_sale_q(now=None) -> Q:
    """On sale now: active, inside its sale window, and priced in at least one currency."""
    now = now or timezone.now()
    return (
        _released(now)
        & (Q(available_until__isnull=True) | Q(available_until__gt=now))
        & (Q(price_coins__isnull=False) | Q(price_premium__isnull=False))
    )


def with_rarity_rank(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        rarity_rank=Case(
            *(When(rarity=value, then=Value(rank)) for value, rank in RARITY_RANK.items()),
            output_field=IntegerField(),
        )
    )


def cosmetics_on_sale() -> QuerySet[Cosmetic]:
    """The shop: what can be bought now, newest first."""
    return with_rarity_rank(Cosmetic.objects.filter(on_sale_q())).order_by(
        "-release_date", "name", "id"
    )


def cosmetic_visible(*, cosmetic_id) -> Cosmetic | None:
    """Detail view: an active cosmetic whose sale window has started (on sale, reward-only or
    past limited items alike); upcoming and deactivated items stay hidden."""
    return Cosmetic.objects.filter(_released(timezone.now()), pk=cosmetic_id).first()


def inventory_for(*, user) -> QuerySet[InventoryItem]:
    return (
        InventoryItem.objects.filter(user=user)
        .select_related("cosmetic")
        .order_by("-acquired_date", "id")
    )


def loadout_for(*, user) -> Loadout:
    """The user's loadout with its cosmetics (an unsaved empty one if never equipped)."""
    loadout = (
        Loadout.objects.filter(user=user)
        .select_related(
            "skin_equipped",
            "emote_equipped",
            "banner_equipped",
            "nameplate_equipped",
            "effect_equipped",
            "trail_equipped",
        )
        .first()
    )
    return loadout or Loadout(user=user)


def wallet_balances(*, user) -> dict[str, int]:
    wallet = Wallet.objects.filter(user=user).only("coins", "premium").first()
    return {"coins": wallet.coins if wallet else 0, "premium": wallet.premium if wallet else 0}


def wallet_entries(*, user) -> QuerySet[WalletEntry]:
    return WalletEntry.objects.filter(wallet__user=user).order_by("-created_at", "-id")
