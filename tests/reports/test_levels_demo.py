"""The levels demo: five weekly assessments of every Lai Châu unit from the demo's facts (4800 in force), Bản
Giang coloured by its outbreak; twice is once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.places.models import Unit
from chihuy.reports import facts
from chihuy.reports.facts import FACT_LEVELS
from chihuy.reports.models import LevelAssessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    from chihuy.web.management import demo_data
    from chihuy.web.management.demo_levels import seed_levels

    demo_data.build(people_per_commune_in_district=1, people_in_ban_giang=120)
    facts.facts_rebuild()
    return seed_levels()


def test_the_demo_levels(demo: dict[str, Any]) -> None:
    units = Unit.objects.filter(level__in=FACT_LEVELS, is_active=True).count()
    assert demo["assessments_created"] == LevelAssessment.objects.filter(is_demo=True).count() == 5 * units
    assert set(LevelAssessment.objects.values_list("rule_set", flat=True)) == {"4800"}
    weeks = dict(
        LevelAssessment.objects.filter(unit__path="12/106/03418/").values_list("week_end", "level").order_by("week_end")
    )
    # the three community cases of unknown source fall in the week to 7/11; later cases were found in quarantine
    assert weeks == {
        dt.date(2021, 10, 31): 1,
        dt.date(2021, 11, 7): 4,
        dt.date(2021, 11, 14): 1,
        dt.date(2021, 11, 21): 1,
        dt.date(2021, 11, 28): 1,
    }
    peak = LevelAssessment.objects.get(unit__path="12/106/03418/", week_end=dt.date(2021, 11, 7))
    assert peak.explanation.startswith("Cấp 4: 53,8 ca cộng đồng/100.000 dân/tuần (≥ 50)")
    after = LevelAssessment.objects.get(unit__path="12/106/03418/", week_end=dt.date(2021, 11, 14))
    assert after.previous_level == 4


def test_a_second_run_adds_nothing(demo: dict[str, Any]) -> None:
    from chihuy.web.management.demo_levels import seed_levels

    before = LevelAssessment.objects.count()
    assert seed_levels() == {"assessments_created": 0, "weeks": 0}
    assert LevelAssessment.objects.count() == before
