"""Marks in bulk, by COPY: the demo's terms of history and imported files.

COPY, not the ORM: a term is ~45,000 marks and their history, a school's
year ~150,000. The ids are taken from the sequence first, so the history
rows can name their marks in the same COPY pass; the database's check at
commit (migration 0008) still holds every mark to its history.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import Mark


def reserve_mark_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Mark._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> None:
    table = model._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def update_marks(marks: list[Mark], fields: list[str]) -> None:
    """Write `fields` of many marks in one UPDATE ... FROM (VALUES ...),
    each mark found by its id and date, so that only its year's partition
    is searched. Django's bulk_update builds a CASE for every field and mark
    (a register's worth of Python) and finds rows by id alone (every year's
    partition). The triggers see one statement, as with bulk_update."""
    if not marks:
        return
    columns = [Mark._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * (len(columns) + 2)) + ")"
    names = ", ".join(quote(c.column) for c in columns)
    sets = ", ".join(
        f"{quote(c.column)} = v.{quote(c.column)}::{c.db_type(connection)}" for c in columns
    )
    params = []
    for mark in marks:
        params += [mark.pk, mark.date]
        params += [c.get_db_prep_save(getattr(mark, c.attname), connection) for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Mark._meta.db_table} AS m SET {sets}"
            f" FROM (VALUES {', '.join([row] * len(marks))}) AS v(id, date, {names})"
            " WHERE m.id = v.id::bigint AND m.date = v.date::date",
            params,
        )
