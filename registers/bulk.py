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
