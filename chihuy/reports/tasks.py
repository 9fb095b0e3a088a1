"""Background tasks of reports: thin and idempotent (a second run finds nothing changed and writes nothing)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def facts_refresh_task(rebuild: bool = False) -> dict[str, Any]:
    """Bring the daily facts up to date (incremental; `rebuild` recomputes everything); returns what it did."""
    from chihuy.reports.facts import facts_rebuild, facts_refresh

    result = facts_rebuild() if rebuild else facts_refresh()
    return {"units": result.units, "rows": result.rows, "full": result.full}
