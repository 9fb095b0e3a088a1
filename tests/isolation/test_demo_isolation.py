"""The isolation demo: three facilities of Tam Đường through the real services, the outbreak's F1 admitted by the
proposer without mixing cohorts and their tracing step closed; twice is once."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.cases.enums import TraceStatus
from chihuy.cases.models import Classification
from chihuy.isolation.models import Facility, Stay

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    from chihuy.web.management import demo_data
    from chihuy.web.management.demo_isolation import seed_isolation

    demo_data.build(people_per_commune_in_district=1, people_in_ban_giang=120)
    return seed_isolation()


def test_the_demo_facilities_and_f1_stays(demo: dict[str, Any]) -> None:
    facilities = {f.name: f for f in Facility.objects.filter(is_demo=True)}
    assert demo["facilities_created"] == len(facilities) == 3
    quarantine = facilities["Khu cách ly tập trung Tam Đường (Trường PTDTNT huyện)"]
    assert [z.name for z in quarantine.zones.order_by("position")] == ["Nhà A", "Nhà B"]
    assert sorted((f.kind, f.tier) for f in facilities.values()) == [
        ("quarantine", None),
        ("treatment", 1),
        ("treatment", 2),
    ]
    stays = list(Stay.objects.filter(facility=quarantine).select_related("room"))
    assert demo["stays_created"] == len(stays) > 0
    assert all("5599" in s.rule_source and not s.flagged for s in stays)
    for room_id in {s.room_id for s in stays}:
        dates = sorted({s.cohort_on for s in stays if s.room_id == room_id})
        assert (dates[-1] - dates[0]).days <= 2
    quarantined = Classification.objects.filter(person_id__in=[s.person_id for s in stays])
    assert {c.trace_status for c in quarantined} == {TraceStatus.QUARANTINED}
    quarantine.refresh_from_db()
    assert quarantine.beds_occupied == len(stays) and quarantine.beds_total == 40 + 8 + 4 + 32


def test_a_second_run_adds_nothing(demo: dict[str, Any]) -> None:
    from chihuy.web.management.demo_isolation import seed_isolation

    before = Stay.objects.count()
    assert seed_isolation() == {"facilities_created": 0, "stays_created": 0}
    assert Stay.objects.count() == before
