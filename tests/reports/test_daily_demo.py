"""The daily-report demo: five days of Tam Đường communes' reports through the real services, the 12/11 queue
showing every state, Bản Giang's reconciliation difference on 10/11; twice is once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.accounts.models import User
from chihuy.places.models import Unit
from chihuy.reports import daily, facts
from chihuy.reports.models import DailyReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    from chihuy.web.management import demo_data
    from chihuy.web.management.demo_reports import seed_reports

    demo_data.build(people_per_commune_in_district=1, people_in_ban_giang=120)
    facts.facts_rebuild()
    return seed_reports()


def test_the_demo_reports(demo: dict[str, Any]) -> None:
    assert demo["reports_created"] == DailyReport.objects.filter(is_demo=True).count() == 15
    commander = User.objects.get(username="huyen_chihuy")
    district = Unit.objects.get(path="12/106/")
    rows = daily.report_queue(actor=commander, unit=district, day=dt.date(2021, 11, 12))
    states = {r.unit.path: r.state for r in rows}
    assert states["12/106/03418/"] == "submitted" and states["12/106/03412/"] == "approved"
    assert sorted(set(states.values())) == ["approved", "missing", "returned", "submitted"]
    late = daily.reports_missing(actor=commander, unit=district, day=dt.date(2021, 11, 11)).late
    assert len(late) == 1 and late[0].state == "approved"
    ban_giang = Unit.objects.get(path="12/106/03418/")
    view = daily.report_view(actor=commander, unit=ban_giang, day=dt.date(2021, 11, 10))
    assert [(r["key"], r["difference"]) for r in view.reconciliation] == [("f0_new", 1)]
    assert view.report.submitted_at == dt.datetime(2021, 11, 10, 9, 35, tzinfo=dt.UTC)  # 16:35 in Vietnam


def test_a_second_run_adds_nothing(demo: dict[str, Any]) -> None:
    from chihuy.web.management.demo_reports import seed_reports

    assert seed_reports() == {"reports_created": 0}
    assert DailyReport.objects.count() == 15
