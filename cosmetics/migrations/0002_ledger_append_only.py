"""Ledger rows are insert-only in the database itself: a trigger refuses UPDATE and DELETE."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION cosmetics_walletentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cosmetics_walletentry is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cosmetics_walletentry_append_only
    BEFORE UPDATE OR DELETE ON cosmetics_walletentry
    FOR EACH ROW EXECUTE FUNCTION cosmetics_walletentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS cosmetics_walletentry_append_only ON cosmetics_walletentry;
DROP FUNCTION IF EXISTS cosmetics_walletentry_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER cosmetics_walletentry_no_update BEFORE UPDATE ON cosmetics_walletentry
    BEGIN SELECT RAISE(ABORT, 'cosmetics_walletentry is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER cosmetics_walletentry_no_delete BEFORE DELETE ON cosmetics_walletentry
    BEGIN SELECT RAISE(ABORT, 'cosmetics_walletentry is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS cosmetics_walletentry_no_update;",
    "DROP TRIGGER IF EXISTS cosmetics_walletentry_no_delete;",
]


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    statements = [postgres] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no %-interpolation (plpgsql uses %)


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cosmetics", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
