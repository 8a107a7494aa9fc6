"""Database helpers the ORM does not offer in one statement."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction


def insert_once(row: models.Model, *, fields: Sequence[str], unique: Sequence[str]) -> bool:
    """Insert ``row`` unless a row with the same ``unique`` columns exists; True when it was inserted.

    One ``INSERT … ON CONFLICT (…) DO NOTHING RETURNING id`` (PostgreSQL, and SQLite ≥ 3.35), where
    ``get_or_create`` costs a SELECT, a savepoint and an INSERT, and ``create`` an IntegrityError to
    catch. It is for the hot paths that keep a provider's events once (webhooks, inbound messages): a
    repeat is told apart without an error, so a surrounding transaction is not spoiled. ``fields`` are
    the model's field names to write (``auto_now_add`` ones are filled as the ORM would); ``unique``
    must be the fields of a unique constraint. On insert ``row`` gets its primary key and is saved.
    """
    meta = row._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    columns, values = [], []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(quote(field.column))
        values.append(field.get_db_prep_save(field.pre_save(row, add=True), connection))
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)  # type: ignore[union-attr]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608  (names from the model)
        f"VALUES ({', '.join(['%s'] * len(values))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True
