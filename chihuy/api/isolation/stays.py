"""Isolation API — stays (issue 6): the stays of the area with their clocks, one stay with its test days, events and
whether it may be released, the release by the rule in force, a positive recorded on a stay, the post-release health
monitorings. Release and positives go through `chihuy.response.isolation` (they read labs and cases)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from chihuy.accounts.access import within_unit
from chihuy.api.isolation.schemas_stays import (
    DispatchOut,
    MonitoringPage,
    MonitoringQuery,
    PositiveOut,
    ReleaseOut,
    StayDetailOut,
    StayPage,
    StayQuery,
)
from chihuy.core import clock
from chihuy.core.pagination import keyset_page
from chihuy.isolation import selectors_stays
from chihuy.isolation.selectors import stay_get
from chihuy.response import isolation as response

router = Router(tags=["isolation: stays"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "/stays", response=StayPage, summary="Lượt cách ly / điều trị trong địa bàn (theo ngày bắt đầu, mới nhất trước)"
)
def list_stays(request: HttpRequest, query: Query[StayQuery]) -> Any:
    actor = _actor(request)
    qs = selectors_stays.stays_filtered(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        facility_id=query.facility_id,
        home_id=query.home_id,
        status=query.status or "",
        kind=query.kind or "",
        cohort=query.cohort or "",
        due_on=clock.today() if query.due_for_release else None,
    )
    return keyset_page(qs, order=["-clock_start_on", "-id"], cursor=query.cursor, limit=query.limit)


@router.get(
    "/stays/{int:stay_id}",
    response=StayDetailOut,
    summary="Một lượt cách ly: thời gian cách ly, ngày xét nghiệm, diễn biến, điều kiện hoàn thành cách ly",
)
def get_stay(request: HttpRequest, stay_id: int) -> Any:
    actor = _actor(request)
    detail = selectors_stays.stay_detail(actor=actor, stay_id=stay_id)
    check = None
    if detail.holding and detail.stay.release_on is not None:
        readiness = response.stay_readiness(stay=detail.stay)
        check = {
            "ready": readiness.ready,
            "reasons": readiness.reasons,
            "missing_days": [d for d, _ in readiness.missing],
        }
    return {
        "stay": detail.stay,
        "day": detail.day,
        "days": detail.days,
        "tests": detail.tests,
        "events": detail.events,
        "monitorings": detail.monitorings,
        "release": check,
    }


@router.post(
    "/stays/{int:stay_id}/release",
    response=ReleaseOut,
    summary="Hoàn thành cách ly theo quy định (đủ ngày, đủ kết quả âm tính); tạo theo dõi sức khỏe sau cách ly",
)
def release_stay(request: HttpRequest, stay_id: int) -> Any:
    actor = _actor(request)
    stay, monitoring = response.stay_release(actor=actor, stay=stay_get(actor=actor, stay_id=stay_id))
    return {"stay": stay_get(actor=actor, stay_id=stay.pk), "monitoring": monitoring}


@router.post(
    "/stays/{int:stay_id}/positive",
    response=PositiveOut,
    summary="Ghi nhận dương tính (người đã có ca F0): kết thúc lượt, tính lại thời gian cách ly của người cùng phòng",
)
def positive_stay(request: HttpRequest, stay_id: int) -> Any:
    actor = _actor(request)
    outcome = response.stay_positive(actor=actor, stay=stay_get(actor=actor, stay_id=stay_id))
    return {
        "ended": [s.pk for s in outcome.ended],
        "restarted": [s.pk for s in outcome.restarted],
        "messages": outcome.messages,
    }


@router.post(
    "/stays/tests-dispatch",
    response=DispatchOut,
    summary="Giao lấy mẫu các ngày xét nghiệm đến hạn của người cách ly trong địa bàn (đợt lấy mẫu theo khu, theo xã)",
)
def dispatch_tests(request: HttpRequest) -> Any:
    result = response.tests_dispatch(actor=_actor(request), on=clock.today())
    return {"tests": result.tests, "campaigns": result.campaigns, "skipped": result.skipped}


@router.get("/monitorings", response=MonitoringPage, summary="Theo dõi sức khỏe sau cách ly / nhập cảnh trong địa bàn")
def list_monitorings(request: HttpRequest, query: Query[MonitoringQuery]) -> Any:
    actor = _actor(request)
    qs = selectors_stays.monitoring_list(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        status=query.status or "",
        reason=query.reason or "",
    )
    return keyset_page(qs, order=["-starts_on", "-id"], cursor=query.cursor, limit=query.limit)
