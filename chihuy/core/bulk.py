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
