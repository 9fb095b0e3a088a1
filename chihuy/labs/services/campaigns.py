"""Writes of labs and sampling campaigns: a lab's capacity and technicians, a campaign with its target list
(an area's residents or a list of people), its status, and the marks of people absent or refusing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm, scope_q
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm, Role
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.labs import policies
from chihuy.labs.enums import (
    CAMPAIGN_TRANSITIONS,
    CampaignKind,
    CampaignStatus,
    TargetReason,
    TargetStatus,
    TestMethod,
)
from chihuy.labs.models import Campaign, CampaignTarget, Lab
from chihuy.labs.services._common import next_number
from chihuy.people.models import Person
from chihuy.places.enums import SiteKind, UnitLevel
from chihuy.places.models import Site, Unit

_CHUNK = 2000


@transaction.atomic
def lab_upsert(*, actor: Any, site: Site, daily_capacity: int, member_ids: Sequence[int] = ()) -> Lab:
    """Make a lab site a lab of the system (or update it): its daily capacity in tubes and its technicians."""
    require_perm(actor, Perm.LAB_MANAGE)
    require_in_jurisdiction(actor, site.unit_path, field="site")
    if site.kind != SiteKind.LAB:
        raise ApplicationError.field("site", _("Cơ sở này không phải phòng xét nghiệm."))
    if not isinstance(daily_capacity, int) or not 1 <= daily_capacity <= 1_000_000:
        raise ApplicationError.field("daily_capacity", _("Công suất phải từ 1 đến 1.000.000 mẫu/ngày."))
    members = list(User.objects.filter(pk__in=set(member_ids), is_active=True))
    if len(members) != len(set(member_ids)):
        raise ApplicationError.field("member_ids", _("Có tài khoản không tồn tại hoặc đã khóa."), ErrorCode.NOT_FOUND)
    for user in members:
        if Role.LAB_TECHNICIAN not in (user.roles or []):
            raise ApplicationError.field(
                "member_ids", _("%(u)s không có vai trò kỹ thuật viên xét nghiệm.") % {"u": user.username}
            )
    lab = Lab.objects.filter(site=site).first()
    before = snapshot(lab) if lab else None
    if lab is None:
        lab = Lab(site=site)
    lab.name = site.name
    lab.unit_id = site.unit_id
    lab.unit_path = site.unit_path
    lab.daily_capacity = daily_capacity
    lab.is_active = site.is_active
    save_validated(lab, exclude=["site", "unit", "members"])
    lab.members.set(members)
    audit_record(
        actor=actor,
        action="update" if before else "create",
        obj=lab,
        before=before,
        after={**snapshot(lab), "member_ids": sorted(u.pk for u in members)},
    )
    return lab


def _check_campaign_fields(
    *, kind: str, unit: Unit, planned_on: dt.date, pool_size: int, test_method: str, lab: Lab | None
) -> None:
    if kind not in CampaignKind.values:
        raise ApplicationError.field("kind", _("Loại đợt lấy mẫu không hợp lệ."))
    if kind == CampaignKind.VILLAGE and unit.level != UnitLevel.VILLAGE:
        raise ApplicationError.field("unit", _("Đợt lấy mẫu theo thôn, bản: chọn một thôn, bản."))
    if kind == CampaignKind.COMMUNE and unit.level != UnitLevel.COMMUNE:
        raise ApplicationError.field("unit", _("Đợt lấy mẫu theo xã: chọn một xã, phường, thị trấn."))
    if test_method not in TestMethod.values:
        raise ApplicationError.field("test_method", _("Loại xét nghiệm không hợp lệ."))
    sizes = policies.pool_sizes(planned_on)
    if pool_size not in sizes:
        raise ApplicationError.field(
            "pool_size", _("Số mẫu gộp phải là một trong: %(s)s.") % {"s": ", ".join(map(str, sizes))}
        )
    if test_method == TestMethod.RAPID_ANTIGEN and pool_size != 1:
        raise ApplicationError.field("pool_size", _("Test nhanh kháng nguyên làm từng người, không gộp mẫu."))
    today = clock.today()
    if planned_on < today - dt.timedelta(days=30) or planned_on > today + dt.timedelta(days=60):
        raise ApplicationError.field("planned_on", _("Ngày lấy mẫu phải trong khoảng 30 ngày trước đến 60 ngày tới."))
    if lab is not None and not lab.is_active:
        raise ApplicationError.field("lab", _("Phòng xét nghiệm đã ngừng hoạt động."))
    if lab is not None and test_method == TestMethod.RAPID_ANTIGEN:
        raise ApplicationError.field("lab", _("Test nhanh có kết quả tại chỗ, không gửi phòng xét nghiệm."))


def _clean_list(values: Sequence[str], field: str) -> list[str]:
    out = []
    for value in values:
        text = " ".join(str(value or "").split())
        if len(text) > 100:
            raise ApplicationError.field(field, _("Mỗi dòng tối đa 100 ký tự."))
        if text and text not in out:
            out.append(text)
    return out


def _people_for(actor: Any, person_ids: Sequence[int]) -> list[int]:
    ids = sorted(set(int(i) for i in person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found |= set(Person.objects.filter(scope_q(actor), pk__in=chunk, is_active=True).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", #".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise ApplicationError.field(
            "person_ids",
            _("Không tìm thấy %(n)s người trong địa bàn: #%(ids)s.") % {"n": len(missing), "ids": shown},
            ErrorCode.NOT_FOUND,
        )
    return ids


def _add_targets(campaign: Campaign, person_ids: Sequence[int]) -> int:
    """Planned targets for people not yet in the campaign; returns how many were added."""
    ids = list(person_ids)
    existing: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        existing |= set(
            CampaignTarget.objects.filter(
                campaign=campaign, reason=TargetReason.PLANNED, person_id__in=ids[start : start + _CHUNK]
            ).values_list("person_id", flat=True)
        )
    new = [i for i in ids if i not in existing]
    paths: dict[int, str] = {}
    for start in range(0, len(new), _CHUNK):
        paths.update(Person.objects.filter(pk__in=new[start : start + _CHUNK]).values_list("pk", "unit_path"))
    now = clock.now()
    CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(
                campaign=campaign,
                person_id=pid,
                unit_path=paths[pid],
                reason=TargetReason.PLANNED,
                created_at=now,
                updated_at=now,
            )
            for pid in new
        ],
        batch_size=_CHUNK,
    )
    return len(new)


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    unit: Unit,
    planned_on: dt.date,
    pool_size: int = 1,
    test_method: str = TestMethod.RT_PCR,
    lab: Lab | None = None,
    teams: Sequence[str] = (),
    sites: Sequence[str] = (),
    person_ids: Sequence[int] | None = None,
    note: str = "",
    is_demo: bool = False,
) -> Campaign:
    """Plan a sampling campaign. A village or commune campaign targets every active resident of the unit; a
    workplace, facility or list campaign targets the people given (e.g. every F1 of a cluster, via response)."""
    require_perm(actor, Perm.CAMPAIGN_MANAGE)
    require_in_jurisdiction(actor, unit.path, field="unit")
    name = " ".join(str(name or "").split())
    if not name:
        raise ApplicationError.field("name", _("Nhập tên đợt lấy mẫu."))
    _check_campaign_fields(
        kind=kind, unit=unit, planned_on=planned_on, pool_size=pool_size, test_method=test_method, lab=lab
    )
    teams_clean = _clean_list(teams, "teams")
    sites_clean = _clean_list(sites, "sites")
    if kind in (CampaignKind.VILLAGE, CampaignKind.COMMUNE):
        if person_ids:
            raise ApplicationError.field(
                "person_ids", _("Đợt theo địa bàn lấy toàn bộ người dân của đơn vị; không chọn danh sách.")
            )
        targets = list(
            Person.objects.filter(unit_path__under=unit.path, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not targets:
            raise ApplicationError.field("unit", _("Chưa có người dân nào của đơn vị này trong hệ thống."))
    else:
        if not person_ids:
            raise ApplicationError.field("person_ids", _("Chọn danh sách người cần lấy mẫu."))
        targets = _people_for(actor, person_ids)
    year = planned_on.year
    campaign = Campaign(
        code=next_number(Campaign, f"LM-{year}-"),
        name=name[:200],
        kind=kind,
        unit=unit,
        unit_path=unit.path,
        planned_on=planned_on,
        pool_size=pool_size,
        test_method=test_method,
        lab=lab,
        teams=teams_clean,
        sites=sites_clean,
        note=note.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    save_validated(campaign, exclude=["unit", "lab", "created_by"])
    added = _add_targets(campaign, targets)
    audit_record(actor=actor, action="create", obj=campaign, after={**snapshot(campaign), "targets": added})
    return campaign


@transaction.atomic
def campaign_add_people(*, actor: Any, campaign: Campaign, person_ids: Sequence[int]) -> int:
    """Add people to a campaign's list (people already on it are skipped); returns how many were added."""
    require_perm(actor, Perm.CAMPAIGN_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require_in_jurisdiction(actor, campaign.unit_path, field="campaign")
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Đợt lấy mẫu đã kết thúc."))
    if not person_ids:
        raise ApplicationError.field("person_ids", _("Chọn ít nhất một người."))
    added = _add_targets(campaign, _people_for(actor, person_ids))
    audit_record(actor=actor, action="update", obj=campaign, details={"targets_added": added})
    return added


@transaction.atomic
def campaign_transition(*, actor: Any, campaign: Campaign, to: str) -> Campaign:
    require_perm(actor, Perm.CAMPAIGN_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require_in_jurisdiction(actor, campaign.unit_path, field="campaign")
    if to not in CAMPAIGN_TRANSITIONS.get(campaign.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được đợt lấy mẫu từ “%(a)s” sang “%(b)s”.")
            % {
                "a": CampaignStatus(campaign.status).label,
                "b": CampaignStatus(to).label if to in CampaignStatus.values else to,
            },
        )
    before = {"status": campaign.status}
    campaign.status = to
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="update", obj=campaign, before=before, after={"status": to})
    return campaign


@transaction.atomic
def target_mark(*, actor: Any, target: CampaignTarget, status: str, note: str = "") -> CampaignTarget:
    """Mark a person on the list absent or refusing (or back to pending); a sampled person stays sampled."""
    require_perm(actor, Perm.SAMPLE_TAKE)
    target = CampaignTarget.objects.select_for_update().get(pk=target.pk)
    require_in_jurisdiction(actor, target.unit_path, field="target")
    if status not in (TargetStatus.PENDING, TargetStatus.ABSENT, TargetStatus.REFUSED):
        raise ApplicationError.field("status", _("Chỉ đánh dấu vắng mặt, từ chối hoặc chưa lấy."))
    if target.status == TargetStatus.SAMPLED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Người này đã được lấy mẫu."))
    before = {"status": target.status}
    target.status = status
    target.note = note.strip()[:300]
    target.done_at = clock.now() if status != TargetStatus.PENDING else None
    target.save(update_fields=["status", "note", "done_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=target, before=before, after={"status": status})
    return target
