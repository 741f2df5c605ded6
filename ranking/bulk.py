"""Bulk writes for the backfill: COPY on PostgreSQL, executemany elsewhere (SQLite default)."""

import uuid
from collections.abc import Iterable, Sequence

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if is_postgres():
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - our names
                [_plain(row) for row in rows],
            )


def update_from_rows(
    table: str,
    key: str,
    key_type: str,
    columns: Sequence[tuple[str, str]],
    rows: list[Sequence],
    extra: str = "",
) -> None:
    """``UPDATE table SET col = value … WHERE key = …`` for each row (key first, then columns).
    On PostgreSQL: COPY into a temporary table, then one UPDATE … FROM."""
    if not rows:
        return
    names = [c for c, _ in columns]
    with connection.cursor() as cursor:
        if is_postgres():
            tmp = f"tmp_{table}_backfill"
            defs = ", ".join([f"{key} {key_type}", *(f"{c} {t}" for c, t in columns)])
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {tmp} ({defs}) ON COMMIT DROP")
            cursor.execute(f"TRUNCATE {tmp}")
            copy_rows(tmp, [key, *names], rows)
            sets = ", ".join([*(f"{c} = t.{c}" for c in names), *([extra] if extra else [])])
            cursor.execute(
                f"UPDATE {table} AS m SET {sets} FROM {tmp} AS t WHERE m.{key} = t.{key}"  # noqa: S608
            )
        else:
            sets = ", ".join([*(f"{c} = %s" for c in names), *([extra] if extra else [])])
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {key} = %s",  # noqa: S608 - our names
                [_plain((*row[1:], row[0])) for row in rows],
            )


def _plain(row: Sequence) -> tuple:
    """SQLite stores UUIDs as 32 hex digits."""
    return tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row)
