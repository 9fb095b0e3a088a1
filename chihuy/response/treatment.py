"""5S orchestration of treatment: an F0 admitted to a treatment facility (their active case found, any quarantine
or home stay they still hold ended POSITIVE, the case's treatment place and time set — the 5S step "F0 in
treatment"), and the end of a treatment (discharge by the policy's criteria with the lab's negatives, death,
transfer out of the province) moving the case.

The case follows in the same transaction through `cases.services.case_treatment_started` / `case_treatment_closed`:
the admission or the discharge (by the policy's criteria) authorises it, so a facility manager without case.report
still closes the 5S step "F0 in treatment" and the case. A quarantine stay the F0 still holds ends POSITIVE through
`response.isolation.positive_in_stays`, which restarts the roommates' clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases import services as case_services
from chihuy.cases.enums import CaseStatus
from chihuy.cases.models import Case
from chihuy.cases.selectors import case_visible_qs, person_standing
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_row
from chihuy.isolation import policies
from chihuy.isolation.enums import HOLDING_STATUSES, Cohort, OxygenMode, StayKind, StayStatus
from chihuy.isolation.models import Bed, Facility, Monitoring, Stay, TreatmentRecord
from chihuy.isolation.services import treatment as services
from chihuy.isolation.services.stays import Admission, stay_end, stays_admit
from chihuy.labs.selectors import high_ct_tests, negative_tests
from chihuy.people.models import Person
from chihuy.response.isolation import positive_in_stays

OUTCOMES: dict[str, str] = {
    "recovered": CaseStatus.RECOVERED,
    "died": CaseStatus.DIED,
    "transferred_out": "",  # the case stays active: treated elsewhere
}


@dataclass
class Admitted:
    stay: Stay
    case_number: str
    ended: list[Stay] = field(default_factory=list)  # quarantine/home stays ended POSITIVE
    case_updated: bool = False
    case_note: str = ""


@dataclass
class Discharged:
    stay: Stay
    monitoring: Monitoring | None
    case_updated: bool = False
    case_note: str = ""


@dataclass
class Criterion:
    key: str
    label: str
    met: bool
    detail: str = ""


@dataclass
class DischargeStatus:
    """Whether a treated F0 may leave as recovered today, by the rule in force, and why (or why not)."""

    day: int  # completed days of treatment
    start_on: dt.date
    rule: dict[str, Any]
    by_test: list[Criterion]
    by_time: list[Criterion]
    source: str = ""

    @property
    def met(self) -> bool:
        return all(c.met for c in self.by_test) or all(c.met for c in self.by_time)

    @property
    def missing(self) -> str:
        """What is missing on each path, for the error and the form."""
        test_gap = "; ".join(c.label for c in self.by_test if not c.met)
        time_gap = "; ".join(c.label for c in self.by_time if not c.met)
        return _("%(a)s (hoặc, không cần xét nghiệm: %(b)s)") % {"a": test_gap, "b": time_gap}


def _active_case(person: Person) -> Case:
    number = person_standing([person.pk])[person.pk].active_case_number
    if not number:
        raise ApplicationError.field(
            "person", _("%(n)s không có ca F0 đang hoạt động: chỉ tiếp nhận điều trị F0.") % {"n": person.full_name}
        )
    return Case.objects.get(number=number)


def f0_waiting(*, actor: Any, within: str | None = None) -> QuerySet[Case]:
    """Active cases of the reader's area whose person is not under treatment in a facility (the queue of F0 to
    admit), oldest report first; each with `held_kind` — the quarantine or home stay they still hold, if any."""
    require_perm(actor, Perm.CASE_VIEW)
    treated = Stay.objects.filter(person_id=OuterRef("person_id"), kind=StayKind.TREATMENT, status__in=HOLDING_STATUSES)
    held = Stay.objects.filter(person_id=OuterRef("person_id"), status__in=HOLDING_STATUSES).values("kind")[:1]
    return (
        case_visible_qs(actor, within=within)
        .filter(status=CaseStatus.ACTIVE, person__isnull=False)
        .exclude(Exists(treated))
        .annotate(held_kind=Subquery(held))
        .select_related("person", "unit")
        .order_by("reported_at", "id")
    )


def case_to_admit(*, actor: Any, number: str) -> Case | None:
    """The case of the reader's area with this number (any letter case) that names a person: the F0 to admit."""
    return (
        case_visible_qs(actor)
        .select_related("person", "unit")
        .filter(number__iexact=number, person__isnull=False)
        .first()
    )


def case_in_reach(*, actor: Any, case: Case) -> bool:
    """Whether the case is in the reader's area (the stay's case is found wherever it was reported)."""
    return case_visible_qs(actor).filter(pk=case.pk).exists()


def case_for_stay(stay: Stay) -> Case | None:
    if stay.case_number:
        found = Case.objects.filter(number=stay.case_number).first()
        if found is not None:
            return found
    return Case.objects.filter(person_id=stay.person_id, status=CaseStatus.ACTIVE).first()


@transaction.atomic
def treatment_admit(
    *,
    actor: Any,
    person: Person,
    facility: Facility,
    bed: Bed | None,
    clinical_state: str,
    oxygen_mode: str = OxygenMode.NONE,
    spo2: int | None = None,
    note: str = "",
) -> Admitted:
    """Admit an F0 (a person with an active case) to a treatment facility bed. A quarantine or home stay they
    still hold ends POSITIVE first; the first day's clinical record is written; the case gets the facility as
    its treatment place (and the time: the 5S step "F0 in treatment") when the actor may update it."""
    require_perm(actor, Perm.TREATMENT_RECORD)
    case = _active_case(person)
    if clinical_state not in services.CLINICAL_STATES:
        raise ApplicationError.field("clinical_state", _("Tình trạng lâm sàng không hợp lệ."))
    held = list(Stay.objects.filter(person=person, status__in=HOLDING_STATUSES).select_related("facility"))
    for current in held:
        if current.kind == StayKind.TREATMENT:
            raise ApplicationError.field(
                "person",
                _("%(n)s đang điều trị tại %(f)s: dùng chức năng chuyển tầng/cơ sở.")
                % {"n": person.full_name, "f": current.facility.name if current.facility else ""},
                ErrorCode.CONFLICT,
            )
    # A quarantine stay ends POSITIVE and the roommates' clocks restart (as for a positive lab result).
    ended: list[Stay] = list(
        positive_in_stays(actor=actor, person_ids=[person.pk], case_numbers={person.pk: case.number}).ended
    )
    # An F0 isolating at home (or kept in a quarantine room) leaves it for the facility.
    for current in Stay.objects.filter(person=person, status__in=HOLDING_STATUSES).order_by("pk"):
        ended.append(
            stay_end(
                actor=actor,
                stay=current,
                status=StayStatus.TRANSFERRED if current.status == StayStatus.ACTIVE else StayStatus.CANCELLED,
                reason=_("Chuyển điều trị tại %(f)s (ca %(n)s).") % {"f": facility.name, "n": case.number},
                perm=Perm.TREATMENT_RECORD,
            )
        )
    cohort_on = case.sample_date or clock.localdate(case.detected_at)
    (stay,) = stays_admit(
        actor=actor,
        kind=StayKind.TREATMENT,
        admissions=[
            Admission(
                person=person,
                cohort=Cohort.F0,
                cohort_on=min(cohort_on, clock.today()),
                bed=bed,
                case_number=case.number,
                tier=facility.tier,
                clinical_state=clinical_state,
            )
        ],
        facility=facility,
    )
    if ended:
        stay.previous = ended[-1]
        stay.save(update_fields=["previous", "updated_at"])
    services.treatment_record(
        actor=actor, stay=stay, clinical_state=clinical_state, oxygen_mode=oxygen_mode, spo2=spo2, note=note
    )
    stay.refresh_from_db()
    out = Admitted(stay=stay, case_number=case.number, ended=ended)
    case_services.case_treatment_started(actor=actor, case=case, place=facility.name, clinical_state=clinical_state)
    out.case_updated = True
    return out


def discharge_status(stay: Stay, *, on: dt.date | None = None) -> DischargeStatus:
    """The discharge criteria of the rule in force today for the treatment chain ending at `stay`: at least
    `min_days` of treatment and a negative test (or an RT-PCR with Ct ≥ `ct_min`) from day `test_from_day`; or
    `days_without_test` days with no symptom and no oxygen in the records of the last `symptom_free_days` days."""
    today = on or clock.today()
    rule = policies.discharge_rule(today)
    row = policy_row("isolation.discharge", on=today)
    start = services.chain_start(stay)
    days = (today - start).days
    min_days = int(rule.get("min_days", 10))
    from_day = int(rule.get("test_from_day", 7))
    test_since = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=from_day - 1), dt.time()))
    negatives = negative_tests(person_ids=[stay.person_id], since=test_since).get(stay.person_id, [])
    ct_min = float(rule.get("ct_min", 30))
    high_ct = high_ct_tests(person_ids=[stay.person_id], since=test_since, ct_min=ct_min).get(stay.person_id, [])
    last_test = max([t for t, _m in negatives] + [t for t, _c in high_ct], default=None)
    by_test = [
        Criterion(
            "min_days",
            _("đủ %(n)s ngày điều trị") % {"n": min_days},
            days >= min_days,
            _("đã trọn %(d)s ngày, đang ngày thứ %(n)s") % {"d": days, "n": days + 1},
        ),
        Criterion(
            "negative",
            _("xét nghiệm âm tính (hoặc RT-PCR Ct ≥ %(ct)s) từ ngày thứ %(n)s") % {"n": from_day, "ct": f"{ct_min:g}"},
            last_test is not None,
            clock.local(last_test).strftime("%d/%m/%Y") if last_test else _("chưa có"),
        ),
    ]
    quiet_days = int(rule.get("symptom_free_days", 3))
    without_test = int(rule.get("days_without_test", 14))
    recent = list(
        TreatmentRecord.objects.filter(
            stay_id__in=services.chain_ids(stay), on__gt=today - dt.timedelta(days=quiet_days), on__lte=today
        ).values_list("on", "clinical_state", "oxygen_mode")
    )
    quiet = {d for d, state, oxygen in recent if state in services.SYMPTOM_FREE_STATES and oxygen == OxygenMode.NONE}
    noisy = {d for d, state, oxygen in recent if d not in quiet}
    by_time = [
        Criterion(
            "days_without_test",
            _("đủ %(n)s ngày điều trị (không cần xét nghiệm)") % {"n": without_test},
            days >= without_test,
            _("đã trọn %(d)s ngày, đang ngày thứ %(n)s") % {"d": days, "n": days + 1},
        ),
        Criterion(
            "symptom_free",
            _("hết triệu chứng, không thở oxy %(n)s ngày gần nhất (ghi nhận hằng ngày)") % {"n": quiet_days},
            len(quiet) >= quiet_days and not noisy,
            _("%(q)s/%(n)s ngày không triệu chứng") % {"q": len(quiet), "n": quiet_days},
        ),
    ]
    return DischargeStatus(
        day=days, start_on=start, rule=rule, by_test=by_test, by_time=by_time, source=row.source_document if row else ""
    )


@transaction.atomic
def treatment_discharge(
    *, actor: Any, stay: Stay, outcome: str, reason: str = "", died_on: dt.date | None = None
) -> Discharged:
    """End a treatment. Recovered: only when the policy's criteria are met (the error names what is missing);
    the stay ends DISCHARGED, post-discharge monitoring starts and the case is recovered. Died: the stay ends
    DIED and the case died (on `died_on`, default today). Transferred out of the province: the stay ends, the case
    stays active (treated elsewhere)."""
    require_perm(actor, Perm.TREATMENT_RECORD)
    if outcome not in OUTCOMES:
        raise ApplicationError.field("outcome", _("Chọn kết quả điều trị."))
    services.require_treatment_stay(stay)
    rule: dict[str, Any] = {}
    source = ""
    text = reason.strip()
    if outcome == "recovered":
        status = discharge_status(stay)
        if not status.met:
            raise ApplicationError.field(
                "outcome",
                _("Chưa đủ tiêu chuẩn ra viện: còn thiếu %(m)s.") % {"m": status.missing},
                ErrorCode.INVALID_TRANSITION,
            )
        rule, source = status.rule, status.source
        met = status.by_test if all(c.met for c in status.by_test) else status.by_time
        text = text or _("Đủ tiêu chuẩn ra viện: %(c)s.") % {"c": "; ".join(c.label for c in met)}
    elif not text:
        raise ApplicationError.field("reason", _("Ghi lý do / diễn biến."))
    case = case_for_stay(stay)
    ended, monitoring = services.treatment_end(
        actor=actor,
        stay=stay,
        outcome=outcome,
        reason=text,
        monitoring_days=int(rule.get("monitoring_days", 0)),
        rule_source=source,
    )
    out = Discharged(stay=ended, monitoring=monitoring)
    target = OUTCOMES[outcome]
    if case is not None and target and case.status == CaseStatus.ACTIVE:
        case_services.case_treatment_closed(
            actor=actor,
            case=case,
            to=target,
            reason=text,
            died_on=(died_on or clock.today()) if target == CaseStatus.DIED else None,
        )
        out.case_updated = True
    return out
