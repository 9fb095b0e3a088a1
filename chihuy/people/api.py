"""People API: search, CRUD, duplicate check, merge and its undo, bulk import. Jurisdiction-scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.people import imports, selectors, services
from chihuy.people.enums import ChronicCondition, Sex
from chihuy.places.selectors import unit_get

router = Router(tags=["people"])


class PersonIn(Schema):
    full_name: str = Field(max_length=150)
    birth_date: dt.date | None = None
    birth_year: int | None = None
    sex: Sex = Sex.UNKNOWN
    national_id: str = ""
    phone: str = ""
    address_text: str = ""
    unit_id: int | None = None
    occupation: str = ""
    chronic_conditions: list[ChronicCondition] = []
    is_pregnant: bool = False


class PersonCreateIn(PersonIn):
    confirm_new: bool = Field(False, description="Tạo mới dù có hồ sơ có thể trùng (đã kiểm tra danh sách).")


class PersonPatch(Schema):
    full_name: str | None = Field(None, max_length=150)
    birth_date: dt.date | None = None
    birth_year: int | None = None
    sex: Sex | None = None
    national_id: str | None = None
    phone: str | None = None
    address_text: str | None = None
    unit_id: int | None = None
    occupation: str | None = None
    chronic_conditions: list[ChronicCondition] | None = None
    is_pregnant: bool | None = None


class PersonOut(Schema):
    id: int
    full_name: str
    birth_date: dt.date | None
    birth_year: int | None
    sex: Sex
    national_id: str
    phone: str
    address_text: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    household_id: int | None
    occupation: str
    chronic_conditions: list[str]
    is_pregnant: bool
    is_active: bool
    merged_into_id: int | None
    vulnerabilities: list[str] = Field(description="elderly (≥ 65), chronic, pregnant — as of today")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_vulnerabilities(obj: Any) -> list[str]:
        return obj.vulnerabilities(clock.today())


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class SearchQuery(Schema):
    q: str = ""
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=100)


class CandidateOut(Schema):
    person: PersonOut
    reasons: list[str]


class DuplicateOut(Schema):
    candidates: list[CandidateOut]
    hidden_matches: int


class DeactivateIn(Schema):
    reason: str


class MergeIn(Schema):
    source_id: int
    target_id: int
    reason: str


class UndoMergeIn(Schema):
    reason: str


class HouseholdIn(Schema):
    unit_id: int
    address: str
    member_ids: list[int] = []


class HouseholdOut(Schema):
    id: int
    unit_id: int
    unit_path: str
    address: str
    head_id: int | None


class ImportOut(Schema):
    total_rows: int
    created: int
    duplicates: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _unit(unit_id: int, field: str = "unit_id") -> Any:
    """The unit a payload names; an unknown id is "not found" on that field."""
    try:
        return unit_get(unit_id=unit_id)
    except ApplicationError as exc:
        raise ApplicationError.field(
            field, _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc


def _values(payload: Schema, *, exclude_unset: bool = False) -> dict[str, Any]:
    data = payload.dict(exclude_unset=exclude_unset, exclude={"confirm_new"})
    if "unit_id" in data:
        unit_id = data.pop("unit_id")
        if unit_id is not None:
            data["unit"] = _unit(unit_id)
        elif not exclude_unset:
            data["unit"] = None
    if "chronic_conditions" in data and data["chronic_conditions"] is not None:
        data["chronic_conditions"] = [str(c) for c in data["chronic_conditions"]]
    return data


@router.get("/", response=PersonPage, summary="Tìm người theo tên (không dấu), CCCD/CMND, số điện thoại")
def search_people(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    actor = _actor(request)
    within = None
    if query.within_unit_id:
        within = _unit(query.within_unit_id, "within_unit_id").path
        require_in_jurisdiction(actor, within, field="within_unit_id")
    return selectors.person_search(actor=actor, q=query.q, within=within, cursor=query.cursor, limit=query.limit)


@router.post("/", response={201: PersonOut}, summary="Tạo người (kiểm tra trùng trước; 409 kèm danh sách)")
def create_person(request: HttpRequest, payload: PersonCreateIn) -> Any:
    person = services.person_create(actor=_actor(request), confirm_new=payload.confirm_new, **_values(payload))
    return Status(201, person)


@router.post("/duplicates", response=DuplicateOut, summary="Kiểm tra hồ sơ có thể trùng, không ghi gì")
def check_duplicates(request: HttpRequest, payload: PersonIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.PERSON_VIEW)
    data = services.clean_person(actor=actor, **_values(payload))
    check = selectors.duplicate_candidates(
        actor=actor,
        full_name=data.full_name,
        birth_year=data.birth_year,
        national_id=data.national_id,
        phone=data.phone,
        unit_path=data.unit.path,
    )
    return {
        "candidates": [{"person": c.person, "reasons": c.reasons} for c in check.candidates],
        "hidden_matches": check.hidden_matches,
    }


@router.post("/merge", response=PersonOut, summary="Gộp hồ sơ trùng: mọi bản ghi liên quan chuyển sang hồ sơ giữ lại")
def merge_people(request: HttpRequest, payload: MergeIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.PERSON_MERGE)
    source = selectors.person_get(actor=actor, person_id=payload.source_id, audit=False)
    target = selectors.person_get(actor=actor, person_id=payload.target_id, audit=False)
    return services.person_merge(actor=actor, source=source, target=target, reason=payload.reason)


@router.post("/merges/{int:event_id}/undo", response=PersonOut, summary="Hoàn tác một lần gộp (theo sự kiện nhật ký)")
def undo_merge(request: HttpRequest, event_id: int, payload: UndoMergeIn) -> Any:
    return services.person_unmerge(actor=_actor(request), event_id=event_id, reason=payload.reason)


class JobQueuedOut(Schema):
    job_id: int
    status_url: str


@router.post(
    "/import",
    response={200: ImportOut, 202: JobQueuedOut},
    summary="Nhập danh sách người từ CSV/Excel (kiểm tra toàn bộ trước; background=true: chạy nền, xem tiến độ)",
)
def import_people(request: HttpRequest, file: File[UploadedFile], background: bool = False) -> Any:
    actor = _actor(request)
    data, name = file.read(), file.name or "upload.csv"
    if background:
        job = services.person_import_enqueue(actor=actor, within=actor.unit_path, data=data, filename=name)
        return Status(202, {"job_id": job.pk, "status_url": f"/api/jobs/{job.pk}"})
    return imports.person_import(actor=actor, within=actor.unit_path, data=data, filename=name).as_dict()


@router.post("/households", response={201: HouseholdOut}, summary="Tạo hộ gia đình và thêm thành viên")
def create_household(request: HttpRequest, payload: HouseholdIn) -> Any:
    actor = _actor(request)
    members = [selectors.person_get(actor=actor, person_id=pid, audit=False) for pid in payload.member_ids]
    unit = _unit(payload.unit_id)
    return Status(201, services.household_create(actor=actor, unit=unit, address=payload.address, members=members))


@router.get("/{int:person_id}", response=PersonOut, summary="Một người (mỗi lần xem được ghi nhật ký)")
def get_person(request: HttpRequest, person_id: int) -> Any:
    return selectors.person_get(actor=_actor(request), person_id=person_id)


@router.patch("/{int:person_id}", response=PersonOut, summary="Sửa thông tin người")
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, audit=False)
    return services.person_update(actor=actor, person=person, **_values(payload, exclude_unset=True))


@router.post("/{int:person_id}/deactivate", response=PersonOut, summary="Vô hiệu hóa hồ sơ (không xóa)")
def deactivate_person(request: HttpRequest, person_id: int, payload: DeactivateIn) -> Any:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, audit=False)
    return services.person_deactivate(actor=actor, person=person, reason=payload.reason)
