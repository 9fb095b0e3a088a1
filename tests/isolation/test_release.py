"""Release by the rules in force: not before the release date, not without a negative test for each test day (the
missing day named), then the post-release health monitoring (14 days under 5599, 7 under 10696, arrivals to 28 days
after entry); the negatives come from labs through response; monitorings close when they run out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from chihuy.core.errors import ApplicationError
from chihuy.isolation.enums import (
    Cohort,
    MonitoringReason,
    MonitoringStatus,
    StayKind,
    StayStatus,
)
from chihuy.isolation.enums import (
    TestTaskStatus as TaskStatus,
)
from chihuy.isolation.models import Facility, Monitoring, Stay, StayTest
from chihuy.isolation.services import release
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.response import isolation as response_isolation
from chihuy.response import labs as response_labs
from tests.isolation.fixtures import free_beds

pytestmark = pytest.mark.django_db

D = dt.date
ICT = dt.timezone(dt.timedelta(hours=7))


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ICT)


def neg(day: dt.date) -> release.Negative:
    return (moment(day, 8), "rt_pcr")


@pytest.fixture
def f1_stay(quarantine: Facility, admit_f1: Any, make_person: Any) -> Stay:
    person = make_person(full_name="Lò Văn An", sex="M", birth_year=1990, phone="0913000001")
    (stay,) = admit_f1(quarantine, "101", [person], D(2021, 11, 9))
    return stay


def test_release_before_the_date_is_refused_naming_it(f1_stay: Stay, manager: Any, pinned_clock: Any):
    pinned_clock.move_to(moment(D(2021, 11, 23)))
    negatives = [neg(D(2021, 11, 10)), neg(D(2021, 11, 16)), neg(D(2021, 11, 23))]
    with pytest.raises(ApplicationError) as exc:
        release.stay_release(actor=manager, stay=f1_stay, negatives=negatives)
    assert exc.value.code == "invalid_transition"
    assert "24/11/2021" in exc.value.message and "5599" in exc.value.message
    f1_stay.refresh_from_db()
    assert f1_stay.status == StayStatus.ACTIVE
    assert not Monitoring.objects.exists()


def test_a_missing_negative_is_refused_naming_the_day(f1_stay: Stay, manager: Any, pinned_clock: Any):
    pinned_clock.move_to(moment(D(2021, 11, 24)))
    # Day 1 and day 14 answered; the day-7 tube was never taken (a day-5 negative is before its due date).
    negatives = [neg(D(2021, 11, 10)), neg(D(2021, 11, 14)), neg(D(2021, 11, 23))]
    with pytest.raises(ApplicationError) as exc:
        release.stay_release(actor=manager, stay=f1_stay, negatives=negatives)
    assert exc.value.message == ("Chưa có kết quả âm tính cho xét nghiệm ngày thứ 7 (lấy mẫu từ 16/11/2021).")
    assert exc.value.details == [{"field": "tests", "message": exc.value.message}]
    f1_stay.refresh_from_db()
    assert f1_stay.status == StayStatus.ACTIVE and f1_stay.bed_id is not None


def test_one_negative_cannot_answer_two_days(f1_stay: Stay):
    readiness = release.release_readiness(f1_stay, [neg(D(2021, 11, 23))], D(2021, 11, 24))
    assert sorted(readiness.matched) == [14]
    assert readiness.missing == [(1, D(2021, 11, 10)), (7, D(2021, 11, 16))]


def test_release_creates_the_5599_monitoring_of_14_days(
    f1_stay: Stay, manager: Any, pinned_clock: Any, quarantine: Facility
):
    pinned_clock.move_to(moment(D(2021, 11, 25)))
    negatives = [neg(D(2021, 11, 10)), neg(D(2021, 11, 16)), neg(D(2021, 11, 23))]
    stay, monitoring = release.stay_release(actor=manager, stay=f1_stay, negatives=negatives)
    assert stay.status == StayStatus.RELEASED and stay.end_reason.startswith("Hoàn thành cách ly theo Công văn 5599")
    assert monitoring is not None
    assert (monitoring.reason, monitoring.starts_on, monitoring.ends_on) == (
        MonitoringReason.AFTER_QUARANTINE,
        D(2021, 11, 25),
        D(2021, 12, 8),
    )
    assert (monitoring.ends_on - monitoring.starts_on).days + 1 == 14
    assert monitoring.person_id == stay.person_id and monitoring.stay_id == stay.pk
    assert list(StayTest.objects.filter(stay=stay).values_list("day", "status")) == [
        (1, TaskStatus.NEGATIVE),
        (7, TaskStatus.NEGATIVE),
        (14, TaskStatus.NEGATIVE),
    ]
    quarantine.refresh_from_db()
    assert quarantine.beds_occupied == 0


def test_fully_vaccinated_under_10696_release_after_7_days_with_7_days_monitoring(
    quarantine: Facility, manager: Any, make_person: Any, pinned_clock: Any
):
    pinned_clock.move_to(moment(D(2021, 12, 20)))
    person = make_person(full_name="Tao Thị Bình", sex="F", birth_year=1992)
    (stay,) = stays_admit(
        actor=manager,
        kind=StayKind.FACILITY,
        facility=quarantine,
        admissions=[
            Admission(
                person=person,
                cohort=Cohort.F1,
                cohort_on=D(2021, 12, 19),
                bed=free_beds(quarantine, "102")[0],
                fully_vaccinated=True,
            )
        ],
    )
    pinned_clock.move_to(moment(D(2021, 12, 27)))
    stay, monitoring = release.stay_release(
        actor=manager, stay=stay, negatives=[neg(D(2021, 12, 20)), neg(D(2021, 12, 26))]
    )
    assert stay.status == StayStatus.RELEASED and "10696" in stay.end_reason
    assert monitoring is not None
    assert (monitoring.starts_on, monitoring.ends_on) == (D(2021, 12, 27), D(2022, 1, 2))


def test_arrivals_are_monitored_to_28_days_after_entry(
    quarantine: Facility, admit_f1: Any, manager: Any, make_person: Any, pinned_clock: Any
):
    person = make_person(full_name="Giàng A Sử", sex="M", birth_year=1988)
    (stay,) = admit_f1(quarantine, "103", [person], D(2021, 11, 10), cohort=Cohort.ARRIVAL)
    assert stay.monitoring_days == 14
    pinned_clock.move_to(moment(D(2021, 11, 24)))
    stay, monitoring = release.stay_release(
        actor=manager, stay=stay, negatives=[neg(D(2021, 11, 10)), neg(D(2021, 11, 16)), neg(D(2021, 11, 23))]
    )
    assert monitoring is not None and monitoring.reason == MonitoringReason.ARRIVAL
    # Day 1 of entry is 10/11: the 28th day is 07/12.
    assert monitoring.ends_on == D(2021, 12, 7) == stay.clock_start_on + dt.timedelta(days=27)


def test_release_needs_the_stay_permission(f1_stay: Stay, make_user: Any, pinned_clock: Any):
    from chihuy.accounts.roles import Role
    from tests.conftest import TAM_DUONG

    pinned_clock.move_to(moment(D(2021, 11, 25)))
    analyst = make_user(Role.ANALYST, TAM_DUONG)
    with pytest.raises(ApplicationError) as exc:
        release.stay_release(actor=analyst, stay=f1_stay, negatives=[])
    assert exc.value.code == "permission_denied"
    f1_stay.refresh_from_db()
    assert f1_stay.status == StayStatus.ACTIVE


def test_lab_negatives_mark_the_test_days_and_release_through_response(
    f1_stay: Stay, manager: Any, officer: Any, technician: Any, ship_and_receive: Any, pinned_clock: Any
):
    for n, day in enumerate((D(2021, 11, 10), D(2021, 11, 16), D(2021, 11, 23))):
        pinned_clock.move_to(moment(day, 8))
        code = f"CL-{n}"
        lab_services.sample_take(actor=officer, code=code, person_ids=[f1_stay.person_id])
        ship_and_receive([code])
        pinned_clock.move_to(moment(day, 20))
        response_labs.result_record(actor=technician, sample=Sample.objects.get(code=code), result=Result.NEGATIVE)
        marked = dict(StayTest.objects.filter(stay=f1_stay).values_list("day", "status"))
        assert marked[[1, 7, 14][n]] == TaskStatus.NEGATIVE
    assert set(StayTest.objects.filter(stay=f1_stay).values_list("status", flat=True)) == {TaskStatus.NEGATIVE}

    pinned_clock.move_to(moment(D(2021, 11, 24), 10))
    assert response_isolation.stay_readiness(stay=f1_stay).ready
    stay, monitoring = response_isolation.stay_release(actor=manager, stay=f1_stay)
    assert stay.status == StayStatus.RELEASED
    assert monitoring is not None and monitoring.ends_on == D(2021, 12, 7)


def test_monitorings_close_after_their_last_day(f1_stay: Stay, manager: Any, pinned_clock: Any):
    pinned_clock.move_to(moment(D(2021, 11, 24)))
    _stay, monitoring = release.stay_release(
        actor=manager, stay=f1_stay, negatives=[neg(D(2021, 11, 10)), neg(D(2021, 11, 16)), neg(D(2021, 11, 23))]
    )
    assert monitoring is not None
    assert release.monitoring_end(on=D(2021, 12, 7)) == 0
    assert release.monitoring_end(on=D(2021, 12, 8)) == 1
    assert release.monitoring_end(on=D(2021, 12, 8)) == 0
    monitoring.refresh_from_db()
    assert monitoring.status == MonitoringStatus.DONE
    assert timezone.is_aware(monitoring.updated_at)
