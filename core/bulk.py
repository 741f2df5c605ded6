"""Bulk SQL for handlers applying a batch: many new rows in one ``INSERT … ON CONFLICT DO
NOTHING … RETURNING``, many changed rows in one ``UPDATE … FROM (VALUES …)``.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows went in, and
``bulk_update`` builds a CASE per field and row (more Python than the change itself); these
two statements do neither. Both run on PostgreSQL and on the embedded default (SQLite, where
the update falls back to ``bulk_update``).
"""

from django.db import connection


def rows_insert_ignoring_conflicts(objs: list, returning: list[str]) -> list[tuple]:
    """Insert new model instances (one model) in one statement, skipping those a unique
    constraint already holds (a concurrent insert of the same key is waited for, as with a plain
    INSERT). Returns ``returning``'s columns (field names) of the rows that went in, as
    Python values."""
    if not objs:
        return []
    meta, ops = objs[0]._meta, connection.ops
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f is pk and f.db_returning)]
    back = [meta.get_field(name) for name in returning]
    rows, params = [], []
    row = f"({', '.join(['%s'] * len(fields))})"
    for obj in objs:
        rows.append(row)
        params += [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ops.quote_name(meta.db_table)} "  # noqa: S608
            f"({', '.join(ops.quote_name(f.column) for f in fields)}) VALUES {', '.join(rows)} "
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(ops.quote_name(f.column) for f in back)}",
            params,
        )
        fetched = cursor.fetchall()
    converters = [_converter(f) for f in back]
    return [tuple(c(v) for c, v in zip(converters, r, strict=True)) for r in fetched]


def _converter(field):
    internal = field.get_internal_type()
    if internal == "UUIDField" or (
        field.is_relation and field.target_field.get_internal_type() == "UUIDField"
    ):
        import uuid

        return lambda v: v if v is None or isinstance(v, uuid.UUID) else uuid.UUID(str(v))
    return lambda v: v


def rows_update(objs: list, fields: list[str]) -> None:
    """Write ``fields`` of existing model instances (one model, looked up by primary key) in
    one ``UPDATE … FROM (VALUES …)``."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields)
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    casts = f"({', '.join(f'%s::{f.db_type(connection)}' for f in columns)})"
    rows, params = [], []
    for obj in objs:
        rows.append(casts)
        params.append(meta.pk.get_db_prep_value(obj.pk, connection))
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns[1:]]
    names = [quote(f.column) for f in columns]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608
            + ", ".join(f"{n} = v.{n}" for n in names[1:])
            + f" FROM (VALUES {', '.join(rows)}) AS v ({', '.join(names)})"
            + f" WHERE {table}.{names[0]} = v.{names[0]}",
            params,
        )
