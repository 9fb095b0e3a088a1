"""case_numbers: the cases and tracing lines of the daily briefing, counted over a window in a jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.cases import services
from chihuy.cases.enums import DetectionWay, RuleOutReason
from chihuy.cases.selectors import case_numbers
from tests.cases.conftest import at
from tests.conftest import BINH_LU, TAM_DUONG

pytestmark = pytest.mark.django_db


def test_new_cases_by_origin_f1_f2_found_and_the_tracing_backlog(
    officer: Any, report: Callable[..., Any], expose: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    f0 = make_person(full_name="Lò Văn Một", phone="0912000001")
    report(f0, detected_at=at(9, 10))  # community, inside the window
    report(make_person(full_name="Lò Thị Hai", phone="0912000002"), detection_way=DetectionWay.QUARANTINE)
    ruled_out = report(make_person(full_name="Tao Văn Ba", phone="0912000003"), detected_at=at(9, 11))
    services.case_transition(
        actor=officer, case=ruled_out, to="ruled_out", rule_out_reason=RuleOutReason.DATA_ERROR, reason="Nhập sai"
    )
    f1 = make_person(full_name="Lò Văn Bốn", phone="0912000004")
    expose(f0, f1)
    expose(f1, make_person(full_name="Lò Văn Năm", phone="0912000005"))

    numbers = case_numbers(actor=officer, start=at(9, 9), end=at(10, 12))

    # Hai was detected on the 8th (before the window); Ba was ruled out.
    assert numbers.new_by_way == {DetectionWay.COMMUNITY: 1}
    assert (numbers.new_total, numbers.new_community, numbers.active) == (1, 1, 2)
    assert (numbers.new_f1, numbers.new_f2, numbers.to_trace) == (1, 1, 2)


def test_numbers_stop_at_the_jurisdiction(
    report: Callable[..., Any], make_person: Callable[..., Any], make_user: Any
) -> None:
    report(make_person(full_name="Lò Văn Một", phone="0912000001"), detected_at=at(9, 10))
    neighbour = make_user(Role.HEALTH_OFFICER, BINH_LU)
    district = make_user(Role.COMMANDER, TAM_DUONG)

    assert case_numbers(actor=neighbour, start=at(9, 9), end=at(10, 9)).new_total == 0
    assert case_numbers(actor=district, start=at(9, 9), end=at(10, 9)).new_total == 1
