"""Input and output schemas of the venues API (issue 7): venues of the area, map points, registration, edits,
status changes, and the public view of a scanned code."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.tracing.enums import VenueCategory, VenueStatus


class VenueOut(Schema):
    id: int
    code: str = Field(description="Mã in dưới mã QR (8 ký tự, không có 0/O, 1/I/L)")
    name: str
    category: VenueCategory
    status: VenueStatus
    status_reason: str
    unit_id: int
    unit_name: str
    unit_path: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    owner_name: str
    owner_phone: str
    checkin_url: str = Field(description="Trang quét mã công khai mà mã QR mở")
    created_at: dt.datetime


class VenuePage(Schema):
    items: list[VenueOut]
    next_cursor: str | None


class VenueQuery(Schema):
    status: VenueStatus | None = None
    category: VenueCategory | None = None
    q: str = Field("", max_length=100, description="Tìm theo mã (đúng), tên hoặc địa chỉ")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class MapQuery(Schema):
    within_unit_id: int | None = None


class MapPointOut(Schema):
    id: int
    code: str
    name: str
    category: VenueCategory
    status: VenueStatus
    lat: float
    lng: float


class VenueIn(Schema):
    unit_id: int = Field(description="Xã (hoặc thôn, bản) trong địa bàn của người gọi")
    name: str = Field(max_length=200)
    category: VenueCategory
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=20)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    owner_name: str = Field("", max_length=200)
    owner_phone: str = Field("", max_length=20)


class VenuePatch(Schema):
    name: str | None = Field(None, max_length=200)
    category: VenueCategory | None = None
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=20)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    owner_name: str | None = Field(None, max_length=200)
    owner_phone: str | None = Field(None, max_length=20)


class StatusIn(Schema):
    to: VenueStatus = Field(description="active: duyệt hoặc hoạt động trở lại; inactive: ngừng (cần lý do)")
    reason: str = Field("", max_length=300)


class PublicVenueOut(Schema):
    code: str
    name: str
    category: VenueCategory
    commune: str
    status: VenueStatus
