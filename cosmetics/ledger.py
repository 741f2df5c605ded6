"""The wallet's rules in one place, for one player and for many: what a balance change must be
(``change_checked``, used by ``cosmetics.services.wallet_change``) and the batch credits and
grants a season's end makes for thousands of players per transaction.

Batch rules are the single-player ones: every credit writes its ledger row and moves the balance
in the same statement (so in the same transaction), reasons are checked the same way, an owned
cosmetic is never granted twice (the inventory's unique constraint), and the lock order is the
services' one — the users' wallet rows first (here all of them, in user id order), then the
cosmetic rows. Batches only credit: a debit needs the funds check of ``wallet_change``.

On a database other than PostgreSQL (the SQLite default of ``make run``) the batch functions
call the single-player services one row at a time.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ValidationFailed
from cosmetics import cache
from cosmetics.models import Cosmetic, Currency, InventoryItem, Wallet, WalletEntry


@dataclass(frozen=True)
class Credit:
    user_id: uuid.UUID
    currency: str
    amount: int
    reason: str
    reference: str = ""


@dataclass(frozen=True)
class Grant:
    user_id: uuid.UUID
    cosmetic_id: uuid.UUID
    source: str


def change_checked(*, currency: str, amount: int, reason: str) -> str:
    """Check one balance change (known currency, non-zero integer amount, a reason) and
    return the reason as stored; raises 400 VALIDATION_ERROR otherwise."""
    if currency not in Currency.values:
        raise ValidationFailed(
            f"Unknown currency {currency!r}.",
            details={"currency": [f"Must be one of: {', '.join(Currency.values)}."]},
        )
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise ValidationFailed(
            "The amount must be a non-zero integer.",
            details={"amount": ["A non-zero integer is required."]},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "A reason is required.", details={"reason": ["This field is required."]}
        )
    return reason[:200]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def wallets_lock(user_ids) -> None:
    """Create the missing wallets of ``user_ids`` and lock them all, in user id order (the
    services' lock order: wallets before cosmetics), until the transaction ends."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    table = Wallet._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, coins, premium, created_at, updated_at) "  # noqa: S608
            "SELECT u, 0, 0, %s, %s FROM unnest(%s::uuid[]) AS u ON CONFLICT DO NOTHING",
            [now, now, ids],
        )
        cursor.execute(
            f"SELECT user_id FROM {table} WHERE user_id = ANY(%s::uuid[]) "  # noqa: S608
            "ORDER BY user_id FOR UPDATE",
            [ids],
        )


@transaction.atomic
def wallet_credit_many(credits: Sequence[Credit]) -> int:
    """Credit every row of ``credits``: one ledger row each, balances moved in the same
    statement; a user's rows in the given order (their ``balance_after`` runs in that order).
    Returns the number of ledger rows written."""
    if not credits:
        return 0
    reasons = []
    for credit in credits:
        reason = change_checked(
            currency=credit.currency, amount=credit.amount, reason=credit.reason
        )
        if credit.amount < 0:
            raise ValidationFailed(
                "A batch only credits.", details={"amount": ["Must be positive."]}
            )
        reasons.append(reason)
    if not _postgres():
        from cosmetics.services import wallet_change

        for credit, reason in zip(credits, reasons, strict=True):
            wallet_change(
                user=get_user_model()(pk=credit.user_id),
                currency=credit.currency,
                amount=credit.amount,
                reason=reason,
                reference=credit.reference,
            )
        return len(credits)
    wallets_lock(c.user_id for c in credits)
    wallet, entry = Wallet._meta.db_table, WalletEntry._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH c AS (
                SELECT * FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::text[], %s::text[])
                WITH ORDINALITY AS c(user_id, currency, amount, reason, reference, ord)
            ), t AS (
                SELECT user_id,
                       COALESCE(SUM(amount) FILTER (WHERE currency = 'coins'), 0) AS coins,
                       COALESCE(SUM(amount) FILTER (WHERE currency = 'premium'), 0) AS premium
                FROM c GROUP BY user_id
            ), w AS (
                UPDATE {wallet} w SET coins = w.coins + t.coins, premium = w.premium + t.premium,
                                      updated_at = %s
                FROM t WHERE w.user_id = t.user_id
                RETURNING w.user_id, w.coins, w.premium
            )
            INSERT INTO {entry} (id, wallet_id, currency, amount, balance_after, reason,
                                 reference, created_at)
            SELECT gen_random_uuid(), c.user_id, c.currency, c.amount,
                   CASE c.currency WHEN 'coins' THEN w.coins ELSE w.premium END + c.amount
                   - SUM(c.amount) OVER (PARTITION BY c.user_id, c.currency ORDER BY c.ord DESC),
                   c.reason, c.reference, %s
            FROM c JOIN w ON w.user_id = c.user_id
            """,  # noqa: S608 - our table names
            [
                [c.user_id for c in credits],
                [c.currency for c in credits],
                [c.amount for c in credits],
                reasons,
                [(c.reference or "")[:200] for c in credits],
                now,
                now,
            ],
        )
        written = cursor.rowcount
    if written != len(credits):  # a wallet vanished under the lock: never commit half
        raise RuntimeError(f"{len(credits)} credits, {written} ledger rows written.")
    return written


@transaction.atomic
def inventory_grant_many(grants: Sequence[Grant]) -> list[bool]:
    """Give each cosmetic of ``grants`` without charging, as ``inventory_grant`` does for one:
    per grant True when it went into the inventory, False when the user owned it already (or
    an earlier grant of this batch gave it), in the given order."""
    if not grants:
        return []
    if not _postgres():
        from cosmetics.services import inventory_grant

        cosmetics = Cosmetic.objects.in_bulk({g.cosmetic_id for g in grants})
        return [
            inventory_grant(
                user=get_user_model()(pk=g.user_id),
                cosmetic=cosmetics[g.cosmetic_id],
                source=g.source,
            )
            for g in grants
        ]
    wallets_lock(g.user_id for g in grants)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {InventoryItem._meta.db_table} "  # noqa: S608 - our table name
            "(id, user_id, cosmetic_id, acquired_date, is_equipped, source) "
            "SELECT gen_random_uuid(), g.u, g.c, %s, false, g.s "
            "FROM unnest(%s::uuid[], %s::uuid[], %s::text[]) AS g(u, c, s) "
            "ON CONFLICT (user_id, cosmetic_id) DO NOTHING RETURNING user_id, cosmetic_id",
            [
                now,
                [g.user_id for g in grants],
                [g.cosmetic_id for g in grants],
                [g.source[:32] for g in grants],
            ],
        )
        inserted = {(row[0], row[1]) for row in cursor.fetchall()}
    result = []
    for g in grants:
        key = (g.user_id, g.cosmetic_id)
        result.append(key in inserted)
        inserted.discard(key)  # a second grant of the same item in this batch: owned
    counts = Counter(g.cosmetic_id for g, given in zip(grants, result, strict=True) if given)
    for cosmetic_id in sorted(counts):
        Cosmetic.objects.filter(pk=cosmetic_id).update(
            owned_by_count=F("owned_by_count") + counts[cosmetic_id]
        )
    if counts:
        cache.invalidate_inventories(
            {g.user_id for g, given in zip(grants, result, strict=True) if given}
        )
        cache.invalidate_shop()
    return result
