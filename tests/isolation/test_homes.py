"""Home isolation: a household registered under 5599 (the whole household with the F1, 14 days, tests day 1/7/14),
daily checks by the door sign's link or an officer, danger signs proposing transfer with an urgent alert, missed
check-ins alerted once a day, a token never reaching another household's members, a finished stay refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.enums import CheckSource, Cohort, HomeStatus, StayEventKind, StayKind, StayStatus
from chihuy.isolation.models import CheckIn, HomeIsolation, Stay, StayEvent
from chihuy.isolation.services.homes import (
    CheckValues,
    HomeMember,
    checkin_record,
    home_end,
    home_member_add,
    home_register,
    missed_checkins_alert,
    public_checkin,
)
from chihuy.isolation.services.stays import stay_end
from chihuy.notify.models import Message
from chihuy.people.services import household_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, BINH_LU

pytestmark = pytest.mark.django_db

D = dt.date
TZ = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def family(make_person: Any, admin_user: Any) -> dict[str, Any]:
    unit = Unit.objects.get(path=BAN_GIANG)
    father = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980, phone="0912345001")
    mother = make_person(full_name="Tao Thị Mai", sex="F", birth_year=1983)
    child = make_person(full_name="Lò Thị Xuân", sex="F", birth_year=2012)
    household = household_create(
        actor=admin_user, unit=unit, address="Bản Giang, nhà số 12", members=[father, mother, child]
    )
    return {"unit": unit, "household": household, "father": father, "mother": mother, "child": child}


def register(officer: Any, family: dict[str, Any], **kw: Any) -> HomeIsolation:
    return home_register(
        actor=kw.pop("actor", officer),
        unit=family["unit"],
        address="Bản Giang, nhà số 12",
        household=kw.pop("household", family["household"]),
        members=kw.pop("members", [HomeMember(person=family["father"], cohort=Cohort.F1, cohort_on=D(2021, 11, 9))]),
        officer=officer,
        team="Tổ COVID cộng đồng bản Giang",
        team_phone="0912000777",
        **kw,
    )


def test_the_whole_household_isolates_with_the_f1_on_the_5599_clock(
    commune_officer: Any, family: dict[str, Any], make_person: Any
):
    home = register(commune_officer, family)
    assert home.code == "CLN-2021-0001"
    assert len(home.token) >= 32
    assert home.status == HomeStatus.ACTIVE and home.started_on == D(2021, 11, 10)
    stays = {s.person_id: s for s in Stay.objects.filter(home=home)}
    assert set(stays) == {family["father"].pk, family["mother"].pk, family["child"].pk}
    father, mother = stays[family["father"].pk], stays[family["mother"].pk]
    assert (father.cohort, mother.cohort) == (Cohort.F1, Cohort.HOUSEHOLD)
    assert mother.cohort_on == D(2021, 11, 9)
    for stay in stays.values():
        assert (stay.kind, stay.status) == (StayKind.HOME, StayStatus.ACTIVE)
        assert (stay.clock_start_on, stay.release_on, stay.test_days) == (D(2021, 11, 10), D(2021, 11, 24), [1, 7, 14])
        assert "5599" in stay.rule_source
        assert stay.place_path == BAN_GIANG
    second = register(
        commune_officer,
        family,
        household=None,
        members=[HomeMember(person=make_person(full_name="Vàng A Sủ"), cohort=Cohort.F1, cohort_on=D(2021, 11, 10))],
    )
    assert second.code == "CLN-2021-0002"


def test_register_refuses_an_officer_of_another_commune(make_user: Any, commune_officer: Any, family: dict[str, Any]):
    other = make_user(Role.HEALTH_OFFICER, BINH_LU)
    with pytest.raises(ApplicationError) as exc:
        home_register(
            actor=commune_officer,
            unit=family["unit"],
            address="Bản Giang",
            members=[HomeMember(person=family["father"], cohort=Cohort.F1, cohort_on=D(2021, 11, 9))],
            officer=other,
        )
    assert exc.value.details[0]["field"] == "officer"
    assert HomeIsolation.objects.count() == 0 and Stay.objects.count() == 0


def test_a_person_already_isolating_is_refused_and_nothing_is_written(commune_officer: Any, family: dict[str, Any]):
    register(commune_officer, family)
    with pytest.raises(ApplicationError) as exc:
        register(commune_officer, family, household=None)
    assert exc.value.details[0]["field"] == "members[0].person"
    assert exc.value.code == ErrorCode.CONFLICT
    assert HomeIsolation.objects.count() == 1 and Stay.objects.count() == 3


def test_checkin_for_a_finished_stay_is_refused(commune_officer: Any, family: dict[str, Any]):
    home = register(commune_officer, family)
    stay = Stay.objects.get(home=home, person=family["child"])
    stay_end(
        actor=commune_officer, stay=stay, status=StayStatus.TRANSFERRED, reason="Về nhà ông bà", perm="home.isolation"
    )
    with pytest.raises(ApplicationError) as exc:
        checkin_record(actor=commune_officer, stay=stay, source=CheckSource.CALL, values=CheckValues(spo2=98))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert exc.value.details[0]["field"] == "stay"
    assert "Lò Thị Xuân" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=98))
    assert exc.value.details[0]["field"] == "member"
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (CheckValues(temperature="45"), "temperature"),
        (CheckValues(temperature="33.9"), "temperature"),
        (CheckValues(temperature="ba bảy"), "temperature"),
        (CheckValues(spo2=101), "spo2"),
        (CheckValues(spo2=49), "spo2"),
        (CheckValues(symptoms=["headache"]), "symptoms"),
    ],
)
def test_values_out_of_range_name_their_field(
    commune_officer: Any, family: dict[str, Any], values: CheckValues, field: str
):
    home = register(commune_officer, family)
    stay = Stay.objects.get(home=home, person=family["father"])
    with pytest.raises(ApplicationError) as exc:
        checkin_record(actor=commune_officer, stay=stay, source=CheckSource.CALL, values=values)
    assert exc.value.details[0]["field"] == field
    assert CheckIn.objects.count() == 0


def test_spo2_94_proposes_transfer_and_alerts_the_commune_urgently(
    commune_officer: Any, make_user: Any, family: dict[str, Any]
):
    commune_staff = make_user(Role.HEALTH_OFFICER, BAN_GIANG, phone="0912000013")
    make_user(Role.HEALTH_OFFICER, BINH_LU, phone="0912000014")  # another commune: not told
    home = register(commune_officer, family)
    stay = Stay.objects.get(home=home, person=family["father"])
    check = public_checkin(
        token=home.token, stay_id=stay.pk, values=CheckValues(temperature="37.8", spo2=94, symptoms=["cough"])
    )
    assert check.danger is True and check.source == CheckSource.SELF and check.recorded_by is None
    assert check.danger_reasons == ["SpO2 94 % (≤ 96 %)"]
    assert check.temperature == Decimal("37.8")
    stay.refresh_from_db()
    assert stay.transfer_proposed_at is not None and "SpO2 94" in stay.transfer_reason
    assert stay.last_check_at == check.at
    assert StayEvent.objects.filter(stay=stay, kind=StayEventKind.TRANSFER_PROPOSED).count() == 1
    (message,) = Message.objects.filter(template="isolation.home_danger")
    assert message.urgent is True
    assert "Lò Văn Pằn" in message.body and "SpO2 94 %" in message.body and "CLN-2021-0001" in message.body
    told = set(message.deliveries.values_list("user_id", flat=True))
    assert told == {commune_officer.pk, commune_staff.pk}


def test_a_self_check_repeated_within_the_hour_corrects_the_first(
    commune_officer: Any, family: dict[str, Any], pinned_clock: Any
):
    home = register(commune_officer, family)
    stay = Stay.objects.get(home=home, person=family["mother"])
    first = public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(temperature="36.8", spo2=98))
    pinned_clock.shift(dt.timedelta(minutes=20))
    again = public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(temperature="37.0", spo2=97))
    assert again.pk == first.pk and CheckIn.objects.filter(stay=stay).count() == 1
    assert (again.temperature, again.spo2) == (Decimal("37.0"), 97)
    pinned_clock.shift(dt.timedelta(minutes=61))  # an hour after the correction
    later = public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=98))
    assert later.pk != first.pk and CheckIn.objects.filter(stay=stay).count() == 2
    checkin_record(actor=commune_officer, stay=stay, source=CheckSource.CALL, values=CheckValues(spo2=98))
    assert CheckIn.objects.filter(stay=stay).count() == 3


def test_missed_checkin_is_alerted_once_per_day(commune_officer: Any, family: dict[str, Any], pinned_clock: Any):
    home = register(commune_officer, family)
    father = Stay.objects.get(home=home, person=family["father"])
    assert missed_checkins_alert() == 0  # admitted just now
    pinned_clock.move_to(dt.datetime(2021, 11, 11, 8, 0, tzinfo=TZ))  # 23 h later: not yet
    public_checkin(token=home.token, stay_id=father.pk, values=CheckValues(spo2=98))
    assert missed_checkins_alert() == 0
    pinned_clock.move_to(dt.datetime(2021, 11, 11, 9, 30, tzinfo=TZ))  # 24.5 h: mother and child missed
    assert missed_checkins_alert() == 2
    (message,) = Message.objects.filter(template="isolation.home_missed")
    assert "Tao Thị Mai" in message.body and "Lò Thị Xuân" in message.body and "Lò Văn Pằn" not in message.body
    assert set(message.deliveries.values_list("user_id", flat=True)) == {commune_officer.pk}
    pinned_clock.move_to(dt.datetime(2021, 11, 11, 15, 0, tzinfo=TZ))
    assert missed_checkins_alert() == 0  # once a day
    pinned_clock.move_to(dt.datetime(2021, 11, 12, 9, 0, tzinfo=TZ))  # next day: father's check 25 h old too
    assert missed_checkins_alert() == 3
    assert Message.objects.filter(template="isolation.home_missed").count() == 2
    assert set(Stay.objects.filter(home=home).values_list("missed_alerted_on", flat=True)) == {D(2021, 11, 12)}


def test_a_token_never_reaches_another_households_members(
    commune_officer: Any, family: dict[str, Any], make_person: Any
):
    home = register(commune_officer, family)
    other = register(
        commune_officer,
        family,
        household=None,
        members=[HomeMember(person=make_person(full_name="Vàng A Sủ"), cohort=Cohort.F1, cohort_on=D(2021, 11, 9))],
    )
    stranger = Stay.objects.get(home=other)
    with pytest.raises(ApplicationError) as exc:
        public_checkin(token=home.token, stay_id=stranger.pk, values=CheckValues(spo2=98))
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.NOT_FOUND, "member")
    with pytest.raises(ApplicationError) as exc:
        public_checkin(token="khong-dung", stay_id=stranger.pk, values=CheckValues(spo2=98))
    assert exc.value.code == ErrorCode.NOT_FOUND
    assert CheckIn.objects.count() == 0


def test_member_added_and_home_ended_only_when_every_stay_ended(
    commune_officer: Any, family: dict[str, Any], make_person: Any
):
    home = register(commune_officer, family)
    grandma = make_person(full_name="Lò Thị Ún", birth_year=1950)
    stay = home_member_add(
        actor=commune_officer,
        home=home,
        member=HomeMember(person=grandma, cohort=Cohort.HOUSEHOLD, cohort_on=D(2021, 11, 9)),
    )
    assert (stay.kind, stay.release_on) == (StayKind.HOME, D(2021, 11, 24))
    with pytest.raises(ApplicationError) as exc:
        home_end(actor=commune_officer, home=home)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION and "4" in exc.value.message
    for s in Stay.objects.filter(home=home):
        stay_end(actor=commune_officer, stay=s, status=StayStatus.CANCELLED, reason="Nhập nhầm", perm="home.isolation")
    home = home_end(actor=commune_officer, home=home)
    assert (home.status, home.ended_on) == (HomeStatus.ENDED, D(2021, 11, 10))
    with pytest.raises(ApplicationError):
        public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=98))


def test_a_tracer_cannot_register(make_user: Any, commune_officer: Any, family: dict[str, Any]):
    tracer = make_user(Role.TRACER, BAN_GIANG)
    with pytest.raises(ApplicationError) as exc:
        register(commune_officer, family, actor=tracer)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED


def test_a_self_check_flipping_back_to_danger_within_the_hour_alerts_once(
    commune_officer: Any, family: dict[str, Any], pinned_clock: Any
):
    home = register(commune_officer, family)
    stay = Stay.objects.get(home=home, person=family["father"])
    public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=94))
    pinned_clock.shift(dt.timedelta(minutes=5))
    public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=98))
    pinned_clock.shift(dt.timedelta(minutes=5))
    again = public_checkin(token=home.token, stay_id=stay.pk, values=CheckValues(spo2=93))
    assert again.danger is True and CheckIn.objects.filter(stay=stay).count() == 1
    assert Message.objects.filter(template="isolation.home_danger").count() == 1
    # The officer's call the next day finds it again: told again.
    pinned_clock.shift(dt.timedelta(days=1))
    checkin_record(actor=commune_officer, stay=stay, source=CheckSource.CALL, values=CheckValues(spo2=92))
    assert Message.objects.filter(template="isolation.home_danger").count() == 2
    assert StayEvent.objects.filter(stay=stay, kind=StayEventKind.TRANSFER_PROPOSED).count() == 1
