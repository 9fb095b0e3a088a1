"""Background task of the epidemic levels: the weekly assessment of every unit (thin; a second run for the same
week updates the same rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task


@task()
def levels_assess_task(week_end: str | None = None) -> dict[str, Any]:
    """Assess every province, district and commune for the week ending `week_end` (ISO date; default: the last
    closed reporting day)."""
    from chihuy.reports.assess import last_completed_day, levels_assess_all

    day = dt.date.fromisoformat(week_end) if week_end else last_completed_day()
    run = levels_assess_all(week_end=day)
    return {"week_end": day.isoformat(), "rule_set": run.rule_set, "units": run.units, "changed": run.changed}
