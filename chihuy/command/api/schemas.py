"""Input and output schemas of the command API (centres, roster, directives, tasks)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.command.models import DirectiveStatus, Position, Sector, ShiftRole, SwapState, TaskStatus


class CentreOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_level: str = Field(alias="unit.level")
    unit_path: str
    name: str
    phone: str
    address: str
    is_active: bool


class CentreIn(Schema):
    unit_id: int
    name: str = ""
    phone: str = ""
    address: str = ""


class CentrePatch(Schema):
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    is_active: bool | None = None


class MemberOut(Schema):
    id: int
    centre_id: int
    user_id: int | None
    full_name: str
    position: Position
    sector: Sector
    title: str
    phone: str
    is_active: bool


class MemberIn(Schema):
    full_name: str = ""
    position: Position = Position.MEMBER
    sector: Sector = Sector.OTHER
    title: str = ""
    phone: str = ""
    user_id: int | None = None


class MemberPatch(Schema):
    full_name: str | None = None
    position: Position | None = None
    sector: Sector | None = None
    title: str | None = None
    phone: str | None = None


class ShiftOut(Schema):
    id: int
    centre_id: int
    member_id: int
    member_name: str = Field(alias="member.full_name")
    member_phone: str = Field(alias="member.phone")
    user_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    role: ShiftRole
    note: str


class OnDutyOut(Schema):
    centre: CentreOut
    commander: MemberOut | None
    shifts: list[ShiftOut]


class ShiftIn(Schema):
    member_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    role: ShiftRole = ShiftRole.DUTY
    note: str = ""


class PlanIn(Schema):
    template: str = Field(description="Mã mẫu ca trong quy định `roster.templates`: 3x8, 2x12")
    start_date: dt.date
    weeks: int = 1
    member_ids: list[int] = Field(description="Thứ tự luân phiên người trực")
    role: ShiftRole = ShiftRole.DUTY


class PlanOut(Schema):
    created: int
    first_starts_at: dt.datetime | None
    last_ends_at: dt.datetime | None


class GapOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime


class SwapIn(Schema):
    to_member_id: int
    counter_shift_id: int | None = None
    reason: str = ""


class SwapOut(Schema):
    id: int
    shift_id: int
    counter_shift_id: int | None
    from_member_id: int
    to_member_id: int
    state: SwapState
    reason: str
    decided_at: dt.datetime | None


class SwapActionIn(Schema):
    action: str = Field(description="accept (người nhận), approve (chỉ huy), decline, cancel")


class HandoverIn(Schema):
    notes: str
    open_items: str = ""
    to_shift_id: int | None = None


class HandoverOut(Schema):
    id: int
    from_shift_id: int
    to_shift_id: int
    notes: str
    open_items: str
    acknowledged_by_id: int | None
    acknowledged_at: dt.datetime | None


class TaskIn(Schema):
    unit_id: int
    description: str
    deadline: dt.date


class DirectiveIn(Schema):
    centre_id: int
    number: str = ""
    issued_on: dt.date
    title: str
    summary: str = ""
    tasks: list[TaskIn] = []
    issue: bool = Field(False, description="Ban hành ngay (gửi thông báo tới trung tâm các đơn vị được giao)")


class DirectiveOut(Schema):
    id: int
    centre_id: int
    centre_name: str = Field(alias="centre.name")
    number: str
    issued_on: dt.date
    title: str
    summary: str
    status: DirectiveStatus
    document_url: str | None = None
    issued_at: dt.datetime | None

    @staticmethod
    def resolve_document_url(obj: object) -> str | None:
        document = getattr(obj, "document", None)
        return document.url if document else None


class TaskOut(Schema):
    id: int
    directive_id: int
    directive_number: str = Field(alias="directive.number")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    description: str
    deadline: dt.date
    status: TaskStatus
    progress: int
    completed_at: dt.datetime | None
    overdue: bool = False


class DirectiveDetailOut(Schema):
    directive: DirectiveOut
    tasks: list[TaskOut]


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class DirectivePage(Schema):
    items: list[DirectiveOut]
    next_cursor: str | None


class ReportOut(Schema):
    id: int
    task_id: int
    author_id: int | None
    progress: int
    text: str
    evidence_url: str | None = None
    reported_at: dt.datetime

    @staticmethod
    def resolve_evidence_url(obj: object) -> str | None:
        evidence = getattr(obj, "evidence", None)
        return evidence.url if evidence else None


class CompletionOut(Schema):
    unit_id: int
    unit_name: str
    total: int
    done: int
    in_progress: int
    open: int
    overdue: int
    done_late: int
    percent: int
