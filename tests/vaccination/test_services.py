"""dose_record and dose_deactivate: every rule of the schedule names its field, a person outside the area is not
found, the flags coverage needs are set, each write is audited and a refused one writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.places.enums import AgeBand
from chihuy.vaccination.models import Dose
from chihuy.vaccination.selectors import vaccine_find
from chihuy.vaccination.services import dose_deactivate, dose_record
from tests.conftest import BAN_GIANG, BINH_LU
from tests.vaccination.conftest import D

pytestmark = pytest.mark.django_db


def _error(call: Callable[[], Any]) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def test_first_and_second_dose_set_band_primary_and_booster(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    person = make_person(full_name="Giàng A Páo", birth_date=D(1958, 1, 1))
    one = dose_record(
        actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 8, 2), lot="NJ0123"
    )
    two = dose_record(
        actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["PFIZER"], given_on=D(2021, 8, 30)
    )
    three = dose_record(
        actor=vaccinator, person=person, dose_number=3, vaccine=vaccines["PFIZER"], given_on=D(2021, 11, 10)
    )
    assert (one.age_band, one.completes_primary, one.is_booster, one.unit_path) == (
        AgeBand.A50_64,
        False,
        False,
        BAN_GIANG,
    )
    assert (two.completes_primary, two.is_booster) == (True, False)
    assert (three.completes_primary, three.is_booster) == (False, True)
    assert one.entered_by == vaccinator and one.lot == "NJ0123"
    assert AuditEvent.objects.filter(object_type="vaccination.dose", action="create").count() == 3


def test_janssen_single_dose_completes_and_next_is_booster(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    person = make_person(birth_year=1990)
    one = dose_record(
        actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["JANSSEN"], given_on=D(2021, 8, 1)
    )
    two = dose_record(
        actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["PFIZER"], given_on=D(2021, 11, 1)
    )
    assert (one.completes_primary, one.is_booster, two.completes_primary, two.is_booster) == (True, False, False, True)


def test_unknown_birth_leaves_age_band_empty(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    dose = dose_record(
        actor=vaccinator, person=make_person(), dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1)
    )
    assert dose.age_band == ""


@pytest.mark.parametrize(
    ("number", "code", "given_on", "field", "message_part"),
    [
        (2, "AZ", D(2021, 9, 1), "dose_number", "mũi 2 trước mũi 1"),
        (1, "AZ", D(2021, 11, 11), "given_on", "tương lai"),
        (1, "COVAXIN", D(2021, 11, 1), "given_on", "10/11/2021"),
        (1, "AZ", D(2021, 1, 15), "given_on", "trước ngày vắc xin"),
        (0, "AZ", D(2021, 9, 1), "dose_number", "từ 1 đến 5"),
        (6, "AZ", D(2021, 9, 1), "dose_number", "từ 1 đến 5"),
    ],
)
def test_bad_single_dose(
    vaccinator: Any,
    make_person: Any,
    vaccines: Any,
    number: int,
    code: str,
    given_on: Any,
    field: str,
    message_part: str,
) -> None:
    person = make_person()
    exc = _error(
        lambda: dose_record(
            actor=vaccinator, person=person, dose_number=number, vaccine=vaccines[code], given_on=given_on
        )
    )
    assert exc.code == ErrorCode.VALIDATION
    assert exc.details[0]["field"] == field  # type: ignore[index]
    assert message_part in exc.message
    assert not Dose.objects.exists()


def test_unknown_and_inactive_vaccine(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    person = make_person()
    exc = _error(
        lambda: dose_record(actor=vaccinator, person=person, dose_number=1, vaccine=None, given_on=D(2021, 9, 1))
    )
    assert exc.details[0]["field"] == "vaccine"  # type: ignore[index]
    withdrawn = vaccines["HAYAT"]
    withdrawn.is_active = False
    withdrawn.save()
    exc = _error(
        lambda: dose_record(actor=vaccinator, person=person, dose_number=1, vaccine=withdrawn, given_on=D(2021, 10, 1))
    )
    assert exc.details[0]["field"] == "vaccine" and "Hayat-Vax" in exc.message  # type: ignore[index]


def test_too_soon_after_previous_dose_uses_the_earlier_vaccines_interval(
    vaccinator: Any, make_person: Any, vaccines: Any
) -> None:
    person = make_person()
    dose_record(actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1))
    # AZ needs 28 days: 28/9 is one day short even with Pfizer (21 days) as the second dose.
    exc = _error(
        lambda: dose_record(
            actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["PFIZER"], given_on=D(2021, 9, 28)
        )
    )
    assert exc.details[0]["field"] == "given_on"  # type: ignore[index]
    assert "29/09/2021" in exc.message
    assert dose_record(
        actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["PFIZER"], given_on=D(2021, 9, 29)
    ).completes_primary


def test_same_number_twice_is_a_conflict(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    person = make_person()
    dose_record(actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1))
    exc = _error(
        lambda: dose_record(
            actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 2)
        )
    )
    assert exc.code == ErrorCode.CONFLICT and exc.details[0]["field"] == "dose_number"  # type: ignore[index]
    assert Dose.objects.count() == 1


def test_person_of_another_commune_is_not_found(make_user: Any, make_person: Any, vaccines: Any) -> None:
    other = make_person(unit_path=BINH_LU)
    vaccinator = make_user(Role.VACCINATOR, BAN_GIANG)
    exc = _error(
        lambda: dose_record(
            actor=vaccinator, person=other, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1)
        )
    )
    assert exc.code == ErrorCode.NOT_FOUND and exc.details[0]["field"] == "person"  # type: ignore[index]
    assert not Dose.objects.exists()


def test_without_the_right_is_denied(make_user: Any, make_person: Any, vaccines: Any) -> None:
    analyst = make_user(Role.ANALYST, BAN_GIANG)
    exc = _error(
        lambda: dose_record(
            actor=analyst, person=make_person(), dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1)
        )
    )
    assert exc.code == ErrorCode.PERMISSION_DENIED
    assert not Dose.objects.exists()


def test_deactivate_needs_reason_and_no_later_dose(vaccinator: Any, make_person: Any, vaccines: Any) -> None:
    person = make_person()
    one = dose_record(actor=vaccinator, person=person, dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1))
    two = dose_record(actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["AZ"], given_on=D(2021, 10, 1))
    exc = _error(lambda: dose_deactivate(actor=vaccinator, dose=one, reason="ghi nhầm"))
    assert exc.code == ErrorCode.CONFLICT and "hủy mũi 2 trước" in exc.message
    exc = _error(lambda: dose_deactivate(actor=vaccinator, dose=two, reason="  "))
    assert exc.details[0]["field"] == "reason"  # type: ignore[index]
    dose_deactivate(actor=vaccinator, dose=two, reason="Ghi nhầm người")
    two.refresh_from_db()
    assert (two.is_active, two.deactivated_reason) == (False, "Ghi nhầm người")
    event = AuditEvent.objects.get(object_type="vaccination.dose", action="deactivate")
    assert event.after == {"is_active": False, "deactivated_reason": "Ghi nhầm người"}
    # Number 2 is free again.
    again = dose_record(
        actor=vaccinator, person=person, dose_number=2, vaccine=vaccines["PFIZER"], given_on=D(2021, 10, 5)
    )
    assert again.is_active and Dose.objects.filter(person=person).count() == 3


def test_deactivate_outside_area_is_not_found(make_user: Any, make_person: Any, vaccines: Any) -> None:
    officer = make_user(Role.VACCINATOR, BINH_LU)
    dose = dose_record(
        actor=officer,
        person=make_person(unit_path=BINH_LU),
        dose_number=1,
        vaccine=vaccines["AZ"],
        given_on=D(2021, 9, 1),
    )
    stranger = make_user(Role.VACCINATOR, BAN_GIANG)
    assert _error(lambda: dose_deactivate(actor=stranger, dose=dose, reason="x")).code == ErrorCode.NOT_FOUND
    dose.refresh_from_db()
    assert dose.is_active


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Vero Cell", "SINOPHARM"),
        ("ASTRAZENECA", "AZ"),
        ("Pfizer-BioNTech", "PFIZER"),
        ("AstraZeneca (Vaxzevria)", "AZ"),
        ("Janssen", "JANSSEN"),
        ("Nanocovax", None),
    ],
)
def test_vaccine_found_by_code_name_or_alias(db: Any, text: str, code: str | None) -> None:
    found = vaccine_find(text)
    assert (found.code if found else None) == code
