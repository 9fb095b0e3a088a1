"""Reads of the command app: centres and members, who is on duty, roster gaps, directives and tasks.

Jurisdiction: a centre, shift or directive is visible to users whose unit path is a prefix of its
unit path; a task is visible to its assignee's subtree and to the issuing centre's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from chihuy.accounts.access import in_jurisdiction, require_perm, scope_q, view_path
from chihuy.accounts.roles import Perm
from chihuy.command.models import (
    CentreMember,
    CommandCentre,
    Directive,
    DirectiveStatus,
    DirectiveTask,
    Position,
    Shift,
    TaskReport,
    TaskStatus,
)
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.core.pagination import Page, keyset_page
from chihuy.places.models import Unit

# --- the contract used by tickets' escalation -----------------------------------------------------


def centre_for_unit(unit: Unit) -> CommandCentre | None:
    """The active centre of `unit`; a village answers its commune's centre."""
    return CommandCentre.objects.filter(unit_path=unit.commune_path, is_active=True).select_related("unit").first()


def on_duty_now(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Any]:
    """Users whose active shift at `centre` covers `at` (now by default), lead before duty before hotline."""
    moment = at or clock.now()
    shifts = (
        Shift.objects.filter(
            centre=centre, is_active=True, starts_at__lte=moment, ends_at__gt=moment, user__isnull=False
        )
        .select_related("user")
        .order_by("role", "starts_at", "id")
    )
    seen: set[int] = set()
    users: list[Any] = []
    for shift in shifts:
        if shift.user_id is not None and shift.user_id not in seen:
            seen.add(shift.user_id)
            users.append(shift.user)
    return users


def centre_commander(centre: CommandCentre) -> CentreMember | None:
    return (
        CentreMember.objects.filter(centre=centre, position=Position.COMMANDER, is_active=True)
        .select_related("user")
        .first()
    )


def centre_alert_recipients(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Any]:
    """Who receives what comes into a centre: the officers on duty now, then the commander (deduplicated)."""
    users = on_duty_now(centre, at=at)
    commander = centre_commander(centre)
    lead = commander.user if commander is not None else None
    if lead is not None and lead.is_active and all(u.pk != lead.pk for u in users):
        users.append(lead)
    return users


# --- centres ---------------------------------------------------------------------------------------


def centre_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[CommandCentre]:
    return CommandCentre.objects.filter(scope_q(actor, within=within))


def centre_get(*, actor: Any, centre_id: int) -> CommandCentre:
    require_perm(actor, Perm.CENTRE_VIEW)
    centre = centre_visible_qs(actor).select_related("unit").filter(pk=centre_id).first()
    if centre is None:
        raise not_found()
    return centre


def centre_list(*, actor: Any, within: str | None = None, include_inactive: bool = False) -> QuerySet[CommandCentre]:
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = centre_visible_qs(actor, within=within).select_related("unit")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("unit_path")


def member_list(*, actor: Any, centre: CommandCentre, include_inactive: bool = False) -> QuerySet[CentreMember]:
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = CentreMember.objects.filter(centre=centre).select_related("user")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    order = ["commander", "deputy", "standing", "member"]
    rank = Case(*[When(position=p, then=Value(i)) for i, p in enumerate(order)], output_field=IntegerField())
    return qs.annotate(rank=rank).order_by("-is_active", "rank", "full_name")


def member_get(*, actor: Any, member_id: int) -> CentreMember:
    require_perm(actor, Perm.CENTRE_VIEW)
    member = (
        CentreMember.objects.filter(scope_q(actor), pk=member_id).select_related("centre", "centre__unit", "user")
    ).first()
    if member is None:
        raise not_found()
    return member


@dataclass
class OnDutyRow:
    centre: CommandCentre
    shifts: list[Shift]
    commander: CentreMember | None


def on_duty_board(*, actor: Any, within: str | None = None, at: dt.datetime | None = None) -> list[OnDutyRow]:
    """Every visible centre with the shifts covering `at` and its commander: three queries in all."""
    require_perm(actor, Perm.CENTRE_VIEW)
    moment = at or clock.now()
    centres = list(centre_list(actor=actor, within=within))
    ids = [c.pk for c in centres]
    by_centre: dict[int, list[Shift]] = {pk: [] for pk in ids}
    for shift in (
        Shift.objects.filter(centre_id__in=ids, is_active=True, starts_at__lte=moment, ends_at__gt=moment)
        .select_related("member", "user")
        .order_by("role", "starts_at", "id")
    ):
        by_centre[shift.centre_id].append(shift)
    commanders = {
        m.centre_id: m
        for m in CentreMember.objects.filter(centre_id__in=ids, position=Position.COMMANDER, is_active=True)
    }
    return [OnDutyRow(centre=c, shifts=by_centre[c.pk], commander=commanders.get(c.pk)) for c in centres]


def on_duty_shifts(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Shift]:
    moment = at or clock.now()
    return list(
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lte=moment, ends_at__gt=moment)
        .select_related("member", "user")
        .order_by("role", "starts_at", "id")
    )


# --- roster ----------------------------------------------------------------------------------------


def shift_list(*, actor: Any, centre: CommandCentre, start: dt.datetime, end: dt.datetime) -> QuerySet[Shift]:
    """Active shifts of `centre` overlapping [start, end)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    return (
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lt=end, ends_at__gt=start)
        .select_related("member", "user")
        .order_by("starts_at", "role", "id")
    )


def shift_get(*, actor: Any, shift_id: int) -> Shift:
    require_perm(actor, Perm.CENTRE_VIEW)
    shift = Shift.objects.filter(scope_q(actor), pk=shift_id).select_related("centre", "member", "user").first()
    if shift is None:
        raise not_found()
    return shift


def roster_gaps(
    centre: CommandCentre, *, hours: int = 72, start: dt.datetime | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The intervals in [start, start + hours) when nobody is on shift at `centre`, merged and in order."""
    begin = start or clock.now()
    end = begin + dt.timedelta(hours=hours)
    intervals = list(
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lt=end, ends_at__gt=begin)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = begin
    for s, e in intervals:
        if s > cursor:
            gaps.append((cursor, min(s, end)))
        if e > cursor:
            cursor = e
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


# --- directives and tasks ------------------------------------------------------------------------


def task_visible_q(actor: Any) -> Q:
    """A task is seen by its assignee's subtree and by the issuing centre's subtree."""
    return scope_q(actor) | scope_q(actor, field="directive__unit_path")


def directive_visible_qs(actor: Any) -> QuerySet[Directive]:
    """Directives of the reader's subtree, and those giving a task to a unit in it (issued ones only)."""
    assigned = DirectiveTask.objects.filter(directive=OuterRef("pk")).filter(scope_q(actor))
    return Directive.objects.filter(scope_q(actor) | (Q(Exists(assigned)) & ~Q(status=DirectiveStatus.DRAFT)))


def directive_list(
    *, actor: Any, status: str = "", q: str = "", cursor: str | None = None, limit: int = 50
) -> Page[Directive]:
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = directive_visible_qs(actor).select_related("centre")
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(number__icontains=q.strip()))
    qs = qs.annotate(
        task_count=Count("tasks", distinct=True),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE), distinct=True),
    )
    return keyset_page(qs, order=["-issued_on", "-id"], cursor=cursor, limit=limit)


def directive_get(*, actor: Any, directive_id: int) -> Directive:
    require_perm(actor, Perm.CENTRE_VIEW)
    directive = directive_visible_qs(actor).select_related("centre", "centre__unit").filter(pk=directive_id).first()
    if directive is None:
        raise not_found()
    return directive


def _overdue_rank(day: dt.date) -> Any:
    return Case(
        When(~Q(status=TaskStatus.DONE) & Q(deadline__lt=day), then=Value(0)),
        When(~Q(status=TaskStatus.DONE), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def directive_tasks(*, actor: Any, directive: Directive) -> list[DirectiveTask]:
    """The tasks the reader may see: overdue first, then open by deadline, then done."""
    day = clock.today()
    qs = DirectiveTask.objects.filter(directive=directive)
    if not in_jurisdiction(actor, directive.unit_path):
        qs = qs.filter(scope_q(actor))
    return list(
        qs.select_related("unit").annotate(rank=_overdue_rank(day)).order_by("rank", "deadline", "unit_path", "id")
    )


def task_list(
    *,
    actor: Any,
    within: str | None = None,
    status: str = "",
    overdue: bool = False,
    assigned_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[DirectiveTask]:
    """Tasks of issued or closed directives visible to the reader; `assigned_only`: tasks given to the
    reader's unit or below (not those the reader's centre issued)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    day = clock.today()
    qs = DirectiveTask.objects.filter(
        scope_q(actor, within=within) if (assigned_only or within) else task_visible_q(actor)
    )
    qs = qs.exclude(directive__status=DirectiveStatus.DRAFT).select_related("unit", "directive", "directive__centre")
    if status == "overdue" or overdue:
        qs = qs.exclude(status=TaskStatus.DONE).filter(deadline__lt=day)
    elif status:
        qs = qs.filter(status=status)
    qs = qs.annotate(rank=_overdue_rank(day))
    return keyset_page(qs, order=["rank", "deadline", "id"], cursor=cursor, limit=limit)


def task_get(*, actor: Any, task_id: int) -> DirectiveTask:
    require_perm(actor, Perm.CENTRE_VIEW)
    task = (
        DirectiveTask.objects.filter(task_visible_q(actor), pk=task_id)
        .select_related("unit", "directive", "directive__centre")
        .first()
    )
    if task is None or (
        task.directive.status == DirectiveStatus.DRAFT and not in_jurisdiction(actor, task.directive.unit_path)
    ):
        raise not_found()
    return task


def task_reports(task: DirectiveTask) -> list[TaskReport]:
    return list(TaskReport.objects.filter(task=task).select_related("author").order_by("-reported_at", "-id"))


def is_overdue(task: DirectiveTask, *, on: dt.date | None = None) -> bool:
    return task.status != TaskStatus.DONE and task.deadline < (on or clock.today())


@dataclass
class CompletionRow:
    unit: Unit
    total: int
    done: int
    in_progress: int
    open: int
    overdue: int
    done_late: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def completion_by_unit(
    *, actor: Any, within: str | None = None, directive: Directive | None = None
) -> tuple[Unit | None, list[CompletionRow]]:
    """Task completion rolled up to each child unit of the view's root (districts for a province reader;
    communes when narrowed to a district): every task given to that unit or below it counts."""
    require_perm(actor, Perm.CENTRE_VIEW)
    root_path = view_path(actor, within)
    root = Unit.objects.filter(path=root_path).first()
    if root is None:
        return None, []
    children = list(Unit.objects.filter(parent=root).order_by("path"))
    rows = {c.path: CompletionRow(c, 0, 0, 0, 0, 0, 0) for c in children}
    qs = DirectiveTask.objects.filter(unit_path__under=root_path).exclude(directive__status=DirectiveStatus.DRAFT)
    if directive is not None:
        qs = qs.filter(directive=directive)
    day = clock.today()
    depth = root_path.count("/") + 1
    for path, status, deadline, completed_at in qs.values_list("unit_path", "status", "deadline", "completed_at"):
        key = "/".join(path.split("/")[:depth]) + "/"
        row = rows.get(key)
        if row is None:
            continue
        row.total += 1
        if status == TaskStatus.DONE:
            row.done += 1
            if completed_at is not None and clock.localdate(completed_at) > deadline:
                row.done_late += 1
        else:
            if status == TaskStatus.IN_PROGRESS:
                row.in_progress += 1
            else:
                row.open += 1
            if deadline < day:
                row.overdue += 1
    return root, [r for r in rows.values() if r.total]
