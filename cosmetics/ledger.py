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


STAGE = "cosmetics_ledger_stage"


def _stage_create(cursor) -> None:
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (ord bigserial, user_id uuid NOT NULL, "
        "currency text NOT NULL, amount bigint NOT NULL, reason text NOT NULL, "
        "reference text NOT NULL DEFAULT '') ON COMMIT DELETE ROWS"
    )


def stage_table() -> str:
    """PostgreSQL: the name of this session's staging table of credits, for a caller that makes
    its credits with its own ``INSERT INTO <table> (user_id, currency, amount, reason,
    reference) SELECT …`` (set-based, nothing through Python). Staged rows are credited, in
    insertion order, by the next ``wallet_credit_many`` of the same transaction (a commit or
    rollback empties the table)."""
    with connection.cursor() as cursor:
        _stage_create(cursor)
    return STAGE


def wallets_lock(user_ids=(), *, staged: bool = False) -> None:
    """Create the missing wallets of ``user_ids`` (and, with ``staged``, of the staged credits)
    and lock them all, in user id order (the services' lock order: wallets before cosmetics),
    until the transaction ends."""
    ids = sorted(set(user_ids))
    if not _postgres() or (not ids and not staged):
        return  # elsewhere each single-player service locks its wallet
    table = Wallet._meta.db_table
    staged_users = f" UNION SELECT user_id FROM {STAGE}" if staged else ""  # noqa: S608
    users = "SELECT unnest(%s::uuid[]) AS user_id" + staged_users
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, coins, premium, created_at, updated_at) "  # noqa: S608
            f"SELECT user_id, 0, 0, %s, %s FROM ({users}) u ON CONFLICT DO NOTHING",
            [now, now, _uuid_array(ids)],
        )
        cursor.execute(
            f"SELECT user_id FROM {table} WHERE user_id IN ({users}) "  # noqa: S608
            "ORDER BY user_id FOR UPDATE",
            [_uuid_array(ids)],
        )


def _uuid_array(ids) -> str:
    """A uuid[] literal: one parameter however many ids (the client-side binding of Django's
    psycopg backend would quote a list element by element)."""
    return "{" + ",".join(str(i) for i in ids) + "}"


def _stage(cursor, credits: Sequence[Credit], reasons: list[str]) -> None:
    with cursor.cursor.copy(
        f"COPY {STAGE} (user_id, currency, amount, reason, reference) FROM STDIN"
    ) as copy:
        for credit, reason in zip(credits, reasons, strict=True):
            copy.write_row(
                (credit.user_id, credit.currency, credit.amount, reason, credit.reference or "")
            )


def _staged_problems(cursor) -> dict[str, list[str]]:
    cursor.execute(
        f"SELECT count(*) FILTER (WHERE currency NOT IN ('coins', 'premium')), "  # noqa: S608
        f"count(*) FILTER (WHERE amount <= 0), count(*) FILTER (WHERE btrim(reason) = '') "
        f"FROM {STAGE}"
    )
    currency, amount, reason = cursor.fetchone()
    problems = {}
    if currency:
        problems["currency"] = [f"Must be one of: {', '.join(Currency.values)}."]
    if amount:
        problems["amount"] = ["A batch only credits: amounts must be positive."]
    if reason:
        problems["reason"] = ["This field is required."]
    return problems


@transaction.atomic
def wallet_credit_many(credits: Sequence[Credit] = ()) -> int:
    """Credit every row of ``credits`` (and, on PostgreSQL, every row staged before in this
    transaction, see ``stage_table``): one ledger row each, balances moved in the same
    statement; a user's rows in order (their ``balance_after`` runs in that order). A bad row
    (the checks of ``wallet_change``; amounts positive) refuses the whole batch. Returns the
    number of ledger rows written."""
    reasons = []
    for credit in credits:
        reasons.append(
            change_checked(currency=credit.currency, amount=credit.amount, reason=credit.reason)
        )
        if credit.amount < 0:
            raise ValidationFailed(
                "A batch only credits.", details={"amount": ["Must be positive."]}
            )
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
    wallet, entry = Wallet._meta.db_table, WalletEntry._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        _stage_create(cursor)
        if credits:
            _stage(cursor, credits, reasons)
        problems = _staged_problems(cursor)
        if problems:
            cursor.execute(f"DELETE FROM {STAGE}")  # noqa: S608
            raise ValidationFailed("A credit of the batch is not valid.", details=problems)
        # One statement: missing wallets created, the others locked and moved (user id order,
        # the lock order of wallets_lock), the ledger rows written from the new balances.
        cursor.execute(
            f"""
            WITH w AS (
                INSERT INTO {wallet} AS w (user_id, coins, premium, created_at, updated_at)
                SELECT user_id,
                       COALESCE(SUM(amount) FILTER (WHERE currency = 'coins'), 0),
                       COALESCE(SUM(amount) FILTER (WHERE currency = 'premium'), 0), %s, %s
                FROM {STAGE} GROUP BY user_id ORDER BY user_id
                ON CONFLICT (user_id) DO UPDATE
                SET coins = w.coins + excluded.coins, premium = w.premium + excluded.premium,
                    updated_at = excluded.updated_at
                RETURNING w.user_id, w.coins, w.premium
            )
            INSERT INTO {entry} (id, wallet_id, currency, amount, balance_after, reason,
                                 reference, created_at)
            SELECT gen_random_uuid(), c.user_id, c.currency, c.amount,
                   CASE c.currency WHEN 'coins' THEN w.coins ELSE w.premium END + c.amount
                   - SUM(c.amount) OVER (PARTITION BY c.user_id, c.currency ORDER BY c.ord DESC),
                   left(btrim(c.reason), 200), left(c.reference, 200), %s
            FROM {STAGE} c JOIN w ON w.user_id = c.user_id
            """,  # noqa: S608 - our table names
            [now, now, now],
        )
        written = cursor.rowcount
        cursor.execute(f"SELECT count(*) FROM {STAGE}")  # noqa: S608
        staged = cursor.fetchone()[0]
        cursor.execute(f"DELETE FROM {STAGE}")  # noqa: S608
    if written != staged:  # a wallet vanished under the lock: never commit half
        raise RuntimeError(f"{staged} credits, {written} ledger rows written.")
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
                _uuid_array(g.user_id for g in grants),
                _uuid_array(g.cosmetic_id for g in grants),
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
