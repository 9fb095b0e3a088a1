"""Reports API — the commander's dashboard (the same figures as the screen, from the kept facts), daily series of
any fact metric for a unit, and the public aggregates (no account, no personal data). A unit outside the caller's
area is not found (404); a missing right is 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from chihuy.reports import dashboard as reads

router = Router(tags=["reports: dashboard"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class DashboardQuery(Schema):
    unit_id: int | None = Field(None, description="Đơn vị (tỉnh, huyện, xã); mặc định là đơn vị của người gọi")
    day: dt.date | None = Field(None, description="Ngày báo cáo (16:00 hôm trước → 16:00); mặc định hôm nay")
    curve_days: int = Field(28, description="Số ngày của đường cong dịch: 28 hoặc 60")
    with_fives: bool = Field(False, description="Kèm số bước 5S quá hạn (đếm trực tiếp từ ca bệnh, tối đa 500)")


class UnitOut(Schema):
    id: int
    name: str
    level: str
    path: str


class NumberOut(Schema):
    key: str
    label: str
    value: float | None
    previous: float | None
    change: float | None


class DatasetOut(Schema):
    key: str
    label: str
    colour: str
    data: list[int]


class CurveOut(Schema):
    days: list[dt.date]
    labels: list[str]
    datasets: list[DatasetOut]


class LevelOut(Schema):
    level: int
    label: str
    week_end: dt.date
    explanation: str


class ChildOut(Schema):
    id: int
    name: str
    new_7d: int
    population: int | None
    per_100k: float | None
    level: int | None
    first_18_pct: float | None
    full_50_pct: float | None


class PointOut(Schema):
    id: int
    name: str
    lat: float
    lng: float
    level: int | None
    colour: str
    tip: str
    new_7d: int | None = None


class CapacityOut(Schema):
    facilities: int
    total: int
    occupied: int
    reserved: int
    free: int


class FivesOut(Schema):
    overdue: int
    capped: bool
    cases: int


class DashboardOut(Schema):
    unit: UnitOut
    day: dt.date
    generated_at: dt.datetime
    facts_at: dt.datetime | None
    numbers: list[NumberOut]
    curve: CurveOut
    level: LevelOut | None
    children: list[ChildOut]
    points: list[PointOut]
    coverage_problems: list[str]
    capacity: CapacityOut | None
    fives_overdue: FivesOut | None


@router.get("/dashboard", response=DashboardOut, summary="Bảng điều hành của một đơn vị")
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> Any:
    actor = _actor(request)
    unit = (
        reads.dashboard_unit(actor=actor, unit_id=query.unit_id)
        if query.unit_id
        else reads.dashboard_unit(actor=actor, path=actor.unit_path)
    )
    board = reads.dashboard_build(actor=actor, unit=unit, day=query.day, curve_days=query.curve_days)
    fives = reads.fives_panel(actor=actor, unit=unit) if query.with_fives else None
    return reads.dashboard_dict(board, fives=fives)


class SeriesQuery(Schema):
    unit_id: int | None = Field(None, description="Đơn vị; mặc định là đơn vị của người gọi")
    metrics: str = Field(
        "", description="Các chỉ số, cách nhau bởi dấu phẩy (xem reports.facts.METRICS); trống: tất cả"
    )
    first: dt.date | None = None
    last: dt.date | None = None


class SeriesOut(Schema):
    unit_id: int
    first: dt.date
    last: dt.date
    facts_at: dt.datetime | None
    days: list[dt.date]
    series: dict[str, list[int]]


@router.get("/facts", response=SeriesOut, summary="Chuỗi số liệu theo ngày của một đơn vị")
def facts(request: HttpRequest, query: Query[SeriesQuery]) -> Any:
    actor = _actor(request)
    unit = (
        reads.dashboard_unit(actor=actor, unit_id=query.unit_id)
        if query.unit_id
        else reads.dashboard_unit(actor=actor, path=actor.unit_path)
    )
    metrics = [m.strip() for m in query.metrics.split(",") if m.strip()] or None
    return reads.facts_series_read(actor=actor, unit=unit, metrics=metrics, first=query.first, last=query.last)


class PublicAreaOut(Schema):
    id: int
    name: str
    level: int | None
    new_today: int
    new_7d: int
    under_treatment: int
    recovered: int
    died: int
    first_18_pct: float | None
    full_18_pct: float | None
    full_50_pct: float | None


class PublicPointOut(Schema):
    id: int
    name: str
    lat: float
    lng: float
    level: int | None
    colour: str
    tip: str


class PublicOut(Schema):
    day: dt.date
    facts_at: dt.datetime | None
    province: PublicAreaOut | None
    areas: list[PublicAreaOut]
    communes: list[PublicPointOut]
    level_counts: dict[int, int] = {}


class PublicQuery(Schema):
    day: dt.date | None = None
    province_code: str | None = Field(None, description="Mã tỉnh (mặc định: tỉnh đầu tiên của hệ thống)")


@router.get("/public", response=PublicOut, auth=None, summary="Số liệu công khai: cấp độ dịch và số tổng hợp")
def public(request: HttpRequest, query: Query[PublicQuery]) -> Any:
    return reads.public_summary(day=query.day, province_code=query.province_code)
