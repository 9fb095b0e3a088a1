"""Centres, members, who is on duty, the roster (shifts, plans, gaps, swaps, hand-overs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from chihuy.accounts.access import require_perm
from chihuy.accounts.access import within_unit as _within
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.command import selectors, services
from chihuy.command.api.schemas import (
    CentreIn,
    CentreOut,
    CentrePatch,
    GapOut,
    HandoverIn,
    HandoverOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    OnDutyOut,
    PlanIn,
    PlanOut,
    ShiftIn,
    ShiftOut,
    SwapActionIn,
    SwapIn,
    SwapOut,
)
from chihuy.command.models import CentreMember, CommandCentre, Handover, Shift, ShiftSwap
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode, not_found
from chihuy.places.selectors import unit_get

router = Router(tags=["command: centres, roster"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _member(actor: Any, centre: CommandCentre, member_id: int, field: str = "member_id") -> CentreMember:
    member = CentreMember.objects.filter(centre=centre, pk=member_id).select_related("user").first()
    if member is None:
        raise ApplicationError.field(field, _("Không tìm thấy thành viên của trung tâm."), ErrorCode.NOT_FOUND)
    return member


def _user(actor: Any, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None or not (user.unit_path or "").startswith(actor.unit_path or "\x00"):
        raise ApplicationError.field(
            "user_id", _("Không tìm thấy tài khoản trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        )
    return user


@router.get("/centres", response=list[CentreOut], summary="Trung tâm chỉ huy trong địa bàn")
def list_centres(request: HttpRequest, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return list(selectors.centre_list(actor=actor, within=_within(actor, within_unit_id))[:2000])


@router.post("/centres", response={201: CentreOut}, summary="Lập trung tâm chỉ huy cho một tỉnh, huyện, xã")
def create_centre(request: HttpRequest, payload: CentreIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.CENTRE_MANAGE)
    unit = unit_get(unit_id=payload.unit_id)
    centre = services.centre_create(
        actor=actor, unit=unit, name=payload.name, phone=payload.phone, address=payload.address
    )
    return Status(201, centre)


@router.get("/centres/{int:centre_id}", response=CentreOut, summary="Một trung tâm chỉ huy")
def get_centre(request: HttpRequest, centre_id: int) -> Any:
    return selectors.centre_get(actor=_actor(request), centre_id=centre_id)


@router.patch("/centres/{int:centre_id}", response=CentreOut, summary="Sửa tên, điện thoại, địa chỉ trung tâm")
def update_centre(request: HttpRequest, centre_id: int, payload: CentrePatch) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    changes = payload.dict(exclude_none=True)
    return services.centre_update(actor=actor, centre=centre, **changes)


@router.get("/centres/{int:centre_id}/members", response=list[MemberOut], summary="Thành viên trung tâm")
def list_members(request: HttpRequest, centre_id: int, include_inactive: bool = False) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    return list(selectors.member_list(actor=actor, centre=centre, include_inactive=include_inactive))


@router.post("/centres/{int:centre_id}/members", response={201: MemberOut}, summary="Thêm thành viên")
def add_member(request: HttpRequest, centre_id: int, payload: MemberIn) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    require_perm(actor, Perm.CENTRE_MANAGE)
    member = services.member_add(
        actor=actor,
        centre=centre,
        full_name=payload.full_name,
        position=payload.position,
        sector=payload.sector,
        title=payload.title,
        phone=payload.phone,
        user=_user(actor, payload.user_id),
    )
    return Status(201, member)


@router.patch("/members/{int:member_id}", response=MemberOut, summary="Sửa thành viên")
def update_member(request: HttpRequest, member_id: int, payload: MemberPatch) -> Any:
    actor = _actor(request)
    member = selectors.member_get(actor=actor, member_id=member_id)
    return services.member_update(actor=actor, member=member, **payload.dict(exclude_none=True))


@router.post("/members/{int:member_id}/deactivate", response=MemberOut, summary="Thành viên thôi tham gia")
def deactivate_member(request: HttpRequest, member_id: int) -> Any:
    actor = _actor(request)
    member = selectors.member_get(actor=actor, member_id=member_id)
    return services.member_deactivate(actor=actor, member=member)


@router.get("/on-duty", response=list[OnDutyOut], summary="Ai đang trực: mọi trung tâm trong địa bàn")
def on_duty(request: HttpRequest, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    rows = selectors.on_duty_board(actor=actor, within=_within(actor, within_unit_id))
    return [{"centre": r.centre, "commander": r.commander, "shifts": r.shifts} for r in rows]


@router.get("/centres/{int:centre_id}/on-duty", response=OnDutyOut, summary="Ai đang trực tại một trung tâm")
def centre_on_duty(request: HttpRequest, centre_id: int) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    return {
        "centre": centre,
        "commander": selectors.centre_commander(centre),
        "shifts": selectors.on_duty_shifts(centre),
    }


@router.get("/centres/{int:centre_id}/shifts", response=list[ShiftOut], summary="Lịch trực trong khoảng thời gian")
def list_shifts(
    request: HttpRequest, centre_id: int, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    begin = start or clock.now()
    finish = end or begin + dt.timedelta(days=7)
    if finish <= begin or finish - begin > dt.timedelta(days=62):
        raise ApplicationError.field("end", _("Khoảng thời gian từ 1 phút đến 62 ngày."))
    return list(selectors.shift_list(actor=actor, centre=centre, start=begin, end=finish))


@router.post("/centres/{int:centre_id}/shifts", response={201: ShiftOut}, summary="Thêm một ca trực")
def create_shift(request: HttpRequest, centre_id: int, payload: ShiftIn) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    require_perm(actor, Perm.ROSTER_MANAGE)
    shift = services.shift_create(
        actor=actor,
        centre=centre,
        member=_member(actor, centre, payload.member_id),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        role=payload.role,
        note=payload.note,
    )
    return Status(201, shift)


@router.post(
    "/centres/{int:centre_id}/roster/plan",
    response={201: PlanOut},
    summary="Lập lịch trực nhiều tuần theo mẫu ca (ghi tất cả hoặc không ghi gì)",
)
def plan_roster(request: HttpRequest, centre_id: int, payload: PlanIn) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    require_perm(actor, Perm.ROSTER_MANAGE)
    people = [_member(actor, centre, pk, field=f"member_ids[{i}]") for i, pk in enumerate(payload.member_ids)]
    shifts = services.roster_plan(
        actor=actor,
        centre=centre,
        template=payload.template,
        start_date=payload.start_date,
        weeks=payload.weeks,
        people=people,
        role=payload.role,
    )
    return Status(
        201,
        {
            "created": len(shifts),
            "first_starts_at": shifts[0].starts_at if shifts else None,
            "last_ends_at": shifts[-1].ends_at if shifts else None,
        },
    )


@router.get("/centres/{int:centre_id}/gaps", response=list[GapOut], summary="Khoảng trống lịch trực sắp tới")
def roster_gaps(request: HttpRequest, centre_id: int, hours: int = 72) -> Any:
    actor = _actor(request)
    centre = selectors.centre_get(actor=actor, centre_id=centre_id)
    hours = max(1, min(hours, 24 * 31))
    return [{"starts_at": s, "ends_at": e} for s, e in selectors.roster_gaps(centre, hours=hours)]


@router.post("/shifts/{int:shift_id}/cancel", response=ShiftOut, summary="Hủy một ca trực")
def cancel_shift(request: HttpRequest, shift_id: int) -> Any:
    actor = _actor(request)
    shift = selectors.shift_get(actor=actor, shift_id=shift_id)
    services.shift_cancel(actor=actor, shift=shift)
    return Shift.objects.select_related("member").get(pk=shift.pk)


@router.post("/shifts/{int:shift_id}/swaps", response={201: SwapOut}, summary="Đề nghị đổi ca")
def request_swap(request: HttpRequest, shift_id: int, payload: SwapIn) -> Any:
    actor = _actor(request)
    shift = selectors.shift_get(actor=actor, shift_id=shift_id)
    counter = None
    if payload.counter_shift_id is not None:
        counter = Shift.objects.filter(centre=shift.centre, pk=payload.counter_shift_id).first()
        if counter is None:
            raise ApplicationError.field("counter_shift_id", _("Không tìm thấy ca."), ErrorCode.NOT_FOUND)
    swap = services.swap_request(
        actor=actor,
        shift=shift,
        to_member=_member(actor, shift.centre, payload.to_member_id, field="to_member_id"),
        counter_shift=counter,
        reason=payload.reason,
    )
    return Status(201, swap)


_SWAP_ACTIONS = {
    "accept": services.swap_accept,
    "approve": services.swap_approve,
    "decline": services.swap_decline,
    "cancel": services.swap_cancel,
}


@router.post("/swaps/{int:swap_id}", response=SwapOut, summary="Đồng ý, duyệt, từ chối hoặc hủy đổi ca")
def act_on_swap(request: HttpRequest, swap_id: int, payload: SwapActionIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.CENTRE_VIEW)
    swap = ShiftSwap.objects.filter(pk=swap_id).first()
    if swap is None or not (swap.unit_path or "").startswith(actor.unit_path or "\x00"):
        raise not_found()
    action = _SWAP_ACTIONS.get(payload.action)
    if action is None:
        raise ApplicationError.field("action", _("Thao tác không hợp lệ."))
    return action(actor=actor, swap=swap)


@router.post("/shifts/{int:shift_id}/handover", response={201: HandoverOut}, summary="Bàn giao ca")
def create_handover(request: HttpRequest, shift_id: int, payload: HandoverIn) -> Any:
    actor = _actor(request)
    shift = selectors.shift_get(actor=actor, shift_id=shift_id)
    to_shift = None
    if payload.to_shift_id is not None:
        to_shift = Shift.objects.filter(centre=shift.centre, pk=payload.to_shift_id).first()
        if to_shift is None:
            raise ApplicationError.field("to_shift_id", _("Không tìm thấy ca."), ErrorCode.NOT_FOUND)
    handover = services.handover_create(
        actor=actor, from_shift=shift, notes=payload.notes, open_items=payload.open_items, to_shift=to_shift
    )
    return Status(201, handover)


@router.post("/handovers/{int:handover_id}/acknowledge", response=HandoverOut, summary="Người nhận ca xác nhận")
def acknowledge_handover(request: HttpRequest, handover_id: int) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.CENTRE_VIEW)
    handover = Handover.objects.filter(pk=handover_id).first()
    if handover is None or not (handover.unit_path or "").startswith(actor.unit_path or "\x00"):
        raise not_found()
    return services.handover_acknowledge(actor=actor, handover=handover)
