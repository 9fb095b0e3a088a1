"""Writes of the duty roster: shifts (no overlap for one person), weekly plans from templates that write all
or nothing, swaps with a transition table, hand-overs acknowledged by the incoming officer, and the sweep
that alerts commanders to gaps in the coming hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import (
    CentreMember,
    CommandCentre,
    Handover,
    RosterGapAlert,
    Shift,
    ShiftRole,
    ShiftSwap,
    SwapState,
)
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get

DEFAULT_TEMPLATES: dict[str, Any] = {
    "3x8": {
        "label": "3 ca × 8 giờ (07–15, 15–23, 23–07)",
        "slots": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]],
    },
    "2x12": {"label": "2 ca × 12 giờ (07–19, 19–07)", "slots": [["07:00", "19:00"], ["19:00", "07:00"]]},
}
MAX_PLAN_WEEKS = 8


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def shift_label(shift: Shift) -> str:
    return _("ca #%(id)s của %(name)s tại %(centre)s từ %(start)s đến %(end)s") % {
        "id": shift.pk,
        "name": shift.member.full_name,
        "centre": shift.centre.name,
        "start": _fmt(shift.starts_at),
        "end": _fmt(shift.ends_at),
    }


def _overlapping(
    member: CentreMember, starts_at: dt.datetime, ends_at: dt.datetime, exclude: Sequence[int] = ()
) -> Shift | None:
    """The first active shift of the same person (same member, or the same account anywhere) overlapping."""
    person = Q(member=member)
    if member.user_id is not None:
        person |= Q(user_id=member.user_id)
    return (
        Shift.objects.filter(person, is_active=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=list(exclude))
        .select_related("member", "centre")
        .order_by("starts_at")
        .first()
    )


def _overlap_error(member: CentreMember, other: Shift, *, field: str = "starts_at") -> ApplicationError:
    return ApplicationError(
        ErrorCode.CONFLICT,
        _("%(name)s bị trùng ca: đã có %(shift)s.") % {"name": member.full_name, "shift": shift_label(other)},
        [{"field": field, "message": shift_label(other), "shift_id": other.pk}],
    )


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError.field("starts_at", _("Thời điểm phải có múi giờ."))
    if ends_at <= starts_at:
        raise ApplicationError.field("ends_at", _("Giờ kết thúc ca phải sau giờ bắt đầu."))
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ApplicationError.field("ends_at", _("Một ca trực không dài quá 24 giờ."))


def _check_member(centre: CommandCentre, member: CentreMember, field: str = "member") -> None:
    if member.centre_id != centre.pk or not member.is_active:
        raise ApplicationError.field(
            field, _("%(name)s không phải thành viên đang hoạt động của trung tâm.") % {"name": member.full_name}
        )


@transaction.atomic
def shift_create(
    *,
    actor: Any,
    centre: CommandCentre,
    member: CentreMember,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    role: str = ShiftRole.DUTY,
    note: str = "",
) -> Shift:
    require_perm(actor, Perm.ROSTER_MANAGE)
    require_in_jurisdiction(actor, centre.unit_path, field="centre")
    _check_member(centre, member)
    _check_times(starts_at, ends_at)
    if role not in ShiftRole.values:
        raise ApplicationError.field("role", _("Vai trò ca trực không hợp lệ."))
    # Lock the person's shifts so that two concurrent plans cannot both pass the overlap check.
    list(CentreMember.objects.select_for_update().filter(pk=member.pk))
    other = _overlapping(member, starts_at, ends_at)
    if other is not None:
        raise _overlap_error(member, other)
    shift = Shift(
        centre=centre,
        unit_path=centre.unit_path,
        member=member,
        user_id=member.user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        role=role,
        note=note.strip()[:300],
    )
    shift.full_clean()
    shift.save()
    audit_record(actor=actor, action="create", obj=shift, after=snapshot(shift))
    return shift


@transaction.atomic
def shift_cancel(*, actor: Any, shift: Shift, reason: str = "") -> Shift:
    require_perm(actor, Perm.ROSTER_MANAGE)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    require_in_jurisdiction(actor, shift.unit_path, field="shift")
    if not shift.is_active:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Ca trực đã hủy."))
    shift.is_active = False
    shift.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="deactivate", obj=shift, details={"reason": reason.strip()})
    return shift


def roster_templates(*, on: dt.date | None = None) -> dict[str, Any]:
    """The shift templates in force (policy `roster.templates`)."""
    value = policy_get("roster.templates", on=on, default=None)
    return value if isinstance(value, dict) and value else DEFAULT_TEMPLATES


def _parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def plan_slots(template: dict[str, Any], start_date: dt.date, weeks: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The template's slots for every day of the weeks, in order; a slot ending at or before it starts ends next day."""
    tz = _tz()
    slots: list[tuple[dt.datetime, dt.datetime]] = []
    for day_index in range(7 * weeks):
        day = start_date + dt.timedelta(days=day_index)
        for begin, end in template["slots"]:
            b, e = _parse_hhmm(begin), _parse_hhmm(end)
            starts = dt.datetime.combine(day, b, tzinfo=tz)
            ends = dt.datetime.combine(day if e > b else day + dt.timedelta(days=1), e, tzinfo=tz)
            slots.append((starts, ends))
    return slots


@transaction.atomic
def roster_plan(
    *,
    actor: Any,
    centre: CommandCentre,
    template: str,
    start_date: dt.date,
    weeks: int,
    people: Sequence[CentreMember],
    role: str = ShiftRole.DUTY,
) -> list[Shift]:
    """Fill `weeks` weeks from `start_date` with the template's slots, rotating `people` in order.

    Every shift is checked first (against the stored roster and against each other); one conflict and
    nothing is written, and the error names the shift it collides with.
    """
    require_perm(actor, Perm.ROSTER_MANAGE)
    require_in_jurisdiction(actor, centre.unit_path, field="centre")
    templates = roster_templates(on=start_date)
    if template not in templates:
        raise ApplicationError.field("template", _("Không có mẫu ca “%(t)s”.") % {"t": template})
    if not 1 <= weeks <= MAX_PLAN_WEEKS:
        raise ApplicationError.field("weeks", _("Số tuần từ 1 đến %(n)s.") % {"n": MAX_PLAN_WEEKS})
    if not people:
        raise ApplicationError.field("people", _("Chọn ít nhất một người trực."))
    if role not in ShiftRole.values:
        raise ApplicationError.field("role", _("Vai trò ca trực không hợp lệ."))
    members = list(CentreMember.objects.select_for_update().filter(pk__in=[p.pk for p in people]))
    by_id = {m.pk: m for m in members}
    rotation = [by_id[p.pk] for p in people if p.pk in by_id]
    for i, member in enumerate(rotation):
        _check_member(centre, member, field=f"people[{i}]")
    if len(rotation) != len(people):
        raise ApplicationError.field("people", _("Không tìm thấy thành viên."))

    planned: list[Shift] = []
    for index, (starts, ends) in enumerate(plan_slots(templates[template], start_date, weeks)):
        member = rotation[index % len(rotation)]
        other = _overlapping(member, starts, ends)
        if other is not None:
            raise _overlap_error(member, other, field="start_date")
        planned.append(
            Shift(
                centre=centre,
                unit_path=centre.unit_path,
                member=member,
                user_id=member.user_id,
                starts_at=starts,
                ends_at=ends,
                role=role,
                note=str(templates[template].get("label", template))[:300],
            )
        )
    for shift in planned:
        shift.full_clean()
    created = Shift.objects.bulk_create(planned)
    audit_record(
        actor=actor,
        action="create",
        object_type="command.shift",
        object_repr=_("Lịch trực %(n)s ca từ %(d)s") % {"n": len(created), "d": start_date.strftime("%d/%m/%Y")},
        unit_path=centre.unit_path,
        details={
            "centre": centre.pk,
            "template": template,
            "start_date": start_date,
            "weeks": weeks,
            "people": [m.pk for m in rotation],
            "shifts": len(created),
        },
    )
    return created


# --- swaps -------------------------------------------------------------------------------------------

SWAP_TRANSITIONS: dict[str, set[str]] = {
    SwapState.REQUESTED: {SwapState.ACCEPTED, SwapState.APPROVED, SwapState.DECLINED, SwapState.CANCELLED},
    SwapState.ACCEPTED: set(),
    SwapState.APPROVED: set(),
    SwapState.DECLINED: set(),
    SwapState.CANCELLED: set(),
}


def _is_user(actor: Any, member: CentreMember) -> bool:
    return member.user_id is not None and getattr(actor, "pk", None) == member.user_id


@transaction.atomic
def swap_request(
    *,
    actor: Any,
    shift: Shift,
    to_member: CentreMember,
    counter_shift: Shift | None = None,
    reason: str = "",
) -> ShiftSwap:
    """The officer on `shift` (or a roster manager) offers it to `to_member`, optionally taking `counter_shift`."""
    require_perm(actor, Perm.CENTRE_VIEW)
    shift = Shift.objects.select_related("member", "centre").get(pk=shift.pk)
    require_in_jurisdiction(actor, shift.unit_path, field="shift")
    if not (_is_user(actor, shift.member) or has_perm(actor, Perm.ROSTER_MANAGE)):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người trực ca này hoặc chỉ huy mới đổi được ca."))
    if not shift.is_active or shift.ends_at <= clock.now():
        raise ApplicationError.field("shift", _("Ca này đã kết thúc hoặc đã hủy."), ErrorCode.INVALID_TRANSITION)
    _check_member(shift.centre, to_member, field="to_member")
    if to_member.pk == shift.member_id:
        raise ApplicationError.field("to_member", _("Chọn một người khác để đổi ca."))
    if counter_shift is not None:
        counter_shift = Shift.objects.select_related("member", "centre").get(pk=counter_shift.pk)
        if (
            counter_shift.member_id != to_member.pk
            or counter_shift.centre_id != shift.centre_id
            or not counter_shift.is_active
        ):
            raise ApplicationError.field("counter_shift", _("Ca đổi lại phải là ca của người nhận tại cùng trung tâm."))
    if ShiftSwap.objects.filter(shift=shift, state=SwapState.REQUESTED).exists():
        raise ApplicationError.field("shift", _("Ca này đang có một yêu cầu đổi chờ xử lý."), ErrorCode.CONFLICT)
    swap = ShiftSwap(
        shift=shift,
        counter_shift=counter_shift,
        from_member=shift.member,
        to_member=to_member,
        unit_path=shift.unit_path,
        reason=reason.strip()[:300],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    swap.full_clean()
    swap.save()
    audit_record(actor=actor, action="create", obj=swap, after=snapshot(swap))
    return swap


def _swap_transition(actor: Any, swap: ShiftSwap, target: str) -> ShiftSwap:
    if target not in SWAP_TRANSITIONS[swap.state]:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được yêu cầu đổi ca từ “%(a)s” sang “%(b)s”.")
            % {"a": SwapState(swap.state).label, "b": SwapState(target).label},
        )
    before = swap.state
    swap.state = target
    swap.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    swap.decided_at = clock.now()
    swap.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=swap, before={"state": before}, after={"state": target})
    return swap


def _lock_swap(actor: Any, swap: ShiftSwap) -> ShiftSwap:
    swap = ShiftSwap.objects.select_for_update().select_related("from_member", "to_member").get(pk=swap.pk)
    require_in_jurisdiction(actor, swap.unit_path, field="swap")
    return swap


def _apply_swap(swap: ShiftSwap) -> None:
    shift = Shift.objects.select_for_update().select_related("member", "centre").get(pk=swap.shift_id)
    counter = None
    if swap.counter_shift_id is not None:
        counter = Shift.objects.select_for_update().select_related("member", "centre").get(pk=swap.counter_shift_id)
    if shift.member_id != swap.from_member_id or (counter is not None and counter.member_id != swap.to_member_id):
        raise ApplicationError(ErrorCode.CONFLICT, _("Lịch trực đã thay đổi từ khi yêu cầu; tạo yêu cầu mới."))
    if not shift.is_active or (counter is not None and not counter.is_active):
        raise ApplicationError(ErrorCode.CONFLICT, _("Ca trong yêu cầu đã bị hủy."))
    exclude = [shift.pk] + ([counter.pk] if counter is not None else [])
    other = _overlapping(swap.to_member, shift.starts_at, shift.ends_at, exclude)
    if other is not None:
        raise _overlap_error(swap.to_member, other, field="shift")
    if counter is not None:
        other = _overlapping(swap.from_member, counter.starts_at, counter.ends_at, exclude)
        if other is not None:
            raise _overlap_error(swap.from_member, other, field="counter_shift")
        counter.member = swap.from_member
        counter.user_id = swap.from_member.user_id
        counter.save(update_fields=["member", "user", "updated_at"])
    shift.member = swap.to_member
    shift.user_id = swap.to_member.user_id
    shift.save(update_fields=["member", "user", "updated_at"])


@transaction.atomic
def swap_accept(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    """The receiving officer agrees: the shifts change hands at once."""
    swap = _lock_swap(actor, swap)
    if not _is_user(actor, swap.to_member):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người được đề nghị nhận ca mới đồng ý được."))
    _swap_transition(actor, swap, SwapState.ACCEPTED)
    _apply_swap(swap)
    return swap


@transaction.atomic
def swap_approve(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    """The commander (roster manager) decides for both: the shifts change hands at once."""
    require_perm(actor, Perm.ROSTER_MANAGE)
    swap = _lock_swap(actor, swap)
    _swap_transition(actor, swap, SwapState.APPROVED)
    _apply_swap(swap)
    return swap


@transaction.atomic
def swap_decline(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    swap = _lock_swap(actor, swap)
    if not (_is_user(actor, swap.to_member) or has_perm(actor, Perm.ROSTER_MANAGE)):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người được đề nghị hoặc chỉ huy mới từ chối được."))
    return _swap_transition(actor, swap, SwapState.DECLINED)


@transaction.atomic
def swap_cancel(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    swap = _lock_swap(actor, swap)
    requester = swap.requested_by_id is not None and swap.requested_by_id == getattr(actor, "pk", None)
    if not (requester or _is_user(actor, swap.from_member)):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người đề nghị mới hủy được yêu cầu."))
    return _swap_transition(actor, swap, SwapState.CANCELLED)


# --- hand-overs ----------------------------------------------------------------------------------------


def next_shift(shift: Shift) -> Shift | None:
    """The shift at the same centre that takes over when `shift` ends."""
    return (
        Shift.objects.filter(
            centre_id=shift.centre_id, is_active=True, starts_at__lte=shift.ends_at, ends_at__gt=shift.ends_at
        )
        .exclude(pk=shift.pk)
        .select_related("member")
        .order_by("starts_at", "id")
        .first()
    )


@transaction.atomic
def handover_create(
    *, actor: Any, from_shift: Shift, notes: str, open_items: str = "", to_shift: Shift | None = None
) -> Handover:
    """The outgoing officer writes notes and open items for the next shift."""
    require_perm(actor, Perm.CENTRE_VIEW)
    from_shift = Shift.objects.select_related("member", "centre").get(pk=from_shift.pk)
    require_in_jurisdiction(actor, from_shift.unit_path, field="from_shift")
    if not (_is_user(actor, from_shift.member) or has_perm(actor, Perm.ROSTER_MANAGE)):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người trực ca này mới bàn giao được."))
    if not notes.strip():
        raise ApplicationError.field("notes", _("Nhập nội dung bàn giao."))
    target = to_shift or next_shift(from_shift)
    if target is None:
        raise ApplicationError.field("to_shift", _("Chưa có ca tiếp theo để nhận bàn giao."))
    if target.centre_id != from_shift.centre_id or target.pk == from_shift.pk or not target.is_active:
        raise ApplicationError.field("to_shift", _("Ca nhận bàn giao phải là một ca khác của cùng trung tâm."))
    if Handover.objects.filter(from_shift=from_shift, to_shift=target).exists():
        raise ApplicationError.field("to_shift", _("Ca này đã bàn giao cho ca đó."), ErrorCode.CONFLICT)
    handover = Handover(
        from_shift=from_shift,
        to_shift=target,
        unit_path=from_shift.unit_path,
        notes=notes.strip(),
        open_items=open_items.strip(),
        written_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    handover.full_clean()
    handover.save()
    audit_record(actor=actor, action="create", obj=handover, after=snapshot(handover))
    return handover


@transaction.atomic
def handover_acknowledge(*, actor: Any, handover: Handover) -> Handover:
    """The incoming officer confirms they have read the hand-over; once."""
    handover = Handover.objects.select_for_update().select_related("to_shift__member").get(pk=handover.pk)
    require_in_jurisdiction(actor, handover.unit_path, field="handover")
    if handover.acknowledged_at is not None:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Bàn giao đã được xác nhận."))
    if not _is_user(actor, handover.to_shift.member):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Chỉ người trực ca nhận mới xác nhận được."))
    handover.acknowledged_by = actor
    handover.acknowledged_at = clock.now()
    handover.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=handover, after={"acknowledged_at": handover.acknowledged_at})
    return handover


# --- the gap sweep ----------------------------------------------------------------------------------------


def gap_horizon_hours(*, on: dt.date | None = None) -> int:
    value = policy_get("roster.gap_horizon_hours", on=on, default=None)
    if isinstance(value, dict):
        value = value.get("hours")
    return int(value or 72)


@transaction.atomic
def roster_gap_alerts(*, at: dt.datetime | None = None) -> int:
    """Alert each centre's commander to every uncovered interval in the coming horizon, once per gap.

    A gap's edges move as time passes (it starts "now" or ends at the horizon), so an already alerted gap
    is recognised by overlap with the stored one, whose bounds then grow to cover it.
    """
    from chihuy.command import notifications  # noqa: F401  (registers the templates)
    from chihuy.command.selectors import centre_commander, roster_gaps
    from chihuy.notify.services import message_enqueue

    moment = at or clock.now()
    hours = gap_horizon_hours(on=clock.localdate(moment))
    sent = 0
    for centre in CommandCentre.objects.filter(is_active=True).select_related("unit").order_by("unit_path"):
        gaps = roster_gaps(centre, hours=hours, start=moment)
        if not gaps:
            continue
        known = list(RosterGapAlert.objects.select_for_update().filter(centre=centre, ends_at__gt=moment))
        commander = None
        for starts, ends in gaps:
            row = next((k for k in known if k.starts_at < ends and k.ends_at > starts), None)
            if row is not None:
                if starts < row.starts_at or ends > row.ends_at:
                    row.starts_at, row.ends_at = min(row.starts_at, starts), max(row.ends_at, ends)
                    row.save(update_fields=["starts_at", "ends_at", "updated_at"])
                continue
            commander = commander or centre_commander(centre)
            if commander is None:
                continue
            known.append(RosterGapAlert.objects.create(centre=centre, starts_at=starts, ends_at=ends))
            users = [commander.user] if commander.user is not None and commander.user.is_active else []
            addresses = [("sms", commander.phone)] if not users and commander.phone else []
            message_enqueue(
                template="command.roster_gap",
                context={
                    "centre": centre.name,
                    "starts": _fmt(starts),
                    "ends": _fmt(ends),
                    "url": f"/command/centres/{centre.pk}/roster/",
                },
                users=users,
                addresses=addresses,
                unit=centre.unit,
                source=f"command.roster_gap:{centre.pk}",
            )
            sent += 1
    return sent


def can_manage_roster(actor: Any, centre: CommandCentre) -> bool:
    return has_perm(actor, Perm.ROSTER_MANAGE) and in_jurisdiction(actor, centre.unit_path)
