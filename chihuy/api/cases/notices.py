"""Exposure-site notices: drafted from an itinerary, approved by a commander, public without auth."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from chihuy.api.cases.common import (
    _actor,
    _within,
)
from chihuy.api.cases.schemas import (
    NoticeDraftIn,
    NoticeOut,
    NoticeTransitionIn,
    PublicNoticeOut,
)
from chihuy.cases import selectors, services
from chihuy.cases.enums import (
    NoticeStatus,
)
from chihuy.places.selectors import unit_get

router = Router(tags=["notices"])


# --- notices -------------------------------------------------------------------------------------


@router.get("/notices", response=list[NoticeOut], summary="Thông báo địa điểm liên quan (mọi trạng thái)")
def list_notices(request: HttpRequest, status: NoticeStatus | None = None, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return list(selectors.notice_list(actor=actor, within=_within(actor, within_unit_id), status=status or "")[:500])


@router.post("/notices", response={201: NoticeOut}, summary="Soạn thông báo từ mốc dịch tễ (chỉ địa điểm và giờ)")
def draft_notice(request: HttpRequest, payload: NoticeDraftIn) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=payload.case_id, audit=False)
    notice = services.notice_draft(
        actor=actor, case=case, title=payload.title, stop_ids=payload.stop_ids, advice=payload.advice
    )
    return Status(201, selectors.notice_get(actor=actor, notice_id=notice.pk))


@router.post(
    "/notices/{int:notice_id}/transition", response=NoticeOut, summary="Duyệt (chỉ huy) hoặc thu hồi thông báo"
)
def transition_notice(request: HttpRequest, notice_id: int, payload: NoticeTransitionIn) -> Any:
    actor = _actor(request)
    notice = selectors.notice_get(actor=actor, notice_id=notice_id)
    services.notice_transition(actor=actor, notice=notice, to=payload.to, reason=payload.reason)
    return selectors.notice_get(actor=actor, notice_id=notice_id)


@router.get(
    "/public/notices",
    response=list[PublicNoticeOut],
    auth=None,
    summary="Công khai: địa điểm, thời gian ca bệnh đã đến (đã duyệt; không có thông tin cá nhân)",
)
def public_notices(request: HttpRequest, unit_id: int | None = None) -> Any:
    path = ""
    if unit_id:
        path = unit_get(unit_id=unit_id).path
    return selectors.public_notices(unit_path=path)
