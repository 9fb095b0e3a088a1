"""Writes of tubes in the field and on the road: take a sample (single or pooled), record a rapid antigen test
with its result on the spot, ship tubes to a lab, and receive them there with the counts checked."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.labs import policies
from chihuy.labs.enums import (
    CampaignStatus,
    Result,
    SampleKind,
    SampleStatus,
    ShipmentStatus,
    TargetReason,
    TargetStatus,
    TestMethod,
)
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, SampleMember, Shipment
from chihuy.labs.services._common import clean_code, code_or_none, next_number, require_lab_member
from chihuy.people.models import Person

FOLLOW_UP_REASONS = (TargetReason.RETEST, TargetReason.CONFIRM, TargetReason.INCONCLUSIVE)


def _check_collected_at(collected_at: dt.datetime) -> None:
    now = clock.now()
    if collected_at > now + dt.timedelta(minutes=5):
        raise ApplicationError.field("collected_at", _("Thời điểm lấy mẫu không được ở tương lai."))
    if collected_at < now - dt.timedelta(days=7):
        raise ApplicationError.field("collected_at", _("Thời điểm lấy mẫu sớm hơn 7 ngày: kiểm tra lại."))


def _check_code_free(code: str) -> None:
    taken = Sample.objects.filter(code=code).values_list("collected_at", flat=True).first()
    if taken is not None:
        raise ApplicationError.field(
            "code",
            _("Mã mẫu %(c)s đã dùng cho ống lấy lúc %(at)s: dùng ống có mã khác.")
            % {"c": code, "at": clock.local(taken).strftime("%H:%M %d/%m/%Y")},
            ErrorCode.CONFLICT,
        )


def _people(actor: Any, person_ids: Sequence[int]) -> list[Person]:
    ids = [int(i) for i in person_ids]
    if not ids:
        raise ApplicationError.field("person_ids", _("Chọn người được lấy mẫu."))
    if len(set(ids)) != len(ids):
        raise ApplicationError.field("person_ids", _("Một người được thêm hai lần vào cùng ống."))
    found = {p.pk: p for p in Person.objects.filter(scope_q(actor), pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApplicationError.field(
            "person_ids",
            _("Không tìm thấy người #%(ids)s trong địa bàn.") % {"ids": ", #".join(map(str, missing))},
            ErrorCode.NOT_FOUND,
        )
    return [found[i] for i in ids]


def _campaign_for_sampling(actor: Any, campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require_in_jurisdiction(actor, campaign.unit_path, field="campaign")
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError.field("campaign", _("Đợt lấy mẫu đã kết thúc."), ErrorCode.INVALID_TRANSITION)
    if campaign.status == CampaignStatus.PLANNED:
        campaign.status = CampaignStatus.SAMPLING
        campaign.save(update_fields=["status", "updated_at"])
    return campaign


def _already_in_campaign(campaign: Campaign, person_ids: list[int]) -> None:
    """A planned person is sampled once per campaign (follow-ups are separate tubes)."""
    rows = (
        SampleMember.objects.filter(sample__campaign=campaign, person_id__in=person_ids)
        .exclude(sample__result=Result.INCONCLUSIVE)
        .values_list("person_id", "sample__code")
    )
    pending_follow_up = set(
        CampaignTarget.objects.filter(
            person_id__in=person_ids, status=TargetStatus.PENDING, reason__in=FOLLOW_UP_REASONS
        ).values_list("person_id", flat=True)
    )
    for person_id, code in rows:
        if person_id not in pending_follow_up:
            name = Person.objects.filter(pk=person_id).values_list("full_name", flat=True).first()
            raise ApplicationError.field(
                "person_ids",
                _("%(name)s đã được lấy mẫu trong đợt này (ống %(code)s).") % {"name": name, "code": code},
                ErrorCode.CONFLICT,
            )


def _mark_targets(sample: Sample, person_ids: list[int], campaign: Campaign | None, *, single: bool) -> None:
    now = sample.collected_at
    if campaign is not None:
        CampaignTarget.objects.filter(
            campaign=campaign,
            reason=TargetReason.PLANNED,
            person_id__in=person_ids,
            status__in=[TargetStatus.PENDING, TargetStatus.ABSENT, TargetStatus.REFUSED],
        ).update(status=TargetStatus.SAMPLED, sample=sample, done_at=now, updated_at=clock.now())
    if single:
        # A single tube answers the person's open follow-up (retest of a positive pool, RT-PCR confirmation …).
        wanted = TestMethod.RT_PCR if sample.test_method == TestMethod.RT_PCR else None
        follow_ups = CampaignTarget.objects.filter(
            person_id__in=person_ids, status=TargetStatus.PENDING, reason__in=FOLLOW_UP_REASONS
        )
        if wanted is None:
            follow_ups = follow_ups.exclude(reason=TargetReason.CONFIRM)
        follow_ups.update(status=TargetStatus.SAMPLED, sample=sample, done_at=now, updated_at=clock.now())


def follow_ups_answer(*, person_id: int, sample_id: int) -> int:
    """An F0 needs no more follow-up tubes: the person's open retests, RT-PCR confirmations and repeats are
    answered by the tube that made (or joined) the case. Called by `response` inside its transaction."""
    now = clock.now()
    return CampaignTarget.objects.filter(
        person_id=person_id, status=TargetStatus.PENDING, reason__in=FOLLOW_UP_REASONS
    ).update(status=TargetStatus.SAMPLED, sample_id=sample_id, done_at=now, updated_at=now)


def _new_sample(
    *,
    actor: Any,
    code: str,
    people: list[Person],
    campaign: Campaign | None,
    test_method: str,
    kind: str,
    pool_size: int,
    team: str,
    site: str,
    collected_at: dt.datetime,
    is_demo: bool,
) -> Sample:
    unit = campaign.unit if campaign is not None else people[0].unit
    hours = policies.turnaround_hours(clock.localdate(collected_at))
    sample = Sample(
        code=code,
        campaign=campaign,
        kind=kind,
        test_method=test_method,
        pool_size=pool_size,
        unit=unit,
        unit_path=unit.path,
        team=" ".join(team.split())[:100],
        site=" ".join(site.split())[:200],
        collected_at=collected_at,
        collected_by=actor if getattr(actor, "is_authenticated", False) else None,
        due_at=collected_at + dt.timedelta(hours=hours),
        is_demo=is_demo,
    )
    save_validated(sample, exclude=["campaign", "unit", "collected_by", "shipment", "lab", "received_by", "result_by"])
    SampleMember.objects.bulk_create(
        [SampleMember(sample=sample, person=p, unit_path=p.unit_path, position=i) for i, p in enumerate(people, 1)]
    )
    return sample


@transaction.atomic
def sample_take(
    *,
    actor: Any,
    code: str,
    person_ids: Sequence[int],
    campaign: Campaign | None = None,
    test_method: str | None = None,
    team: str = "",
    site: str = "",
    collected_at: dt.datetime | None = None,
    is_demo: bool = False,
) -> Sample:
    """Register a tube by its scanned code with the people swabbed into it: one person is a single sample, more
    are a pool (up to the campaign's pool size). Marks those people sampled on the campaign's list."""
    require_perm(actor, Perm.SAMPLE_TAKE)
    code = clean_code(code)
    collected_at = collected_at or clock.now()
    _check_collected_at(collected_at)
    if campaign is not None:
        campaign = _campaign_for_sampling(actor, campaign)
        method = campaign.test_method
        cap = campaign.pool_size
    else:
        method = test_method or TestMethod.RT_PCR
        cap = max(policies.pool_sizes(clock.localdate(collected_at)))
    if test_method and test_method != method:
        raise ApplicationError.field("test_method", _("Loại xét nghiệm khác với của đợt lấy mẫu."))
    if method not in TestMethod.values:
        raise ApplicationError.field("test_method", _("Loại xét nghiệm không hợp lệ."))
    if method == TestMethod.RAPID_ANTIGEN:
        raise ApplicationError.field("test_method", _("Test nhanh: ghi kết quả ngay tại chỗ bằng mục “Test nhanh”."))
    people = _people(actor, person_ids)
    if len(people) > cap:
        raise ApplicationError.field(
            "person_ids", _("Ống gộp tối đa %(n)s mẫu; đã chọn %(m)s người.") % {"n": cap, "m": len(people)}
        )
    ids = [p.pk for p in people]
    # A follow-up (retest of a positive pool, confirmation, repeat) is a single tube even in a pooled campaign.
    follow_up = (
        len(people) == 1
        and CampaignTarget.objects.filter(
            person_id=ids[0], status=TargetStatus.PENDING, reason__in=FOLLOW_UP_REASONS
        ).exists()
    )
    pooled = len(people) > 1 or (campaign is not None and campaign.pool_size > 1 and not follow_up)
    if len(people) > 1:
        on_follow_up = list(
            CampaignTarget.objects.filter(
                person_id__in=ids, status=TargetStatus.PENDING, reason__in=FOLLOW_UP_REASONS
            ).values_list("person__full_name", flat=True)
        )
        if on_follow_up:
            raise ApplicationError.field(
                "person_ids",
                _("%(name)s cần lấy mẫu đơn (lấy lại hoặc khẳng định), không gộp.") % {"name": on_follow_up[0]},
            )
    _check_code_free(code)
    if campaign is not None:
        _already_in_campaign(campaign, ids)
    sample = _new_sample(
        actor=actor,
        code=code,
        people=people,
        campaign=campaign,
        test_method=method,
        kind=SampleKind.POOLED if pooled else SampleKind.SINGLE,
        pool_size=cap if pooled else 1,
        team=team,
        site=site,
        collected_at=collected_at,
        is_demo=is_demo,
    )
    _mark_targets(sample, ids, campaign, single=len(people) == 1)
    audit_record(actor=actor, action="create", obj=sample, after={**snapshot(sample), "person_ids": ids})
    return sample


@transaction.atomic
def rapid_test_take(
    *,
    actor: Any,
    person: Person,
    result: str,
    campaign: Campaign | None = None,
    code: str = "",
    team: str = "",
    site: str = "",
    collected_at: dt.datetime | None = None,
    is_demo: bool = False,
) -> Sample:
    """A rapid antigen test read on the spot: the tube and its result in one step (no lab, no shipment). What a
    positive means is decided by `response` with the rule in force (11042: F1 + positive rapid test = F0)."""
    require_perm(actor, Perm.SAMPLE_TAKE)
    if result not in (Result.POSITIVE, Result.NEGATIVE, Result.INCONCLUSIVE):
        raise ApplicationError.field("result", _("Chọn kết quả test nhanh: dương tính, âm tính hoặc không xác định."))
    collected_at = collected_at or clock.now()
    _check_collected_at(collected_at)
    if campaign is not None:
        campaign = _campaign_for_sampling(actor, campaign)
        if campaign.test_method != TestMethod.RAPID_ANTIGEN:
            raise ApplicationError.field("campaign", _("Đợt này lấy mẫu RT-PCR, không phải test nhanh."))
    people = _people(actor, [person.pk])
    code = (
        clean_code(code)
        if code.strip()
        else f"TN-{clock.localdate(collected_at):%y%m%d}-{secrets.token_hex(4).upper()}"
    )
    _check_code_free(code)
    if campaign is not None:
        _already_in_campaign(campaign, [person.pk])
    sample = _new_sample(
        actor=actor,
        code=code,
        people=people,
        campaign=campaign,
        test_method=TestMethod.RAPID_ANTIGEN,
        kind=SampleKind.SINGLE,
        pool_size=1,
        team=team,
        site=site,
        collected_at=collected_at,
        is_demo=is_demo,
    )
    sample.status = SampleStatus.RESULTED
    sample.result = result
    sample.resulted_at = collected_at
    sample.result_by = sample.collected_by
    sample.result_source = "rapid"
    sample.save(update_fields=["status", "result", "resulted_at", "result_by", "result_source", "updated_at"])
    _mark_targets(sample, [person.pk], campaign, single=True)
    audit_record(actor=actor, action="create", obj=sample, after={**snapshot(sample), "person_ids": [person.pk]})
    return sample


def _codes(raw: Sequence[str], field: str) -> list[str]:
    codes: list[str] = []
    bad: list[str] = []
    for value in raw:
        text = str(value or "").strip()
        if not text:
            continue
        code = code_or_none(text)
        if code is None:
            bad.append(text[:40])
        elif code not in codes:
            codes.append(code)
    if bad:
        raise ApplicationError.field(field, _("Mã mẫu không hợp lệ: %(c)s.") % {"c": ", ".join(bad[:10])})
    return codes


@transaction.atomic
def shipment_create(*, actor: Any, lab: Lab, sample_codes: Sequence[str], note: str = "") -> Shipment:
    """Send tubes of the actor's area to a lab: every code must be a collected RT-PCR tube not yet shipped; one
    wrong code and nothing is shipped (the error lists each)."""
    require_perm(actor, Perm.SAMPLE_TAKE)
    if not lab.is_active:
        raise ApplicationError.field("lab", _("Phòng xét nghiệm đã ngừng hoạt động."))
    codes = _codes(sample_codes, "sample_codes")
    if not codes:
        raise ApplicationError.field("sample_codes", _("Quét hoặc nhập mã các ống gửi đi."))
    samples = {s.code: s for s in Sample.objects.select_for_update().filter(scope_q(actor), code__in=codes)}
    errors = []
    for code in codes:
        sample = samples.get(code)
        if sample is None:
            errors.append({"field": f"sample_codes.{code}", "message": _("%(c)s: không có mẫu này.") % {"c": code}})
        elif sample.test_method != TestMethod.RT_PCR:
            errors.append(
                {"field": f"sample_codes.{code}", "message": _("%(c)s: test nhanh không gửi đi.") % {"c": code}}
            )
        elif sample.status != SampleStatus.COLLECTED:
            errors.append(
                {
                    "field": f"sample_codes.{code}",
                    "message": _("%(c)s: đã gửi (%(s)s).") % {"c": code, "s": SampleStatus(sample.status).label},
                }
            )
    if errors:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("%(n)s mã không gửi được; chưa gửi ống nào.") % {"n": len(errors)}, errors
        )
    first = next(iter(samples.values()))
    unit = actor.unit if getattr(actor, "unit", None) is not None else first.unit
    now = clock.now()
    shipment = Shipment(
        code=next_number(Shipment, f"VC-{clock.today():%Y%m%d}-", width=3),
        lab=lab,
        unit=unit,
        unit_path=unit.path,
        declared_count=len(codes),
        shipped_at=now,
        shipped_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note.strip()[:300],
    )
    save_validated(shipment, exclude=["lab", "unit", "shipped_by", "received_by"])
    Sample.objects.filter(pk__in=[s.pk for s in samples.values()]).update(
        status=SampleStatus.SHIPPED, shipment=shipment, lab=lab, shipped_at=now, updated_at=now
    )
    audit_record(actor=actor, action="create", obj=shipment, after={**snapshot(shipment), "codes": codes})
    return shipment


@transaction.atomic
def shipment_receive(*, actor: Any, shipment: Shipment, scanned_codes: Sequence[str], note: str = "") -> Shipment:
    """The lab scans the tubes out of the box: the ones in the shipment are received; tubes missing from the
    box and tubes that are not in this shipment are listed (status "discrepancy") for the sender to resolve.
    A box received with tubes missing may be scanned again when they arrive."""
    require_perm(actor, Perm.LAB_WORK)
    shipment = Shipment.objects.select_for_update().select_related("lab").get(pk=shipment.pk)
    require_lab_member(actor, shipment.lab, field="shipment")
    if shipment.status == ShipmentStatus.RECEIVED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Chuyến mẫu %(c)s đã nhận đủ.") % {"c": shipment.code})
    codes = _codes(scanned_codes, "scanned_codes")
    if not codes:
        raise ApplicationError.field("scanned_codes", _("Quét mã các ống nhận được."))
    in_box = dict(shipment.samples.values_list("code", "status"))
    now = clock.now()
    matched = [c for c in codes if c in in_box and in_box[c] == SampleStatus.SHIPPED]
    Sample.objects.filter(shipment=shipment, code__in=matched).update(
        status=SampleStatus.RECEIVED, received_at=now, received_by=actor, updated_at=now
    )
    received = [c for c, s in in_box.items() if s != SampleStatus.SHIPPED or c in matched]
    shipment.missing_codes = sorted(c for c in in_box if c not in received)
    shipment.unexpected_codes = sorted(set(shipment.unexpected_codes) | {c for c in codes if c not in in_box})
    shipment.received_count = len(received)
    shipment.received_at = shipment.received_at or now
    shipment.received_by = actor
    shipment.status = (
        ShipmentStatus.RECEIVED
        if not shipment.missing_codes and not shipment.unexpected_codes and len(received) == shipment.declared_count
        else ShipmentStatus.DISCREPANCY
    )
    if note.strip():
        shipment.note = note.strip()[:300]
    shipment.save()
    audit_record(
        actor=actor,
        action="update",
        obj=shipment,
        after={
            "status": shipment.status,
            "received": matched,
            "missing": shipment.missing_codes,
            "unexpected": shipment.unexpected_codes,
        },
    )
    return shipment
