"""`under`: the jurisdiction lookup — `unit_path__under="12/106/"` is "the path starts with 12/106/".

One indexed condition on both databases: a half-open range on SQLite (whose LIKE is case-insensitive
and so cannot use an ordinary index), `LIKE 'prefix%'` on PostgreSQL (served by the varchar_pattern_ops
index Django creates for indexed CharFields).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup

# The largest code point: every string that starts with `p` sorts below `p + _TOP` in binary order.
_TOP = "\U0010ffff"


class Under(Lookup):
    lookup_name = "under"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, prefix + _TOP]


class Prefix(Under):
    """The same range/LIKE condition, named for search keys rather than paths."""

    lookup_name = "prefix"


models.CharField.register_lookup(Under)
models.CharField.register_lookup(Prefix)
