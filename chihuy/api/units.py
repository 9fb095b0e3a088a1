"""Units (read) and sites API. Lives in the API layer: it checks permissions (accounts) around places services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places import selectors, services
from chihuy.places.enums import SiteKind, UnitLevel

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: UnitLevel
    division_type: str
    path: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None
    is_demo: bool


class PopulationOut(Schema):
    year: int | None
    total: int
    bands: dict[str, int]
    is_estimate: bool


class UnitDetailOut(UnitOut):
    population: PopulationOut
    children: list[UnitOut]


class SiteIn(Schema):
    unit_id: int
    kind: SiteKind
    name: str
    address: str = ""
    phone: str = ""
    latitude: float | None = None
    longitude: float | None = None


class SiteOut(Schema):
    id: int
    unit_id: int
    unit_path: str
    kind: SiteKind
    name: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    is_active: bool


@router.get("/", response=list[UnitOut], summary="Đơn vị gốc hoặc đơn vị con của một đơn vị")
def list_units(request: HttpRequest, parent_id: int | None = None) -> Any:
    if parent_id is None:
        return selectors.unit_roots()
    return selectors.unit_children(selectors.unit_get(unit_id=parent_id))


@router.get("/sites", response=list[SiteOut], tags=["sites"], summary="Cơ sở, địa điểm trong địa bàn")
def list_sites(request: HttpRequest, kind: SiteKind | None = None) -> Any:
    return selectors.site_list(within=request.auth.unit_path or "\x00", kind=kind)  # type: ignore[attr-defined]


@router.post("/sites", response={201: SiteOut}, tags=["sites"], summary="Gắn cơ sở, địa điểm vào xã")
def create_site(request: HttpRequest, payload: SiteIn) -> Any:
    actor: Any = request.auth  # type: ignore[attr-defined]
    require_perm(actor, Perm.SITE_CHANGE)
    try:
        unit = selectors.unit_get(unit_id=payload.unit_id)
    except ApplicationError as exc:
        raise ApplicationError.field(
            "unit_id", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc
    require_in_jurisdiction(actor, unit.path, field="unit_id")
    data = payload.dict(exclude={"unit_id"})
    return Status(201, services.site_create(actor=actor, unit=unit, **data))


@router.get("/{int:unit_id}", response=UnitDetailOut, summary="Một đơn vị: dân số theo nhóm tuổi, đơn vị con")
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    unit = selectors.unit_get(unit_id=unit_id)
    return {
        **UnitOut.from_orm(unit).dict(),
        "population": selectors.unit_population(unit),
        "children": selectors.unit_children(unit),
    }
