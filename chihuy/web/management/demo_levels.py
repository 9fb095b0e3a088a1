"""Demo of the epidemic levels (issue 8): the weekly assessment of every unit of Lai Châu for the weeks of the Bản
Giang outbreak (weeks ending on the Sundays 31/10 … 28/11/2021, 4800/QĐ-BYT in force), from the facts the demo
built — so the map has colours and the unit pages a history. Run after the demo's facts are rebuilt. Running it
again adds nothing (and never touches a level a commander decided)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chihuy.reports.assess import levels_assess_all
from chihuy.reports.models import LevelAssessment

WEEK_ENDS = [dt.date(2021, 10, 31) + dt.timedelta(weeks=n) for n in range(5)]


def seed_levels() -> dict[str, Any]:
    if LevelAssessment.objects.filter(is_demo=True).exists():
        return {"assessments_created": 0, "weeks": 0}
    created = 0
    latest: dict[int, int] = {}
    for week_end in WEEK_ENDS:
        run = levels_assess_all(week_end=week_end, is_demo=True)
        created += run.created
        latest = dict(run.by_level)
    return {"assessments_created": created, "weeks": len(WEEK_ENDS), "latest_by_level": latest}
