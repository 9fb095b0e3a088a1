"""Daily facts: what the services wrote, bucketed by reporting day into every unit up the tree; the incremental
refresh, the full rebuild and a fresh recount from the raw rows always agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases import services as cases
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.labs.services.samples import sample_take
from chihuy.places.enums import AgeBand
from chihuy.reports import facts
from chihuy.reports.models import Fact
from chihuy.vaccination.models import Dose, Vaccine
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
D = dt.date


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2021, 11, day, hour, minute, tzinfo=VN)


@pytest.fixture
def scene(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> dict[str, Any]:
    """Three F0 in Bản Giang (one detected after 16:00, so counted the next day; one of unknown source), one
    imported in Bình Lư, one in Mường So (another district); two doses; one RT-PCR tube."""
    officer = make_user(Role.HEALTH_OFFICER, LAI_CHAU)
    with time_machine.travel(at(12, 18), tick=False):
        people = [make_person(unit_path=path) for path in (BAN_GIANG, BAN_GIANG, BAN_GIANG, BINH_LU, MUONG_SO)]

        def report(person: Any, when: dt.datetime, way: str = DetectionWay.COMMUNITY, known: bool = True) -> Any:
            return cases.case_report(
                actor=officer,
                person=person,
                detection_way=way,
                detected_at=when,
                sample_date=when.date(),
                source_known=known,
            )

        first = report(people[0], at(10, 9), known=False)
        report(people[1], at(10, 17))  # after 16:00: the 11th's bulletin
        report(people[2], at(11, 8), DetectionWay.QUARANTINE)
        report(people[3], at(11, 8), DetectionWay.IMPORTED)
        report(people[4], at(11, 10))
        sample_take(actor=officer, code="LC-0001", person_ids=[people[2].pk], collected_at=at(11, 7))
        az = Vaccine.objects.get(code="AZ")
        for person, number in ((people[0], 1), (people[3], 2)):
            Dose.objects.create(
                person=person,
                unit_path=person.unit_path,
                dose_number=number,
                vaccine=az,
                given_on=D(2021, 11, 1),
                age_band=AgeBand.A50_64,
                completes_primary=number == 2,
            )
    return {"officer": officer, "first": first, "people": people}


def stored(path: str) -> dict[tuple[dt.date, str], int]:
    return {(f.day, f.metric): f.value for f in Fact.objects.filter(unit=unit(path))}


def test_a_rebuild_buckets_by_reporting_day_and_rolls_up_the_tree(scene: dict[str, Any]) -> None:
    facts.facts_rebuild()

    assert stored(BAN_GIANG) == {
        (D(2021, 11, 10), "f0_community"): 1,
        (D(2021, 11, 10), "f0_unknown_source"): 1,
        (D(2021, 11, 11), "f0_community"): 1,
        (D(2021, 11, 11), "f0_quarantine"): 1,
        (D(2021, 11, 11), "tests_pcr"): 1,
        (D(2021, 11, 11), "tests_pending"): 1,
        (D(2021, 11, 1), "dose_1"): 1,
        (D(2021, 11, 1), "first_50_64"): 1,
    }
    district = stored(TAM_DUONG)
    assert district[(D(2021, 11, 11), "f0_community")] == 1  # Mường So is in another district
    assert district[(D(2021, 11, 11), "f0_imported")] == 1
    assert district[(D(2021, 11, 1), "full_50_64")] == 1
    assert stored(LAI_CHAU)[(D(2021, 11, 11), "f0_community")] == 2
    for path in (BAN_GIANG, BINH_LU, TAM_DUONG, MUONG_SO, LAI_CHAU):
        assert stored(path) == facts.facts_recount(unit=unit(path)), path


def test_the_incremental_refresh_follows_changes_and_equals_a_recount(scene: dict[str, Any]) -> None:
    with time_machine.travel(at(12, 20), tick=False):
        facts.facts_refresh()  # the first run is a rebuild
    with time_machine.travel(at(13, 9), tick=False):
        cases.case_transition(actor=scene["officer"], case=scene["first"], to=CaseStatus.RECOVERED, reason="Khỏi")
        person = scene["people"][4]
        Dose.objects.create(
            person=person,
            unit_path=person.unit_path,
            dose_number=1,
            vaccine=Vaccine.objects.get(code="PFIZER"),
            given_on=D(2021, 11, 12),
            age_band=AgeBand.A18_49,
        )
        result = facts.facts_refresh()

    # Bản Giang and Mường So changed: they, Tam Đường, Phong Thổ and the province are recomputed, nothing else.
    assert result.units == 5
    assert stored(BAN_GIANG)[(D(2021, 11, 13), "f0_recovered")] == 1
    assert stored(LAI_CHAU)[(D(2021, 11, 12), "first_18_49")] == 1
    for path in (BAN_GIANG, BINH_LU, TAM_DUONG, MUONG_SO, LAI_CHAU):
        assert stored(path) == facts.facts_recount(unit=unit(path)), path
    with time_machine.travel(at(13, 9, 2), tick=False):
        again = facts.facts_refresh()  # the same rows, read again inside the overlap: nothing to write
    assert (again.units, again.rows) == (5, 0)


def test_cumulative_reads_the_total_minus_the_later_days(scene: dict[str, Any]) -> None:
    facts.facts_rebuild()
    province = unit(LAI_CHAU).pk
    new = facts.NEW_F0

    assert sum(facts.facts_cumulative(unit_ids=[province], metrics=new)[province].values()) == 5
    assert sum(facts.facts_cumulative(unit_ids=[province], metrics=new, on=D(2021, 11, 10))[province].values()) == 1
    week = facts.facts_sum(unit_ids=[province], metrics=new, first=D(2021, 11, 5), last=D(2021, 11, 11))
    assert sum(week[province].values()) == 5


def test_coverage_counts_people_against_the_population_of_the_subtree(scene: dict[str, Any]) -> None:
    from chihuy.places.models import Population
    from chihuy.reports.coverage import coverage_of

    facts.facts_rebuild()
    Population.objects.create(
        unit=unit(BAN_GIANG), unit_path=BAN_GIANG, year=2019, age_band=AgeBand.A50_64, count=40, is_estimate=True
    )
    Population.objects.create(
        unit=unit(BINH_LU), unit_path=BINH_LU, year=2019, age_band=AgeBand.A50_64, count=10, is_estimate=True
    )
    district, commune = unit(TAM_DUONG), unit(BAN_GIANG)

    result = coverage_of([district, commune])

    assert (result[district.pk].denominator("50+"), result[district.pk].people("first", "50+")) == (50, 1)
    assert result[district.pk].pct("full", "50+") == 2.0
    assert result[commune.pk].pct("first", "50+") == 2.5
    assert result[commune.pk].pct("first", "18+") == 2.5  # the other bands have no people: 40 in all
    assert result[district.pk].problems == []
    assert coverage_of([unit(MUONG_SO)])[unit(MUONG_SO).pk].problems == ["Chưa có số dân (mẫu số) của đơn vị."]


def test_rows_registered_at_a_district_itself_count_in_it_and_above(scene: dict[str, Any]) -> None:
    """A tube taken by a district team carries the district's path; a dose row is used here the same way."""
    with time_machine.travel(at(12, 20), tick=False):
        facts.facts_refresh()
    with time_machine.travel(at(13, 9), tick=False):
        Dose.objects.create(
            person=scene["people"][1],
            unit_path=TAM_DUONG,
            dose_number=1,
            vaccine=Vaccine.objects.get(code="AZ"),
            given_on=D(2021, 11, 12),
            age_band=AgeBand.A65,
        )
        result = facts.facts_refresh()

    assert result.units == 2  # Tam Đường and the province; no commune
    assert stored(TAM_DUONG)[(D(2021, 11, 12), "first_65p")] == 1
    for path in (TAM_DUONG, LAI_CHAU, BAN_GIANG):
        assert stored(path) == facts.facts_recount(unit=unit(path)), path
