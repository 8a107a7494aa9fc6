"""PostgreSQL only: a stored ``tsvector`` beside each folded text, with a GIN index, for ``__fts``
lookups (the vector is computed once on write, not for every row a search looks at). Other databases
skip this and search with a substring match."""

from typing import Any

from django.db import migrations

TABLES = ("inbox_entry", "inbox_petition")


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN text_folded_tsv tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple', text_folded)) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {table}_fts ON {table} USING gin (text_folded_tsv)")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_fts")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS text_folded_tsv")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
