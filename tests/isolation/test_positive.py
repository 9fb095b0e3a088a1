"""A positive in quarantine (issue 6 §3): a lab result that makes an F1 an F0 ends their stay POSITIVE naming the
case, restarts every roommate's clock from that day with the reason (the household's at home), tells the roommates
by SMS and the commune and the facility's district at once; a positive pool alone changes no stay; the officer's
action needs an active case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.cases.models import Case
from chihuy.core.errors import ApplicationError
from chihuy.isolation.enums import Cohort, StayEventKind, StayKind, StayStatus
from chihuy.isolation.enums import TestTaskStatus as TaskStatus
from chihuy.isolation.models import Facility, HomeIsolation, Room, Stay, StayEvent, StayTest
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.notify.models import Delivery, Message
from chihuy.places.models import Unit
from chihuy.response import isolation as response_isolation
from chihuy.response import labs as response_labs
from tests.conftest import BAN_GIANG, TAM_DUONG

pytestmark = pytest.mark.django_db

D = dt.date
ICT = dt.timezone(dt.timedelta(hours=7))


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ICT)


@pytest.fixture
def residents(make_person: Any, village: Unit) -> list[Any]:
    """Men of Bản Giang village with phones (a plain room holds one sex)."""
    names = ["Lò Văn An", "Lò Văn Bình", "Lò Văn Cường", "Vàng A Dũng", "Lò Văn Em", "Tao Văn Phúc"]
    return [
        make_person(full_name=n, sex="M", unit=village, birth_year=1980 + i, phone=f"09130000{i:02d}")
        for i, n in enumerate(names)
    ]


@pytest.fixture
def room_101(quarantine: Facility, admit_f1: Any, residents: list[Any]) -> list[Stay]:
    """Three F1 of one exposure cohort in room 101, admitted on 10/11/2021."""
    return admit_f1(quarantine, "101", residents[:3], D(2021, 11, 9))


def _positive(officer: Any, technician: Any, ship_and_receive: Any, code: str, people: list[Any], result: str) -> Any:
    lab_services.sample_take(actor=officer, code=code, person_ids=[p.pk for p in people])
    ship_and_receive([code])
    return response_labs.result_record(
        actor=technician,
        sample=Sample.objects.get(code=code),
        result=result,
        ct_values={"E": 21.5} if result == Result.POSITIVE else None,
    )


def test_a_positive_roommate_restarts_the_room_and_everyone_is_told(
    room_101: list[Stay],
    residents: list[Any],
    officer: Any,
    technician: Any,
    manager: Any,
    ship_and_receive: Any,
    pinned_clock: Any,
    quarantine: Facility,
):
    pinned_clock.move_to(moment(D(2021, 11, 16), 8))
    outcome = _positive(officer, technician, ship_and_receive, "CL-0007", [residents[1]], Result.POSITIVE)
    case = Case.objects.get(person=residents[1])
    assert outcome.case_numbers == [case.number]

    a, positive, c = (Stay.objects.get(pk=s.pk) for s in room_101)
    assert positive.status == StayStatus.POSITIVE
    assert positive.end_reason == f"Dương tính, ca {case.number}: chuyển điều trị F0."
    assert positive.bed_id is not None and positive.ended_at is not None
    assert StayTest.objects.get(stay=positive, day=7).status == TaskStatus.POSITIVE

    reason = f"Lò Văn Bình (cùng phòng 101) dương tính, ca {case.number} ngày 16/11/2021: tính lại thời gian cách ly."
    for mate in (a, c):
        assert mate.status == StayStatus.ACTIVE
        assert (mate.clock_start_on, mate.release_on) == (D(2021, 11, 16), D(2021, 11, 30))
        assert list(StayTest.objects.filter(stay=mate).values_list("day", "due_on", "status")) == [
            (1, D(2021, 11, 16), TaskStatus.PENDING),
            (7, D(2021, 11, 22), TaskStatus.PENDING),
            (14, D(2021, 11, 29), TaskStatus.PENDING),
        ]
        event = StayEvent.objects.get(stay=mate, kind=StayEventKind.CLOCK_RESTARTED)
        assert event.reason == reason

    told = Message.objects.filter(template="isolation.clock_restarted_person").order_by("pk")
    assert sorted(d.address for m in told for d in Delivery.objects.filter(message=m)) == sorted(
        [residents[0].phone, residents[2].phone]
    )
    assert "từ ngày 16/11/2021, dự kiến kết thúc ngày 30/11/2021" in told[0].body
    urgent = Message.objects.filter(template="isolation.positive_in_room").order_by("unit_path")
    assert [(m.unit_path, m.urgent) for m in urgent] == [(TAM_DUONG, True), (BAN_GIANG, True)]
    assert f"mã ca {case.number}" in urgent[0].body and "2 người cùng phòng" in urgent[0].body
    # The district's facility manager and the commune's health officer are among those told.
    assert Delivery.objects.filter(message=urgent[0], user=manager).exists()
    assert Delivery.objects.filter(message=urgent[1], user=officer).exists()
    quarantine.refresh_from_db()
    assert quarantine.beds_occupied == 2


def test_the_last_person_of_a_room_turning_positive_sends_it_to_cleaning(
    quarantine: Facility,
    admit_f1: Any,
    residents: list[Any],
    officer: Any,
    technician: Any,
    ship_and_receive: Any,
):
    (stay,) = admit_f1(quarantine, "102", [residents[4]], D(2021, 11, 9))
    _positive(officer, technician, ship_and_receive, "CL-0100", [residents[4]], Result.POSITIVE)
    stay.refresh_from_db()
    assert stay.status == StayStatus.POSITIVE
    assert Room.objects.get(pk=stay.room_id).cleaning_since is not None
    assert not StayEvent.objects.filter(kind=StayEventKind.CLOCK_RESTARTED).exists()


def test_a_positive_pool_alone_changes_no_stay(
    room_101: list[Stay], residents: list[Any], officer: Any, technician: Any, ship_and_receive: Any
):
    outcome = _positive(officer, technician, ship_and_receive, "CL-POOL", residents[:3], Result.POSITIVE)
    assert outcome.case_numbers == []
    assert set(Stay.objects.values_list("status", flat=True)) == {StayStatus.ACTIVE}
    assert not StayEvent.objects.filter(kind=StayEventKind.CLOCK_RESTARTED).exists()


def test_a_negative_result_marks_the_test_day_only(
    room_101: list[Stay], residents: list[Any], officer: Any, technician: Any, ship_and_receive: Any
):
    _positive(officer, technician, ship_and_receive, "CL-NEG", [residents[0]], Result.NEGATIVE)
    assert StayTest.objects.get(stay=room_101[0], day=1).status == TaskStatus.NEGATIVE
    assert StayTest.objects.get(stay=room_101[1], day=1).status == TaskStatus.PENDING
    assert set(Stay.objects.values_list("status", flat=True)) == {StayStatus.ACTIVE}


def test_a_home_household_restarts_too(
    commune_officer: Any,
    residents: list[Any],
    officer: Any,
    technician: Any,
    ship_and_receive: Any,
    pinned_clock: Any,
):
    unit = Unit.objects.get(path=BAN_GIANG)
    home = HomeIsolation.objects.create(
        code="CLN-2021-0001",
        unit=unit,
        unit_path=unit.path,
        address="Nhà ông Lò Văn Em, bản Bản Giang",
        token="t" * 32,
        started_on=D(2021, 11, 10),
    )
    stays = stays_admit(
        actor=commune_officer,
        kind=StayKind.HOME,
        home=home,
        admissions=[
            Admission(person=residents[4], cohort=Cohort.F1, cohort_on=D(2021, 11, 9)),
            Admission(person=residents[5], cohort=Cohort.HOUSEHOLD, cohort_on=D(2021, 11, 9)),
        ],
    )
    pinned_clock.move_to(moment(D(2021, 11, 12), 8))
    _positive(officer, technician, ship_and_receive, "CL-HOME", [residents[4]], Result.POSITIVE)
    positive, mate = (Stay.objects.get(pk=s.pk) for s in stays)
    assert positive.status == StayStatus.POSITIVE
    assert (mate.status, mate.clock_start_on, mate.release_on) == (StayStatus.ACTIVE, D(2021, 11, 12), D(2021, 11, 26))
    event = StayEvent.objects.get(stay=mate, kind=StayEventKind.CLOCK_RESTARTED)
    assert event.reason.startswith("Lò Văn Em (cùng hộ CLN-2021-0001) dương tính")
    sms = Message.objects.get(template="isolation.clock_restarted_person")
    assert Delivery.objects.get(message=sms).address == residents[5].phone


def test_the_officers_positive_action_needs_an_active_case(
    room_101: list[Stay], manager: Any, residents: list[Any], officer: Any, technician: Any, ship_and_receive: Any
):
    with pytest.raises(ApplicationError) as exc:
        response_isolation.stay_positive(actor=manager, stay=room_101[0])
    assert exc.value.details[0]["field"] == "person"
    assert Stay.objects.get(pk=room_101[0].pk).status == StayStatus.ACTIVE
