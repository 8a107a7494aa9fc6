"""The audit log refuses UPDATE at the database level too, not only through the ORM."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditevent_no_update"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditevent_no_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
FOR EACH ROW EXECUTE FUNCTION core_auditevent_no_update()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_no_update()",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
