"""Tickets API (/api/command/tickets): intake, list (keyset, filters), one ticket with its timeline, update,
assign, comment, status, escalate, close, links; the Zalo OA inbound webhook (HMAC-signed, no account).

It lives in the API layer because a link to a case is checked against the cases app, which the command app
must not import. Jurisdiction: a ticket outside the caller's area (owner unit or original unit) answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from chihuy.accounts.access import within_unit as _within
from chihuy.accounts.models import User
from chihuy.command.models import Ticket, TicketEvent
from chihuy.command.tickets import inbound, selectors, services
from chihuy.command.tickets.enums import (
    TicketCategory,
    TicketChannel,
    TicketEventKind,
    TicketOutcome,
    TicketPriority,
    TicketStatus,
)
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.selectors import unit_get

router = Router(tags=["tickets"])


# --- schemas ---------------------------------------------------------------------------------------


class TicketOut(Schema):
    id: int
    number: str
    channel: TicketChannel
    category: TicketCategory
    priority: TicketPriority
    status: TicketStatus
    received_at: dt.datetime
    caller_name: str
    caller_phone: str
    contact_handle: str
    place_text: str
    text: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    origin_unit_id: int
    origin_unit_name: str = Field(alias="origin_unit.name")
    owner_user_id: int | None
    owner_user_name: str | None
    person_id: int | None
    case_number: str
    facility_id: int | None
    sla_hours: float
    due_at: dt.datetime
    overdue: bool = Field(description="Chưa giải quyết và đã quá hạn xử lý")
    escalation_level: int
    escalated_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    outcome_text: str

    @staticmethod
    def resolve_owner_user_name(obj: Ticket) -> str | None:
        user = obj.owner_user
        return (user.full_name or user.username) if user is not None else None

    @staticmethod
    def resolve_overdue(obj: Ticket) -> bool:
        return obj.is_open and obj.due_at <= clock.now()


class EventOut(Schema):
    id: int
    at: dt.datetime
    kind: TicketEventKind
    actor_id: int | None
    actor_name: str | None
    text: str
    from_status: str
    to_status: str
    from_unit_id: int | None
    from_unit_name: str | None
    to_unit_id: int | None
    to_unit_name: str | None
    assignee_id: int | None
    automatic: bool

    @staticmethod
    def resolve_actor_name(obj: TicketEvent) -> str | None:
        actor = obj.actor
        return (actor.full_name or actor.username) if actor is not None else None

    @staticmethod
    def resolve_from_unit_name(obj: TicketEvent) -> str | None:
        return obj.from_unit.name if obj.from_unit is not None else None

    @staticmethod
    def resolve_to_unit_name(obj: TicketEvent) -> str | None:
        return obj.to_unit.name if obj.to_unit is not None else None


class TicketDetailOut(TicketOut):
    timeline: list[EventOut]


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketQuery(Schema):
    state: str = Field("open", description="open (mặc định), all, hoặc một trạng thái")
    category: TicketCategory | None = None
    priority: TicketPriority | None = None
    overdue: bool = Field(False, description="Chỉ phiếu chưa giải quyết đã quá hạn")
    owned: bool = Field(False, description="Chỉ phiếu do đơn vị đang xem xử lý (không tính phiếu đã chuyển lên)")
    q: str = Field("", description="Số phiếu hoặc số điện thoại người báo")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class TicketIn(Schema):
    channel: TicketChannel = Field(TicketChannel.HOTLINE, description="hotline hoặc api")
    category: TicketCategory
    priority: TicketPriority = TicketPriority.NORMAL
    text: str
    unit_id: int = Field(description="Đơn vị tiếp nhận, xử lý (xã; thôn bản thì thuộc xã)")
    caller_name: str = ""
    caller_phone: str = ""
    place_text: str = ""


class TicketPatch(Schema):
    category: TicketCategory | None = None
    priority: TicketPriority | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    place_text: str | None = None
    text: str | None = None


class AssignIn(Schema):
    owner_user_id: int
    note: str = ""


class CommentIn(Schema):
    text: str


class TransitionIn(Schema):
    to: TicketStatus
    note: str = ""


class EscalateIn(Schema):
    reason: str


class CloseIn(Schema):
    outcome: TicketOutcome
    outcome_text: str = ""


class LinkIn(Schema):
    person_id: int | None = None
    case_number: str | None = Field(None, description="Mã ca F0 trong địa bàn; chuỗi rỗng để bỏ liên kết")
    facility_id: int | None = None


class InboundOut(Schema):
    number: str
    created: bool


# --- helpers ---------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _detail(actor: Any, ticket_id: int) -> Ticket:
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    ticket.timeline = selectors.ticket_timeline(ticket)  # type: ignore[attr-defined]
    return ticket


def check_case_number(actor: Any, number: str) -> str:
    """A case linked by number must exist in the actor's area (the cases app is read here, not in command)."""
    from chihuy.cases.selectors import case_by_number

    number = number.strip().upper()
    if not number:
        return ""
    try:
        return case_by_number(actor=actor, number=number).number
    except ApplicationError as exc:
        raise ApplicationError.field(
            "case_number", _("Không tìm thấy ca %(n)s trong địa bàn của bạn.") % {"n": number}, ErrorCode.NOT_FOUND
        ) from exc


def resolve_links(
    actor: Any, *, person_id: int | None, case_number: str | None, facility_id: int | None
) -> dict[str, Any]:
    from chihuy.people.selectors import person_get
    from chihuy.places.selectors import site_get

    values: dict[str, Any] = {}
    if person_id:
        try:
            values["person"] = person_get(actor=actor, person_id=person_id, audit=False)
        except ApplicationError as exc:
            raise ApplicationError.field(
                "person_id", _("Không tìm thấy người này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
            ) from exc
    if case_number is not None:
        values["case_number"] = check_case_number(actor, case_number)
    if facility_id:
        try:
            values["facility"] = site_get(within=actor.unit_path, site_id=facility_id)
        except ApplicationError as exc:
            raise ApplicationError.field(
                "facility_id", _("Không tìm thấy cơ sở này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
            ) from exc
    return values


# --- endpoints -------------------------------------------------------------------------------------


@router.get("/", response=TicketPage, summary="Phiếu phản ánh trong địa bàn (hạn xử lý sớm nhất trước)")
def list_tickets(request: HttpRequest, query: Query[TicketQuery]) -> Any:
    actor = _actor(request)
    state = query.state if query.state in ("open", "all", *TicketStatus.values) else "open"
    return selectors.ticket_list(
        actor=actor,
        within=_within(actor, query.within_unit_id),
        state=state,
        category=query.category or "",
        priority=query.priority or "",
        overdue=query.overdue,
        owned=query.owned,
        q=query.q,
        cursor=query.cursor,
        limit=query.limit,
    )


@router.post("/", response={201: TicketDetailOut}, summary="Tiếp nhận phản ánh (đường dây nóng hoặc hệ thống khác)")
def intake(request: HttpRequest, payload: TicketIn) -> Any:
    actor = _actor(request)
    if payload.channel not in (TicketChannel.HOTLINE, TicketChannel.API):
        raise ApplicationError.field("channel", _("Kênh tiếp nhận qua API chỉ là đường dây nóng hoặc API."))
    try:
        unit = unit_get(unit_id=payload.unit_id)
    except ApplicationError as exc:
        raise ApplicationError.field("unit_id", _("Không tìm thấy đơn vị."), ErrorCode.NOT_FOUND) from exc
    ticket = services.ticket_intake(
        actor=actor,
        channel=payload.channel,
        category=payload.category,
        priority=payload.priority,
        text=payload.text,
        unit=unit,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        place_text=payload.place_text,
    )
    return Status(201, _detail(actor, ticket.pk))


@router.get("/{int:ticket_id}", response=TicketDetailOut, summary="Một phiếu với diễn biến xử lý")
def get_ticket(request: HttpRequest, ticket_id: int) -> Any:
    return _detail(_actor(request), ticket_id)


@router.patch("/{int:ticket_id}", response=TicketDetailOut, summary="Sửa loại, mức độ, người báo, địa điểm, nội dung")
def update_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    services.ticket_update(actor=actor, ticket=ticket, **payload.dict(exclude_unset=True, exclude_none=True))
    return _detail(actor, ticket_id)


@router.post("/{int:ticket_id}/assign", response=TicketDetailOut, summary="Giao cho cán bộ của đơn vị xử lý")
def assign(request: HttpRequest, ticket_id: int, payload: AssignIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    user = User.objects.filter(pk=payload.owner_user_id).first()
    services.ticket_assign(actor=actor, ticket=ticket, user=user, note=payload.note)
    return _detail(actor, ticket_id)


@router.post("/{int:ticket_id}/comments", response={201: TicketDetailOut}, summary="Ghi chú vào diễn biến")
def comment(request: HttpRequest, ticket_id: int, payload: CommentIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    services.ticket_comment(actor=actor, ticket=ticket, text=payload.text)
    return Status(201, _detail(actor, ticket_id))


@router.post(
    "/{int:ticket_id}/transition",
    response=TicketDetailOut,
    summary="Đổi trạng thái (đang xử lý, đã giải quyết, mở lại)",
)
def transition(request: HttpRequest, ticket_id: int, payload: TransitionIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    services.ticket_transition(actor=actor, ticket=ticket, to=payload.to, note=payload.note)
    return _detail(actor, ticket_id)


@router.post("/{int:ticket_id}/escalate", response=TicketDetailOut, summary="Chuyển lên trung tâm chỉ huy cấp trên")
def escalate(request: HttpRequest, ticket_id: int, payload: EscalateIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    services.ticket_escalate(actor=actor, ticket=ticket, reason=payload.reason)
    return _detail(actor, ticket_id)


@router.post("/{int:ticket_id}/close", response=TicketDetailOut, summary="Đóng phiếu với kết quả xử lý")
def close(request: HttpRequest, ticket_id: int, payload: CloseIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    services.ticket_close(actor=actor, ticket=ticket, outcome=payload.outcome, outcome_text=payload.outcome_text)
    return _detail(actor, ticket_id)


@router.post("/{int:ticket_id}/links", response=TicketDetailOut, summary="Liên kết người, ca F0, cơ sở")
def link(request: HttpRequest, ticket_id: int, payload: LinkIn) -> Any:
    actor = _actor(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    values = resolve_links(
        actor, person_id=payload.person_id, case_number=payload.case_number, facility_id=payload.facility_id
    )
    services.ticket_link(actor=actor, ticket=ticket, **values)
    return _detail(actor, ticket_id)


@router.post(
    "/inbound/zalo",
    auth=None,
    response={200: InboundOut, 201: InboundOut},
    summary="Webhook Zalo OA: tin nhắn của người dân thành phiếu (ký HMAC-SHA256 thân yêu cầu, header "
    f"{inbound.SIGNATURE_HEADER})",
)
def inbound_zalo(request: HttpRequest) -> Any:
    body = request.body
    if not inbound.signature_valid(body, request.headers.get(inbound.SIGNATURE_HEADER)):
        raise ApplicationError(ErrorCode.NOT_AUTHENTICATED, _("Chữ ký webhook không hợp lệ."))
    ticket, created = inbound.zalo_message_to_ticket(body)
    return Status(201 if created else 200, {"number": ticket.number, "created": created})
