"""Treatment of an F0 in a facility: the daily record of clinical state and oxygen modality (one per day; a later
entry the same day corrects it, audited), the transfer to another tier, facility or bed with its reason (the old
stay ends TRANSFERRED and a new one continues the chain through `previous`, keeping the clinical data), and the
end of a treatment with its post-discharge health monitoring.

Admission of an F0 (which needs their active case) and discharge by the policy's criteria (which needs their lab
results) cross domains: they live in `chihuy.response.treatment` and call the writes here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.enums import (
    Cohort,
    FacilityKind,
    MonitoringReason,
    OxygenMode,
    StayKind,
    StayStatus,
)
from chihuy.isolation.models import Bed, Facility, Monitoring, Room, Stay, TreatmentRecord
from chihuy.isolation.services._common import require_stay_place
from chihuy.isolation.services.stays import Admission, stay_end, stays_admit

# The values of chihuy.cases.enums.ClinicalState (isolation may not import cases; kept in step by
# tests/isolation/test_treatment.py::test_clinical_states_match_cases).
CLINICAL_STATES: tuple[str, ...] = ("asymptomatic", "mild", "moderate", "severe", "critical")
# Clinical states counted as "no symptom" by the discharge rule without a test.
SYMPTOM_FREE_STATES: tuple[str, ...] = ("asymptomatic",)

# How a treatment ends (the outcome) → the stay's status.
OUTCOME_STATUS: dict[str, str] = {
    "recovered": StayStatus.DISCHARGED,
    "died": StayStatus.DIED,
    "transferred_out": StayStatus.TRANSFERRED_OUT,
}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def require_treatment_stay(stay: Stay, *, field: str = "stay") -> None:
    if stay.kind != StayKind.TREATMENT:
        raise ApplicationError.field(field, _("Lượt này không phải lượt điều trị F0."))
    if stay.status != StayStatus.ACTIVE:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Lượt điều trị đã kết thúc (%(s)s).") % {"s": StayStatus(stay.status).label},
        )


def chain_start(stay: Stay) -> dt.date:
    """Day 1 of the treatment: the first treatment stay of the transfer chain."""
    start = stay.clock_start_on
    seen = {stay.pk}
    current = stay
    while current.previous_id and current.previous_id not in seen:
        prev = Stay.objects.filter(pk=current.previous_id).only("pk", "kind", "clock_start_on", "previous").first()
        if prev is None or prev.kind != StayKind.TREATMENT:
            break
        seen.add(prev.pk)
        start = min(start, prev.clock_start_on)
        current = prev
    return start


def chain_ids(stay: Stay) -> list[int]:
    """The treatment stays of the chain ending at `stay`, first first."""
    ids = [stay.pk]
    current = stay
    while current.previous_id and current.previous_id not in ids:
        prev = Stay.objects.filter(pk=current.previous_id).only("pk", "kind", "previous").first()
        if prev is None or prev.kind != StayKind.TREATMENT:
            break
        ids.append(prev.pk)
        current = prev
    return list(reversed(ids))


def _clean_record(clinical_state: str, oxygen_mode: str, spo2: int | None) -> None:
    if clinical_state not in CLINICAL_STATES:
        raise ApplicationError.field("clinical_state", _("Tình trạng lâm sàng không hợp lệ."))
    if oxygen_mode not in OxygenMode.values:
        raise ApplicationError.field("oxygen_mode", _("Phương thức thở oxy không hợp lệ."))
    if spo2 is not None and not 50 <= spo2 <= 100:
        raise ApplicationError.field("spo2", _("SpO2 phải trong khoảng 50–100 %."))


@transaction.atomic
def treatment_record(
    *,
    actor: Any,
    stay: Stay,
    clinical_state: str,
    oxygen_mode: str = OxygenMode.NONE,
    spo2: int | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> TreatmentRecord:
    """The F0's clinical state and oxygen modality on a day (today by default). One record per day: a second
    entry the same day corrects the first (the audit keeps both). The stay shows the latest day's state."""
    require_perm(actor, Perm.TREATMENT_RECORD)
    require_stay_place(actor, stay)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    require_treatment_stay(stay)
    now = clock.now()
    day = on or clock.localdate(now)
    if day > clock.localdate(now):
        raise ApplicationError.field("on", _("Ngày ghi nhận không được ở tương lai."))
    if day < stay.clock_start_on:
        raise ApplicationError.field(
            "on",
            _("Ngày ghi nhận trước ngày tiếp nhận điều trị (%(d)s).") % {"d": stay.clock_start_on.strftime("%d/%m/%Y")},
        )
    _clean_record(clinical_state, oxygen_mode, spo2)
    values = {
        "clinical_state": clinical_state,
        "oxygen_mode": oxygen_mode,
        "spo2": spo2,
        "note": note.strip()[:500],
    }
    record = TreatmentRecord.objects.filter(stay=stay, on=day).first()
    if record is None:
        record = TreatmentRecord.objects.create(stay=stay, on=day, at=now, recorded_by=_user(actor), **values)
        audit_record(actor=actor, action="create", obj=record, unit_path=stay.unit_path, after={"on": day, **values})
    else:
        before = {k: getattr(record, k) for k in values}
        for key, value in values.items():
            setattr(record, key, value)
        record.at = now
        record.recorded_by = _user(actor)
        record.save()
        audit_record(
            actor=actor,
            action="update",
            obj=record,
            unit_path=stay.unit_path,
            before=before,
            after=values,
            details={"correction_of": day.isoformat()},
        )
    latest = TreatmentRecord.objects.filter(stay=stay).order_by("-on").values_list("on", flat=True).first()
    if latest == day:
        stay.clinical_state, stay.oxygen_mode = clinical_state, oxygen_mode
        stay.save(update_fields=["clinical_state", "oxygen_mode", "updated_at"])
    return record


@transaction.atomic
def treatment_transfer(
    *,
    actor: Any,
    stay: Stay,
    facility: Facility,
    bed: Bed | None,
    reason: str,
    tier: int | None = None,
) -> Stay:
    """Move a treated F0 to another bed, facility or tier, with the reason: the stay ends TRANSFERRED and a new
    treatment stay continues the chain (`previous`), keeping the case number, clinical state and oxygen mode."""
    require_perm(actor, Perm.TREATMENT_RECORD)
    require_stay_place(actor, stay)
    stay = Stay.objects.select_related("person", "facility").get(pk=stay.pk)
    require_treatment_stay(stay)
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do chuyển."))
    if facility.kind != FacilityKind.TREATMENT:
        raise ApplicationError.field("facility", _("%(f)s không phải cơ sở điều trị.") % {"f": facility.name})
    if tier is not None and tier != facility.tier:
        raise ApplicationError.field("tier", _("%(f)s là cơ sở tầng %(t)s.") % {"f": facility.name, "t": facility.tier})
    if bed is None:
        raise ApplicationError.field("bed", _("Chọn giường."))
    if bed.pk == stay.bed_id:
        raise ApplicationError.field("bed", _("Người bệnh đang nằm giường này: chọn giường khác."))
    reason = reason.strip()[:400]
    before_place = f"{stay.facility.name if stay.facility else ''} · {stay.bed.code if stay.bed else ''}"
    stay_end(actor=actor, stay=stay, status=StayStatus.TRANSFERRED, reason=reason, perm=Perm.TREATMENT_RECORD)
    if bed.room_id == stay.room_id:
        # A change of bed inside the room: the patient never left it, so it needs no disinfection.
        Room.objects.filter(pk=bed.room_id).update(cleaning_since=None)
        bed.room.cleaning_since = None
    (new,) = stays_admit(
        actor=actor,
        kind=StayKind.TREATMENT,
        admissions=[
            Admission(
                person=stay.person,
                cohort=Cohort.F0,
                cohort_on=stay.cohort_on,
                bed=bed,
                fully_vaccinated=stay.fully_vaccinated,
                case_number=stay.case_number,
                tier=facility.tier,
                clinical_state=stay.clinical_state,
            )
        ],
        facility=facility,
    )
    new.previous = stay
    new.oxygen_mode = stay.oxygen_mode
    new.transfer_reason = reason
    new.save(update_fields=["previous", "oxygen_mode", "transfer_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=new,
        unit_path=new.unit_path,
        before={"place": before_place, "tier": stay.tier},
        after={"place": f"{facility.name} · {bed.code}", "tier": new.tier, "previous": stay.pk},
        details={"reason": reason, "transfer": True},
    )
    return new


@transaction.atomic
def treatment_end(
    *,
    actor: Any,
    stay: Stay,
    outcome: str,
    reason: str,
    monitoring_days: int = 0,
    rule_source: str = "",
) -> tuple[Stay, Monitoring | None]:
    """End a treatment with its outcome (recovered → DISCHARGED, died, transferred out of the province); a
    recovered F0 gets `monitoring_days` of health monitoring from the next day. The discharge criteria are
    checked by `chihuy.response.treatment` before this."""
    require_perm(actor, Perm.TREATMENT_RECORD)
    require_stay_place(actor, stay)
    require_treatment_stay(stay)
    if outcome not in OUTCOME_STATUS:
        raise ApplicationError.field("outcome", _("Chọn kết quả điều trị."))
    stay = stay_end(actor=actor, stay=stay, status=OUTCOME_STATUS[outcome], reason=reason, perm=Perm.TREATMENT_RECORD)
    monitoring = None
    if outcome == "recovered" and monitoring_days > 0:
        start = clock.localdate(stay.ended_at or clock.now()) + dt.timedelta(days=1)
        monitoring = Monitoring.objects.create(
            person_id=stay.person_id,
            unit_path=stay.unit_path,
            stay=stay,
            reason=MonitoringReason.AFTER_TREATMENT,
            starts_on=start,
            ends_on=start + dt.timedelta(days=monitoring_days - 1),
            rule_source=rule_source[:300],
        )
        audit_record(
            actor=actor,
            action="create",
            obj=monitoring,
            unit_path=stay.unit_path,
            after={"reason": monitoring.reason, "starts_on": monitoring.starts_on, "ends_on": monitoring.ends_on},
        )
    return stay, monitoring
