"""Insert many plain rows fast: COPY on PostgreSQL, one executemany on SQLite.

For the few writes where Django's bulk_create costs more than the database (imports of tens of thousands
of rows): the caller validates first and passes database-ready values in column order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # psycopg 3: COPY … FROM STDIN, rows adapted by the driver (dates, booleans, JSON text for jsonb).
            with cur.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})", rows)


def reserve_ids(table: str, count: int) -> list[int]:
    """`count` new primary keys of `table`, for rows inserted by `insert_rows` that others must point to (bulk_create
    would return them, at the price of RETURNING on every statement). PostgreSQL: drawn from the table's sequence.
    SQLite: after the current maximum — the caller's transaction must already hold the write lock (have written),
    so that no other writer can take the same numbers."""
    if count <= 0:
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")
        start = int(cur.fetchone()[0]) + 1
        # AUTOINCREMENT tables also remember the highest id ever used (deleted rows keep theirs).
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        if row is not None:
            start = max(start, int(row[0]) + 1)
        return list(range(start, start + count))
