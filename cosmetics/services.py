"""Write-side logic of the shop and wallet: the only place balances, ownership and loadouts change.

Lock order, everywhere: the user's wallet row first (it is the per-user lock for money and
ownership), then the cosmetic row (``owned_by_count``), then the loadout. One order means no
deadlocks between purchases, battle-pass grants and currency grants of the same user.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F

import events
from core.errors import ValidationFailed
from cosmetics import cache
from cosmetics.errors import (
    CosmeticAlreadyOwned,
    CosmeticNotFound,
    CosmeticNotOwned,
    InsufficientFunds,
)
from cosmetics.ledger import change_checked
from cosmetics.models import (
    SLOT_FIELDS,
    Cosmetic,
    Currency,
    InventoryItem,
    Loadout,
    Wallet,
    WalletEntry,
)
from cosmetics.selectors import on_sale_q

logger = logging.getLogger(__name__)

REASON_PURCHASE = "purchase"


def _wallet_locked(user) -> Wallet:
    """The user's wallet, created on first use, locked until the transaction ends."""
    wallet = Wallet.objects.select_for_update().filter(user=user).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            Wallet.objects.create(user=user)
    except IntegrityError:
        pass  # created concurrently: lock the committed row below
    return Wallet.objects.select_for_update().get(user=user)


@transaction.atomic
def wallet_change(
    *, user, currency: str, amount: int, reason: str, reference: str = ""
) -> WalletEntry:
    """Add ``amount`` (negative: debit) to one balance and write its ledger row.

    Raises 402 COSMETIC_INSUFFICIENT_FUNDS (nothing changed) if the balance would go negative.
    """
    reason = change_checked(currency=currency, amount=amount, reason=reason)
    wallet = _wallet_locked(user)
    balance = getattr(wallet, currency)
    new_balance = balance + amount
    if new_balance < 0:
        raise InsufficientFunds(
            f"Not enough {currency}: balance {balance}, {-amount} needed.",
            details={"currency": currency, "balance": balance, "required": -amount},
        )
    setattr(wallet, currency, new_balance)
    wallet.save(update_fields=[currency, "updated_at"])
    return WalletEntry.objects.create(
        wallet=wallet,
        currency=currency,
        amount=amount,
        balance_after=new_balance,
        reason=reason,
        reference=(reference or "")[:200],
    )


def _inventory_insert(*, user, cosmetic: Cosmetic, source: str) -> InventoryItem | None:
    """Insert the inventory row and count it; None if the user already owns the cosmetic."""
    try:
        with transaction.atomic():
            item = InventoryItem.objects.create(user=user, cosmetic=cosmetic, source=source)
    except IntegrityError:
        return None
    Cosmetic.objects.filter(pk=cosmetic.pk).update(owned_by_count=F("owned_by_count") + 1)
    cosmetic.refresh_from_db(fields=["owned_by_count"])
    cache.invalidate_inventory(user.pk)
    cache.invalidate_shop()
    return item


@transaction.atomic
def inventory_grant(*, user, cosmetic: Cosmetic, source: str) -> bool:
    """Give ``cosmetic`` to ``user`` without charging (rewards, support). False if already
    owned (nothing changed)."""
    _wallet_locked(user)
    if InventoryItem.objects.filter(user=user, cosmetic=cosmetic).exists():
        return False
    return _inventory_insert(user=user, cosmetic=cosmetic, source=source[:32]) is not None


@transaction.atomic
def cosmetic_purchase(*, user, cosmetic_id, currency: str) -> InventoryItem:
    """Buy a cosmetic: debit, inventory row, owned_by_count + 1, ledger row and the
    ``player.cosmetic_purchased`` event, all in one transaction or none of it."""
    if currency not in Currency.values:
        raise ValidationFailed(
            details={"currency": [f"Must be one of: {', '.join(Currency.values)}."]}
        )
    _wallet_locked(user)  # serialises this user's purchases
    cosmetic = Cosmetic.objects.filter(on_sale_q(), pk=cosmetic_id).first()
    if cosmetic is None:
        raise CosmeticNotFound()
    if InventoryItem.objects.filter(user=user, cosmetic=cosmetic).exists():
        raise CosmeticAlreadyOwned()
    price = cosmetic.price_coins if currency == Currency.COINS else cosmetic.price_premium
    if price is None:
        raise ValidationFailed(
            f"This cosmetic cannot be bought with {currency}.",
            details={"currency": [f"This cosmetic is not sold for {currency}."]},
        )
    if price > 0:
        wallet_change(
            user=user,
            currency=currency,
            amount=-price,
            reason=REASON_PURCHASE,
            reference=f"cosmetic:{cosmetic.slug}",
        )
    item = _inventory_insert(user=user, cosmetic=cosmetic, source=REASON_PURCHASE)
    if item is None:  # unreachable while the wallet lock is held; the constraint still guards
        raise CosmeticAlreadyOwned()
    events.publish(
        "player.cosmetic_purchased",
        {
            "user_id": str(user.pk),
            "cosmetic_id": str(cosmetic.pk),
            "cosmetic_type": cosmetic.type,
            "price_paid": price,
            "currency": currency,
        },
    )
    logger.info(
        "Purchase %s by %s for %s %s",
        cosmetic.slug,
        user.pk,
        price,
        currency,
        extra={"cosmetic_id": str(cosmetic.pk), "user_id": str(user.pk)},
    )
    item.cosmetic = cosmetic
    return item


def _loadout_locked(user) -> Loadout:
    loadout = Loadout.objects.select_for_update().filter(user=user).first()
    if loadout is not None:
        return loadout
    try:
        with transaction.atomic():
            Loadout.objects.create(user=user)
    except IntegrityError:
        pass
    return Loadout.objects.select_for_update().get(user=user)


@transaction.atomic
def loadout_equip(*, user, cosmetic_id) -> Loadout:
    """Put an owned cosmetic into its type's slot, replacing what was there."""
    loadout = _loadout_locked(user)
    item = (
        InventoryItem.objects.select_for_update()
        .select_related("cosmetic")
        .filter(user=user, cosmetic_id=cosmetic_id)
        .first()
    )
    if item is None:
        if not Cosmetic.objects.filter(pk=cosmetic_id).exists():
            raise CosmeticNotFound("No such cosmetic.")
        raise CosmeticNotOwned()
    field = SLOT_FIELDS[item.cosmetic.type]
    previous_id = getattr(loadout, f"{field}_id")
    if previous_id != item.cosmetic_id:
        if previous_id is not None:
            InventoryItem.objects.filter(user=user, cosmetic_id=previous_id).update(
                is_equipped=False
            )
        setattr(loadout, field, item.cosmetic)
        loadout.save()
    if not item.is_equipped:
        item.is_equipped = True
        item.save(update_fields=["is_equipped"])
    cache.invalidate_inventory(user.pk)
    return loadout


@transaction.atomic
def loadout_unequip(*, user, slot: str) -> Loadout:
    """Empty one slot (a cosmetic type). An unknown or already empty slot is a 400."""
    field = SLOT_FIELDS.get(slot)
    if field is None:
        raise ValidationFailed(
            f"Unknown slot {slot!r}.",
            details={"slot": [f"Must be one of: {', '.join(SLOT_FIELDS)}."]},
        )
    loadout = _loadout_locked(user)
    previous_id = getattr(loadout, f"{field}_id")
    if previous_id is None:
        raise ValidationFailed(
            f"Nothing is equipped in the {slot} slot.",
            details={"slot": [f"Nothing is equipped in the {slot} slot."]},
        )
    InventoryItem.objects.filter(user=user, cosmetic_id=previous_id).update(is_equipped=False)
    setattr(loadout, field, None)
    loadout.save()
    cache.invalidate_inventory(user.pk)
    return loadout


def catalog_changed() -> None:
    """Catalog edits (admin, import): every cached shop page and inventory is stale after
    commit."""
    cache.invalidate_catalog()


@transaction.atomic
def cosmetics_set_active(*, queryset, is_active: bool) -> int:
    """Bulk (de)activate catalog items; returns how many changed."""
    changed = queryset.exclude(is_active=is_active).update(is_active=is_active)
    catalog_changed()
    return changed
