"""Tracer work and what is published from it: tracing attempts and outcomes (feeding the 5S clock), the
F0's itinerary ("mốc dịch tễ"), exposure-site notices drafted by a health officer and approved by a
commander (no personal data in them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import ISOLATED_STATUSES, NOTICE_TRANSITIONS, NoticeStatus, TraceStatus
from chihuy.cases.models import Case, Classification, ExposureNotice, ItineraryStop, TraceAttempt
from chihuy.cases.services.cases import fives_refresh
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit


@transaction.atomic
def trace_attempt_record(*, actor: Any, classification: Classification, outcome: str, note: str = "") -> TraceAttempt:
    """A call or visit and its outcome; the queue item takes the outcome as its status."""
    require_perm(actor, Perm.TRACE_WORK)
    classification = Classification.objects.select_for_update().get(pk=classification.pk)
    require_in_jurisdiction(actor, classification.unit_path, field="classification")
    if outcome not in TraceStatus.values or outcome == TraceStatus.PENDING:
        raise ApplicationError.field("outcome", _("Chọn kết quả liên hệ."))
    if classification.level is None or classification.level == 0:
        raise ApplicationError.field("classification", _("Người này không còn trong danh sách truy vết."))
    now = clock.now()
    attempt = TraceAttempt.objects.create(
        classification=classification,
        at=now,
        outcome=outcome,
        note=note.strip()[:500],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    before = {"trace_status": classification.trace_status}
    classification.trace_status = outcome
    if outcome != TraceStatus.UNREACHABLE and classification.traced_at is None:
        classification.traced_at = now
    if outcome in ISOLATED_STATUSES and classification.isolated_at is None:
        classification.isolated_at = now
    classification.save(update_fields=["trace_status", "traced_at", "isolated_at", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=classification,
        before=before,
        after={"trace_status": outcome},
        details={"note": attempt.note} if attempt.note else None,
    )
    if classification.root_case_id:
        fives_refresh({classification.root_case_id})
    return attempt


@transaction.atomic
def itinerary_add(
    *,
    actor: Any,
    case: Case,
    place: str,
    start_at: dt.datetime,
    end_at: dt.datetime,
    address: str = "",
    place_unit: Unit | None = None,
    note: str = "",
) -> ItineraryStop:
    """A place and time the F0 visited, inside the infectious window."""
    require_perm(actor, Perm.TRACE_WORK)
    require_in_jurisdiction(actor, case.unit_path, field="case")
    if not place.strip():
        raise ApplicationError.field("place", _("Nhập tên địa điểm."))
    if end_at < start_at:
        raise ApplicationError.field("end_at", _("Thời điểm rời đi trước thời điểm đến."))
    if start_at > clock.now():
        raise ApplicationError.field("start_at", _("Thời điểm đến không được ở tương lai."))
    if clock.localdate(end_at) < case.infectious_from:
        raise ApplicationError.field(
            "start_at",
            _("Mốc này trước thời kỳ lây truyền của ca (từ %(d)s).") % {"d": case.infectious_from.strftime("%d/%m/%Y")},
        )
    if case.infectious_until and clock.localdate(start_at) > case.infectious_until:
        raise ApplicationError.field("start_at", _("Mốc này sau khi ca đã hết thời kỳ lây truyền."))
    stop = ItineraryStop(
        case=case,
        unit_path=case.unit_path,
        place=place.strip()[:200],
        address=address.strip()[:300],
        place_unit=place_unit,
        start_at=start_at,
        end_at=end_at,
        note=note.strip()[:300],
    )
    stop.full_clean(exclude=["case", "place_unit"])
    stop.save()
    audit_record(actor=actor, action="create", obj=stop, after=snapshot(stop))
    return stop


@transaction.atomic
def notice_draft(*, actor: Any, case: Case, title: str, stop_ids: list[int], advice: str = "") -> ExposureNotice:
    """A notice of places and times from the case's itinerary: only place, address and times are copied."""
    require_perm(actor, Perm.NOTICE_DRAFT)
    require_in_jurisdiction(actor, case.unit_path, field="case")
    if not title.strip():
        raise ApplicationError.field("title", _("Nhập tiêu đề thông báo."))
    stops = list(ItineraryStop.objects.filter(case=case, pk__in=stop_ids).order_by("start_at"))
    if not stops:
        raise ApplicationError.field("stop_ids", _("Chọn ít nhất một mốc dịch tễ."))
    if len(stops) != len(set(stop_ids)):
        raise ApplicationError.field("stop_ids", _("Có mốc không thuộc ca này."), ErrorCode.NOT_FOUND)
    items = [
        {
            "place": s.place,
            "address": s.address,
            "start_at": clock.local(s.start_at).isoformat(),
            "end_at": clock.local(s.end_at).isoformat(),
        }
        for s in stops
    ]
    notice = ExposureNotice(
        case=case,
        unit_id=case.unit_id,
        unit_path=case.unit_path,
        title=title.strip()[:200],
        advice=advice.strip(),
        items=items,
        drafted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    notice.full_clean(exclude=["case", "unit", "drafted_by", "approved_by"])
    notice.save()
    audit_record(actor=actor, action="create", obj=notice, after={"title": notice.title, "items": items})
    return notice


@transaction.atomic
def notice_transition(*, actor: Any, notice: ExposureNotice, to: str, reason: str = "") -> ExposureNotice:
    """Approve (a commander) or withdraw a notice (its drafter's side or the commander who approves);
    only approved notices are public."""
    if to == NoticeStatus.APPROVED or not has_perm(actor, Perm.NOTICE_APPROVE):
        require_perm(actor, Perm.NOTICE_APPROVE if to == NoticeStatus.APPROVED else Perm.NOTICE_DRAFT)
    notice = ExposureNotice.objects.select_for_update().get(pk=notice.pk)
    require_in_jurisdiction(actor, notice.unit_path, field="notice")
    if to not in NOTICE_TRANSITIONS.get(notice.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được thông báo từ “%(a)s” sang “%(b)s”.")
            % {
                "a": NoticeStatus(notice.status).label,
                "b": NoticeStatus(to).label if to in NoticeStatus.values else to,
            },
        )
    before = {"status": notice.status}
    notice.status = to
    fields = ["status", "updated_at"]
    if to == NoticeStatus.APPROVED:
        notice.approved_by = actor
        notice.approved_at = clock.now()
        fields += ["approved_by", "approved_at"]
    notice.save(update_fields=fields)
    audit_record(
        actor=actor, action="update", obj=notice, before=before, after={"status": to}, details={"reason": reason}
    )
    return notice


@transaction.atomic
def classifications_mark_isolated(
    *, actor: Any, person_ids: list[int], outcome: str, note: str, at: dt.datetime | None = None
) -> int:
    """People under tracing were admitted to quarantine (facility or home): their queue items take the outcome
    and the time, which closes the 5S step "F1 isolated" of their F0. Called by `response` after an admission
    the isolation services authorised (the admitting manager need not be a tracer); one attempt row each."""
    if outcome not in ISOLATED_STATUSES:
        raise ApplicationError.field("outcome", _("Kết quả phải là đã cách ly."))
    now = at or clock.now()
    items = list(
        Classification.objects.select_for_update()
        .filter(person_id__in=person_ids, level__gte=1)
        .exclude(trace_status__in=list(ISOLATED_STATUSES), isolated_at__isnull=False)
        .order_by("pk")
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    TraceAttempt.objects.bulk_create(
        [TraceAttempt(classification=c, at=now, outcome=outcome, note=note[:500], actor=user) for c in items]
    )
    roots: set[int] = set()
    for item in items:
        before = {"trace_status": item.trace_status}
        item.trace_status = outcome
        item.traced_at = item.traced_at or now
        item.isolated_at = item.isolated_at or now
        item.save(update_fields=["trace_status", "traced_at", "isolated_at", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            obj=item,
            before=before,
            after={"trace_status": outcome},
            details={"note": note},
        )
        if item.root_case_id:
            roots.add(item.root_case_id)
    if roots:
        fives_refresh(roots)
    return len(items)
