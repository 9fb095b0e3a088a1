"""Rapid antigen tests (response.labs.rapid_test_record) under the rule of the day: before 11042/BYT-DP
(29/12/2021) a positive asks for an RT-PCR confirmation; from it, an F1 with a positive rapid test is an F0, and
two positive rapid tests within 8 hours for a person with epidemiological factors too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.cases import services as case_services
from chihuy.cases.enums import DetectionWay, Setting
from chihuy.cases.models import Case, Classification
from chihuy.labs.enums import Result, SampleStatus, TargetReason, TargetStatus
from chihuy.labs.models import CampaignTarget, Sample
from chihuy.response import labs as response
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db

ICT = dt.timezone(dt.timedelta(hours=7))
JANUARY = dt.datetime(2022, 1, 5, 9, 0, tzinfo=ICT)


def index_case(officer: Any, person: Any, when: dt.datetime) -> Case:
    return case_services.case_report(
        actor=officer,
        person=person,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=when - dt.timedelta(hours=2),
        sample_date=(when - dt.timedelta(days=1)).date(),
    )


def expose(officer: Any, source: Any, person: Any, when: dt.datetime) -> None:
    case_services.contact_add(
        actor=officer,
        source_person=source,
        contact_person=person,
        exposure_at=when - dt.timedelta(days=1),
        setting=Setting.WORKPLACE,
        distance_m=1,
        masked=False,
    )


def level(person: Any) -> int | None:
    row = Classification.objects.filter(person=person).first()
    return row.level if row else None


def confirmations(person: Any) -> list[tuple[str, str]]:
    return list(
        CampaignTarget.objects.filter(person=person, reason=TargetReason.CONFIRM).values_list("status", "reason")
    )


def test_before_11042_a_positive_rapid_test_of_an_f1_asks_for_confirmation(officer, residents) -> None:
    # Given an F1 of an active F0 on 10/11/2021
    index_case(officer, residents[0], NOW)
    expose(officer, residents[0], residents[1], NOW)
    assert level(residents[1]) == 1
    # When their rapid test is positive
    outcome = response.rapid_test_record(actor=officer, person=residents[1], result=Result.POSITIVE)
    # Then an RT-PCR confirmation is asked, and no case is made
    assert (outcome.case_numbers, outcome.follow_ups) == ([], 1)
    assert confirmations(residents[1]) == [(TargetStatus.PENDING, TargetReason.CONFIRM)]
    assert Case.objects.filter(person=residents[1]).count() == 0
    assert (outcome.sample.status, outcome.sample.result, outcome.sample.result_source) == (
        SampleStatus.RESULTED,
        Result.POSITIVE,
        "rapid",
    )


def test_from_11042_an_f1_with_a_positive_rapid_test_is_an_f0(officer, residents, pinned_clock) -> None:
    pinned_clock.move_to(JANUARY)
    index_case(officer, residents[0], JANUARY)
    expose(officer, residents[0], residents[1], JANUARY)
    assert level(residents[1]) == 1
    outcome = response.rapid_test_record(actor=officer, person=residents[1], result=Result.POSITIVE, code="TN-0001")
    case = Case.objects.get(person=residents[1])
    assert outcome.case_numbers == [case.number]
    assert (case.test_type, case.result_ref, case.sample_date, case.detection_way) == (
        "rapid_antigen",
        "TN-0001",
        JANUARY.date(),
        DetectionWay.COMMUNITY,
    )
    assert level(residents[1]) == 0
    assert Sample.objects.get(code="TN-0001").case_number == case.number
    assert confirmations(residents[1]) == []


def test_from_11042_a_person_not_classified_still_needs_confirmation(officer, residents, pinned_clock) -> None:
    pinned_clock.move_to(JANUARY)
    outcome = response.rapid_test_record(actor=officer, person=residents[2], result=Result.POSITIVE)
    assert (outcome.case_numbers, outcome.follow_ups) == ([], 1)
    assert confirmations(residents[2]) == [(TargetStatus.PENDING, TargetReason.CONFIRM)]
    # A second positive within 8 hours does not make an F0 of a person without epidemiological factors.
    again = response.rapid_test_record(actor=officer, person=residents[2], result=Result.POSITIVE)
    assert again.case_numbers == [] and Case.objects.count() == 0


def test_from_11042_two_positive_rapid_tests_within_8_hours_of_an_f2(officer, residents, pinned_clock) -> None:
    pinned_clock.move_to(JANUARY)
    index_case(officer, residents[0], JANUARY)
    expose(officer, residents[0], residents[1], JANUARY)
    expose(officer, residents[1], residents[2], JANUARY)
    assert level(residents[2]) == 2
    first = response.rapid_test_record(
        actor=officer, person=residents[2], result=Result.POSITIVE, collected_at=JANUARY - dt.timedelta(hours=7)
    )
    assert (first.case_numbers, first.follow_ups) == ([], 1)
    second = response.rapid_test_record(actor=officer, person=residents[2], result=Result.POSITIVE)
    case = Case.objects.get(person=residents[2])
    assert second.case_numbers == [case.number]
    assert (case.test_type, case.result_ref) == ("rapid_antigen", second.sample.code)
    # The confirmation asked by the first test is answered by the one that made the F0.
    assert list(CampaignTarget.objects.filter(person=residents[2]).values_list("status", "sample_id")) == [
        (TargetStatus.SAMPLED, second.sample.pk)
    ]
    assert Sample.objects.get(pk=first.sample.pk).case_number == ""


def test_two_positive_rapid_tests_more_than_8_hours_apart_are_not_enough(officer, residents, pinned_clock) -> None:
    pinned_clock.move_to(JANUARY)
    index_case(officer, residents[0], JANUARY)
    expose(officer, residents[0], residents[1], JANUARY)
    expose(officer, residents[1], residents[2], JANUARY)
    response.rapid_test_record(
        actor=officer, person=residents[2], result=Result.POSITIVE, collected_at=JANUARY - dt.timedelta(hours=9)
    )
    second = response.rapid_test_record(actor=officer, person=residents[2], result=Result.POSITIVE)
    assert second.case_numbers == []
    assert Case.objects.filter(person=residents[2]).count() == 0


def test_a_negative_rapid_test_does_nothing_more(officer, residents, pinned_clock) -> None:
    pinned_clock.move_to(JANUARY)
    index_case(officer, residents[0], JANUARY)
    expose(officer, residents[0], residents[1], JANUARY)
    outcome = response.rapid_test_record(actor=officer, person=residents[1], result=Result.NEGATIVE)
    assert (outcome.changed, outcome.case_numbers, outcome.follow_ups) == (True, [], 0)
    assert CampaignTarget.objects.count() == 0
    assert Case.objects.count() == 1
    assert level(residents[1]) == 1
