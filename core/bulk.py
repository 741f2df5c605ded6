"""Bulk SQL for handlers applying a batch: many new rows in one ``INSERT … ON CONFLICT DO
NOTHING … RETURNING``, many changed rows in one ``UPDATE … FROM unnest(…)``.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows went in, and
``bulk_update`` builds a CASE per field and row (more Python than the change itself). On
PostgreSQL both statements pass one array per column (``unnest``), so their text is short and
constant whatever the number of rows: the driver's parsing of every query parameter (most of the
cost of a 100-row ``VALUES`` list) is done once and cached. The embedded default (SQLite) gets a
``VALUES`` list and ``bulk_update``.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def rows_insert_ignoring_conflicts(objs: list, returning: list[str]) -> list[tuple]:
    """Insert new model instances (one model) in one statement, skipping those a unique
    constraint already holds (a concurrent insert of the same key is waited for, as with a plain
    INSERT). Returns ``returning``'s columns (field names) of the rows that went in, as
    Python values."""
    if not objs:
        return []
    connection = connections[DEFAULT_DB_ALIAS]  # once: the proxy costs a lookup per use
    meta, ops = objs[0]._meta, connection.ops
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f is pk and f.db_returning)]
    back = [meta.get_field(name) for name in returning]
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    values = [
        [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields] for obj in objs
    ]
    if connection.vendor == "postgresql":
        # one array per column: a short, constant statement whatever the number of rows
        source = f"SELECT * FROM unnest({', '.join(_array_casts(fields, connection))})"  # noqa: S608
        params = [list(column) for column in zip(*values, strict=True)]
    else:
        source = "VALUES " + ", ".join([f"({', '.join(['%s'] * len(fields))})"] * len(objs))
        params = [v for row in values for v in row]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) {source} "
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
    connection = connections[DEFAULT_DB_ALIAS]  # once: the proxy costs a lookup per use
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields)
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    params = [[meta.pk.get_db_prep_value(obj.pk, connection) for obj in objs]]
    params += [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs]
        for f in columns[1:]
    ]
    names = [quote(f.column) for f in columns]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608
            + ", ".join(f"{n} = v.{n}" for n in names[1:])
            + f" FROM unnest({', '.join(_array_casts(columns, connection))}) AS v ({', '.join(names)})"
            + f" WHERE {table}.{names[0]} = v.{names[0]}",
            params,
        )


def _array_casts(fields, connection) -> list[str]:
    return [f"%s::{f.db_type(connection)}[]" for f in fields]
