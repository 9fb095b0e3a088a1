"""Writes of F0 cases: report (find-or-create the person, infectious window, sources, cascade), update,
status transitions (ruled out, recovered, died — each cascading down), sources with the no-cycle rule,
and the 5S clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases import levels
from chihuy.cases.enums import (
    CASE_TRANSITIONS,
    ISOLATED_STATUSES,
    REACHED_STATUSES,
    CaseStatus,
    ClinicalState,
    DetectionWay,
    LevelCause,
    RuleOutReason,
    TestType,
)
from chihuy.cases.models import Case, CaseSource, Classification, Cluster
from chihuy.cases.rules import infectious_window
from chihuy.core import clock
from chihuy.core.audit import audit_record, audit_record_many, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.models import Person

_CHUNK = 2000


def _next_number() -> str:
    """ "CH" + a running number; imported line lists keep their own numbers ("BN123")."""
    last = Case.objects.filter(number__startswith="CH").order_by("-number").values_list("number", flat=True).first()
    n = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    return f"CH{n:06d}"


def _check_dates(
    *,
    detected_at: dt.datetime,
    sample_date: dt.date | None,
    onset_date: dt.date | None,
    asymptomatic: bool,
    died_on: dt.date | None = None,
) -> None:
    now = clock.now()
    if detected_at > now + dt.timedelta(minutes=5):
        raise ApplicationError.field("detected_at", _("Thời điểm phát hiện không được ở tương lai."))
    detected_day = clock.localdate(detected_at)
    if sample_date is not None and sample_date > detected_day:
        raise ApplicationError.field("sample_date", _("Ngày lấy mẫu sau ngày có kết quả dương tính."))
    if sample_date is not None and sample_date < detected_day - dt.timedelta(days=30):
        raise ApplicationError.field("sample_date", _("Ngày lấy mẫu sớm hơn ngày phát hiện quá 30 ngày."))
    if asymptomatic and onset_date is not None:
        raise ApplicationError.field("onset_date", _("Ca không triệu chứng thì không ghi ngày khởi phát."))
    if onset_date is not None and onset_date > clock.today():
        raise ApplicationError.field("onset_date", _("Ngày khởi phát không được ở tương lai."))
    if onset_date is None and sample_date is None:
        raise ApplicationError.field("sample_date", _("Ghi ngày lấy mẫu (hoặc ngày khởi phát triệu chứng)."))
    if died_on is not None:
        if onset_date is not None and onset_date > died_on:
            raise ApplicationError.field("onset_date", _("Ngày khởi phát sau ngày tử vong."))
        if died_on > clock.today():
            raise ApplicationError.field("died_on", _("Ngày tử vong không được ở tương lai."))


def _source_cases(actor: Any, source_case_ids: list[int]) -> list[Case]:
    from chihuy.cases.selectors import case_visible_qs

    ids = sorted(set(source_case_ids))
    found = list(case_visible_qs(actor).filter(pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        raise ApplicationError.field(
            "source_case_ids",
            _("Không tìm thấy ca nguồn #%(ids)s.") % {"ids": ", #".join(map(str, missing))},
            ErrorCode.NOT_FOUND,
        )
    return found


@transaction.atomic
def case_report(
    *,
    actor: Any,
    person: Person,
    detection_way: str,
    detected_at: dt.datetime,
    sample_date: dt.date | None = None,
    onset_date: dt.date | None = None,
    asymptomatic: bool = False,
    test_type: str = TestType.RT_PCR,
    result_ref: str = "",
    ct_value: float | None = None,
    place_detected: str = "",
    source_known: bool = False,
    source_case_ids: list[int] | None = None,
    cluster: Cluster | None = None,
    clinical_state: str = ClinicalState.MILD,
    treatment_place: str = "",
    number: str = "",
    is_demo: bool = False,
) -> Case:
    """Report a confirmed case (F0) for a person of the actor's area: the infectious window from the policy,
    the transmission links, and the cascade (the person's contacts become F1, theirs F2 …). The case is
    visible at once to every level above (their paths are prefixes of the case's)."""
    require_perm(actor, Perm.CASE_REPORT)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    return _case_create(
        actor=actor,
        person=person,
        detection_way=detection_way,
        detected_at=detected_at,
        sample_date=sample_date,
        onset_date=onset_date,
        asymptomatic=asymptomatic,
        test_type=test_type,
        result_ref=result_ref,
        ct_value=ct_value,
        place_detected=place_detected,
        source_known=source_known,
        source_case_ids=source_case_ids,
        cluster=cluster,
        clinical_state=clinical_state,
        treatment_place=treatment_place,
        number=number,
        is_demo=is_demo,
    )


@dataclass(frozen=True)
class Confirmation:
    """A positive result to confirm as an F0, for the person the tube identifies (never matched by name)."""

    key: int  # the caller's id of the result (a tube)
    person_id: int
    detection_way: str
    detected_at: dt.datetime
    sample_date: dt.date
    test_type: str
    result_ref: str
    ct_value: float | None = None
    place_detected: str = ""


@dataclass
class Confirmed:
    numbers: dict[int, str] = field(default_factory=dict)  # key → the F0's number (new, or the person's active case)
    created: list[str] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # key → why no case


@transaction.atomic
def case_confirm_many(*, actor: Any, items: Sequence[Confirmation]) -> Confirmed:
    """F0 reports from positive results (called by `response` only). The result is the authority: the lab
    technician who entered it needs neither the right to report cases nor the person's area — `response` has
    checked that the tube was received by the actor's lab; the technician is still creator and audit actor.

    Many at once (a lab's result file): people locked and read in bulk, numbers allocated in one go, cases and
    audit rows inserted in bulk, and one cascade from every new F0. A person already an active F0 (or confirmed
    by an earlier item) joins that case; a person who cannot be confirmed is refused with the reason, the others
    stand."""
    out = Confirmed()
    ids = sorted({item.person_id for item in items})
    people: dict[int, Person] = {}
    active: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        people.update({p.pk: p for p in Person.objects.select_for_update().filter(pk__in=chunk)})
        active.update(
            Case.objects.filter(person_id__in=chunk, status=CaseStatus.ACTIVE).values_list("person_id", "number")
        )
    windows: dict[dt.date, tuple[dt.date, dt.date | None]] = {}
    last = _next_number()
    running = int(last[2:])
    now = clock.now()
    new_cases: list[Case] = []
    for item in items:
        person = people.get(item.person_id)
        if person is None or not person.is_active:
            out.refused[item.key] = _("Hồ sơ người này đã vô hiệu hóa hoặc đã gộp.")
            continue
        if item.person_id in active:
            out.numbers[item.key] = active[item.person_id]
            continue
        try:
            if item.detection_way not in DetectionWay.values:
                raise ApplicationError.field("detection_way", _("Hình thức phát hiện không hợp lệ."))
            if item.test_type not in TestType.values:
                raise ApplicationError.field("test_type", _("Loại xét nghiệm không hợp lệ."))
            if item.ct_value is not None and not 0 < item.ct_value <= 45:
                raise ApplicationError.field("ct_value", _("Giá trị Ct phải trong khoảng 0–45."))
            _check_dates(
                detected_at=item.detected_at, sample_date=item.sample_date, onset_date=None, asymptomatic=False
            )
        except ApplicationError as exc:
            out.refused[item.key] = exc.message
            continue
        if item.sample_date not in windows:
            windows[item.sample_date] = infectious_window(onset_date=None, sample_date=item.sample_date)
        begin, end = windows[item.sample_date]
        number = f"CH{running:06d}"
        running += 1
        new_cases.append(
            Case(
                number=number,
                person=person,
                unit_id=person.unit_id,
                unit_path=person.unit_path,
                age=person.age(clock.localdate(item.detected_at)),
                sex=person.sex,
                detection_way=item.detection_way,
                detected_at=item.detected_at,
                reported_at=now,
                sample_date=item.sample_date,
                test_type=item.test_type,
                result_ref=item.result_ref.strip()[:100],
                ct_value=item.ct_value,
                place_detected=item.place_detected.strip()[:300],
                infectious_from=begin,
                infectious_until=end,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_at=now,
                updated_at=now,
            )
        )
        active[item.person_id] = number
        out.numbers[item.key] = number
    if not new_cases:
        return out
    # Every field was checked above (the number is new by construction, the unique index guards a race).
    Case.objects.bulk_create(new_cases, batch_size=500)
    out.created = [c.number for c in new_cases]
    audit_record_many(actor=actor, action="create", objs=list(new_cases), afters=[snapshot(c) for c in new_cases])
    day = clock.localdate(now).strftime("%d/%m/%Y")
    reason = (
        _("Ca F0 %(n)s được xác nhận ngày %(d)s.") % {"n": new_cases[0].number, "d": day}
        if len(new_cases) == 1
        else _("%(count)s ca F0 được xác nhận từ kết quả xét nghiệm ngày %(d)s.") % {"count": len(new_cases), "d": day}
    )
    levels.propagate(
        {pid: levels.State(0, c.pk, None, [pid], None) for c in new_cases if (pid := c.person_id) is not None},
        cause=LevelCause.CASE_REPORTED,
        reason=reason,
        case=new_cases[0] if len(new_cases) == 1 else None,
        case_of_root=True,
    )
    return out


def _case_create(
    *,
    actor: Any,
    person: Person,
    detection_way: str,
    detected_at: dt.datetime,
    sample_date: dt.date | None = None,
    onset_date: dt.date | None = None,
    asymptomatic: bool = False,
    test_type: str = TestType.RT_PCR,
    result_ref: str = "",
    ct_value: float | None = None,
    place_detected: str = "",
    source_known: bool = False,
    source_case_ids: list[int] | None = None,
    cluster: Cluster | None = None,
    clinical_state: str = ClinicalState.MILD,
    treatment_place: str = "",
    number: str = "",
    is_demo: bool = False,
) -> Case:
    if not person.is_active:
        raise ApplicationError.field("person", _("Hồ sơ người này đã vô hiệu hóa hoặc đã gộp."), ErrorCode.CONFLICT)
    if Case.objects.filter(person=person, status=CaseStatus.ACTIVE).exists():
        raise ApplicationError.field("person", _("Người này đang là F0 (ca đang điều trị)."), ErrorCode.CONFLICT)
    if detection_way not in DetectionWay.values:
        raise ApplicationError.field("detection_way", _("Hình thức phát hiện không hợp lệ."))
    if test_type not in TestType.values:
        raise ApplicationError.field("test_type", _("Loại xét nghiệm không hợp lệ."))
    if clinical_state not in ClinicalState.values:
        raise ApplicationError.field("clinical_state", _("Tình trạng lâm sàng không hợp lệ."))
    if ct_value is not None and not 0 < ct_value <= 45:
        raise ApplicationError.field("ct_value", _("Giá trị Ct phải trong khoảng 0–45."))
    _check_dates(detected_at=detected_at, sample_date=sample_date, onset_date=onset_date, asymptomatic=asymptomatic)
    sources = _source_cases(actor, source_case_ids or [])
    if any(s.person_id == person.pk for s in sources):
        raise ApplicationError.field("source_case_ids", _("Ca nguồn không thể là chính người này."))
    if cluster is not None:
        require_in_jurisdiction(actor, cluster.unit_path, field="cluster")
    number = number.strip().upper() or _next_number()
    if Case.objects.filter(number=number).exists():
        raise ApplicationError.field("number", _("Mã ca %(n)s đã có.") % {"n": number}, ErrorCode.CONFLICT)
    begin, end = infectious_window(onset_date=onset_date, sample_date=sample_date)
    now = clock.now()
    case = Case(
        number=number,
        person=person,
        unit_id=person.unit_id,
        unit_path=person.unit_path,
        age=person.age(clock.localdate(detected_at)),
        sex=person.sex,
        detection_way=detection_way,
        detected_at=detected_at,
        reported_at=now,
        sample_date=sample_date,
        onset_date=onset_date,
        asymptomatic=asymptomatic,
        test_type=test_type,
        result_ref=result_ref.strip()[:100],
        ct_value=ct_value,
        place_detected=place_detected.strip()[:300],
        source_known=source_known or bool(sources),
        cluster=cluster,
        clinical_state=clinical_state,
        treatment_place=treatment_place.strip()[:300],
        treatment_at=now if treatment_place.strip() else None,
        infectious_from=begin,
        infectious_until=end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    save_validated(case, exclude=["person", "unit", "cluster", "created_by"])
    CaseSource.objects.bulk_create([CaseSource(infector=s, infectee=case) for s in sources])
    if cluster is not None:
        _cluster_saw_case(cluster, clock.localdate(detected_at))
    audit_record(
        actor=actor, action="create", obj=case, after={**snapshot(case), "source_case_ids": [s.pk for s in sources]}
    )
    levels.propagate(
        {person.pk: levels.State(0, case.pk, None, [person.pk], None)},
        cause=LevelCause.CASE_REPORTED,
        reason=_("Ca F0 %(n)s được xác nhận ngày %(d)s.")
        % {"n": number, "d": clock.localdate(detected_at).strftime("%d/%m/%Y")},
        case=case,
    )
    return case


def _cluster_saw_case(cluster: Cluster, day: dt.date) -> None:
    if cluster.last_case_on is None or day > cluster.last_case_on:
        Cluster.objects.filter(pk=cluster.pk).update(last_case_on=day)


CASE_EDITABLE = ["clinical_state", "treatment_place", "place_detected", "result_ref", "ct_value", "source_known"]


@transaction.atomic
def case_update(*, actor: Any, case: Case, negative_on: dt.date | None = None, **changes: Any) -> Case:
    """Clinical state, treatment place (starts the "in treatment" step of the 5S clock), the negative test
    that ends the infectious window."""
    require_perm(actor, Perm.CASE_REPORT)
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_in_jurisdiction(actor, case.unit_path, field="case")
    unknown = [k for k in changes if k not in CASE_EDITABLE]
    if unknown:
        raise ApplicationError.field(unknown[0], _("Không sửa được trường này."))
    before = snapshot(case)
    if "clinical_state" in changes and changes["clinical_state"] not in ClinicalState.values:
        raise ApplicationError.field("clinical_state", _("Tình trạng lâm sàng không hợp lệ."))
    if changes.get("ct_value") is not None and not 0 < changes["ct_value"] <= 45:
        raise ApplicationError.field("ct_value", _("Giá trị Ct phải trong khoảng 0–45."))
    for key, value in changes.items():
        setattr(case, key, value.strip() if isinstance(value, str) else value)
    if case.treatment_place and case.treatment_at is None:
        case.treatment_at = clock.now()
    if negative_on is not None:
        if negative_on < case.infectious_from:
            raise ApplicationError.field("negative_on", _("Ngày xét nghiệm âm tính trước thời kỳ lây truyền."))
        if negative_on > clock.today():
            raise ApplicationError.field("negative_on", _("Ngày xét nghiệm không được ở tương lai."))
        case.infectious_until = negative_on
    save_validated(case, exclude=["person", "unit", "cluster", "created_by"])
    old, new = diff(before, snapshot(case))
    if new:
        audit_record(actor=actor, action="update", obj=case, before=old, after=new)
    return case


@transaction.atomic
def case_transition(
    *,
    actor: Any,
    case: Case,
    to: str,
    reason: str = "",
    rule_out_reason: str = "",
    died_on: dt.date | None = None,
) -> Case:
    """Ruled out (negative confirmatory test, data error), recovered, or died. The case stops being a
    source: every level that depended on it is re-levelled, each change with this reason."""
    require_perm(actor, Perm.CASE_REPORT)
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_in_jurisdiction(actor, case.unit_path, field="case")
    if to not in CASE_TRANSITIONS.get(case.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được ca từ “%(a)s” sang “%(b)s”.")
            % {"a": CaseStatus(case.status).label, "b": CaseStatus(to).label if to in CaseStatus.values else to},
        )
    if to == CaseStatus.RULED_OUT and rule_out_reason not in RuleOutReason.values:
        raise ApplicationError.field("rule_out_reason", _("Chọn lý do loại trừ."))
    if to == CaseStatus.DIED:
        _set_died_on(case, died_on)
    return _transition_apply(actor=actor, case=case, to=to, reason=reason, rule_out_reason=rule_out_reason)


def _set_died_on(case: Case, died_on: dt.date | None) -> None:
    if died_on is None:
        raise ApplicationError.field("died_on", _("Ghi ngày tử vong."))
    _check_dates(
        detected_at=case.detected_at,
        sample_date=case.sample_date,
        onset_date=case.onset_date,
        asymptomatic=case.asymptomatic,
        died_on=died_on,
    )
    if died_on < (case.sample_date or clock.localdate(case.detected_at)) - dt.timedelta(days=30):
        raise ApplicationError.field("died_on", _("Ngày tử vong trước ngày lấy mẫu."))
    case.died_on = died_on


def _transition_apply(*, actor: Any, case: Case, to: str, reason: str, rule_out_reason: str = "") -> Case:
    label = RuleOutReason(rule_out_reason).label if to == CaseStatus.RULED_OUT else CaseStatus(to).label
    text = f"{label}: {reason.strip()}" if reason.strip() else str(label)
    before = {"status": case.status}
    case.status = to
    case.status_reason = text[:300]
    case.status_changed_at = clock.now()
    case.save(update_fields=["status", "status_reason", "status_changed_at", "died_on", "updated_at"])
    audit_record(actor=actor, action="update", obj=case, before=before, after={"status": to}, details={"reason": text})
    cause = LevelCause.CASE_RULED_OUT if to == CaseStatus.RULED_OUT else LevelCause.CASE_CLOSED
    levels.withdraw(
        levels.descendants_of_case(case),
        cause=cause,
        reason=_("F0 %(n)s: %(r)s") % {"n": case.number, "r": text},
        case=case,
    )
    return case


@transaction.atomic
def case_treatment_started(*, actor: Any, case: Case, place: str, clinical_state: str = "") -> Case:
    """A treatment facility admitted the F0: the case's treatment place and, the first time, the 5S step "F0 in
    treatment". Called by `response` after the admission the isolation services authorised (the facility's
    manager need not hold case.report); audited as that actor."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case)
    case.treatment_place = place.strip()[:300]
    if clinical_state:
        if clinical_state not in ClinicalState.values:
            raise ApplicationError.field("clinical_state", _("Tình trạng lâm sàng không hợp lệ."))
        case.clinical_state = clinical_state
    if case.treatment_at is None:
        case.treatment_at = clock.now()
    case.save(update_fields=["treatment_place", "clinical_state", "treatment_at", "updated_at"])
    old, new = diff(before, snapshot(case))
    if new:
        audit_record(actor=actor, action="update", obj=case, before=old, after=new)
    return case


@transaction.atomic
def case_treatment_closed(*, actor: Any, case: Case, to: str, reason: str, died_on: dt.date | None = None) -> Case:
    """A treatment facility discharged the F0 recovered, or recorded the death: the case follows (and stops being
    a source, as with `case_transition`). Called by `response` after the discharge the isolation services
    authorised by the policy's criteria."""
    if to not in (CaseStatus.RECOVERED, CaseStatus.DIED):
        raise ApplicationError.field("to", _("Kết quả điều trị không hợp lệ."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to not in CASE_TRANSITIONS.get(case.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được ca từ “%(a)s” sang “%(b)s”.")
            % {"a": CaseStatus(case.status).label, "b": CaseStatus(to).label},
        )
    if to == CaseStatus.DIED:
        _set_died_on(case, died_on)
    return _transition_apply(actor=actor, case=case, to=to, reason=reason)


@transaction.atomic
def case_set_sources(*, actor: Any, case: Case, source_case_ids: list[int]) -> Case:
    """Replace the case's infectors. The chain stays a DAG: a source that descends from this case is refused."""
    require_perm(actor, Perm.CASE_REPORT)
    require_in_jurisdiction(actor, case.unit_path, field="case")
    sources = _source_cases(actor, source_case_ids)
    descendants = case_descendant_ids(case.pk)
    for source in sources:
        if source.pk == case.pk:
            raise ApplicationError.field("source_case_ids", _("Một ca không thể là nguồn lây của chính nó."))
        if source.pk in descendants:
            raise ApplicationError.field(
                "source_case_ids",
                _("%(s)s bị lây từ %(c)s (trực tiếp hoặc gián tiếp): chọn làm nguồn sẽ tạo vòng lặp.")
                % {"s": source.number, "c": case.number},
            )
    before = sorted(CaseSource.objects.filter(infectee=case).values_list("infector_id", flat=True))
    CaseSource.objects.filter(infectee=case).delete()
    CaseSource.objects.bulk_create([CaseSource(infector=s, infectee=case) for s in sources])
    if sources and not case.source_known:
        case.source_known = True
        case.save(update_fields=["source_known", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=case,
        before={"source_case_ids": before},
        after={"source_case_ids": sorted(s.pk for s in sources)},
    )
    return case


def case_descendant_ids(case_id: int) -> set[int]:
    """Cases infected by this one, directly or not (walks CaseSource downwards)."""
    found: set[int] = set()
    frontier = {case_id}
    while frontier:
        nxt = set(CaseSource.objects.filter(infector_id__in=frontier).values_list("infectee_id", flat=True))
        frontier = nxt - found - {case_id}
        found |= frontier
    return found


def fives_refresh(case_ids: set[int]) -> None:
    """Stamp "tracing done" (every F1 listed and reached) and "F1 isolated" on cases whose F1 allow it."""
    if not case_ids:
        return
    now = clock.now()
    rows = Classification.objects.filter(root_case_id__in=case_ids, level=1).values_list("root_case_id", "trace_status")
    statuses: dict[int, list[str]] = {}
    for case_id, status in rows:
        statuses.setdefault(case_id, []).append(status)
    for case in Case.objects.filter(pk__in=case_ids, status=CaseStatus.ACTIVE):
        found = statuses.get(case.pk, [])
        fields = []
        if found and case.tracing_done_at is None and all(s in REACHED_STATUSES for s in found):
            case.tracing_done_at = now
            fields.append("tracing_done_at")
        if found and case.f1_isolated_at is None and all(s in ISOLATED_STATUSES for s in found):
            case.f1_isolated_at = now
            fields.append("f1_isolated_at")
        if fields:
            case.save(update_fields=[*fields, "updated_at"])
