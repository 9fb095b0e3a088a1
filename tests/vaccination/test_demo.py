"""The demo's doses: through dose_record (demo-marked), a realistic Nov 2021 picture (most adults with one dose,
many with two, some ≥ 50 in Bản Giang still unvaccinated: the priority list is not empty), two targets; a second
run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.people.models import Person
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.models import CampaignTarget, Dose
from chihuy.vaccination.selectors import priority_qs
from tests.conftest import BAN_GIANG

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> None:
    from chihuy.web.management import demo_data

    demo_data.build(people_per_commune_in_district=3, people_in_ban_giang=60)


def test_demo_doses(demo: None, vaccinator: Any) -> None:
    from chihuy.web.management.demo_vaccination import seed_vaccination

    result = seed_vaccination()
    doses = Dose.objects.all()
    assert result == {"doses_created": doses.count(), "targets_created": 2}
    assert doses.count() > 0
    assert not doses.exclude(is_demo=True).exists() and not doses.exclude(source=DoseSource.DEMO).exists()
    adults = [p for p in Person.objects.filter(is_demo=True) if (p.age(dt.date(2021, 11, 9)) or 0) >= 18]
    first = {d.person_id for d in doses if d.dose_number == 1}
    full = {d.person_id for d in doses if d.completes_primary}
    assert 0.6 < len([p for p in adults if p.pk in first]) / len(adults) < 0.95
    assert 0.2 < len(full) / len(first) < 0.7
    ban_giang = {p.full_name: p for p in Person.objects.filter(unit_path__under=BAN_GIANG)}
    assert Dose.objects.filter(person=ban_giang["Nguyễn Văn An"]).count() == 2
    assert not Dose.objects.filter(person=ban_giang["Giàng A Páo"]).exists()
    waiting = list(priority_qs(vaccinator, within=BAN_GIANG))
    assert ban_giang["Giàng A Páo"] in waiting and len(waiting) >= 2
    assert CampaignTarget.objects.count() == 2
    assert seed_vaccination() == {"doses_created": 0, "targets_created": 0}
    assert Dose.objects.count() == doses.count()
