"""Input and output schemas of the check-in API (issue 7): bulk ingest reports, ingest batches, the public
check-in and check-out. The bulk body itself is parsed by hand (one bad event must not reject the batch): its
shape is documented in `BULK_OPENAPI`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

EVENT_EXAMPLE = {
    "id": "pc-covid-000123",
    "venue": "BG7K2M4Q",
    "phone": "0912345678",
    "name": "Lò Thị Mai",
    "national_id": "012345678901",
    "checked_in_at": "2021-11-05T08:30:00+07:00",
    "checked_out_at": "2021-11-05T09:10:00+07:00",
}

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "venue", "phone", "checked_in_at"],
    "properties": {
        "id": {
            "type": "string",
            "maxLength": 64,
            "description": "Mã sự kiện của hệ thống gửi (duy nhất theo `source`): gửi lại cùng mã, cùng nội dung "
            "là trùng, không ghi lần nữa; cùng mã khác nội dung bị từ chối.",
        },
        "venue": {"type": "string", "description": "Mã địa điểm (in dưới mã QR), đang hoạt động, trong địa bàn."},
        "phone": {"type": "string", "description": "Số điện thoại Việt Nam của người quét mã."},
        "name": {"type": "string", "maxLength": 200},
        "national_id": {"type": "string", "description": "CCCD 12 số hoặc CMND 9 số (không bắt buộc)."},
        "checked_in_at": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam. Không ở tương lai, không quá "
            "thời hạn lưu (mặc định 28 ngày).",
        },
        "checked_out_at": {
            "type": "string",
            "format": "date-time",
            "description": "Không bắt buộc; không có thì tính thời gian có mặt theo quy định (mặc định 60 phút).",
        },
    },
}

CSV_EXAMPLE = (
    "id,venue,phone,name,national_id,checked_in_at,checked_out_at\n"
    "pc-covid-000123,BG7K2M4Q,0912345678,Lò Thị Mai,,2021-11-05T08:30:00+07:00,2021-11-05T09:10:00+07:00\n"
    "pc-covid-000124,BG7K2M4Q,0987654321,Tẩn A Sử,,2021-11-05 08:45,\n"
)

BULK_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'Một lô sự kiện quét mã: JSON `{"events": [...]}` hoặc một mảng JSON, hoặc CSV (UTF-8, '
        "dòng đầu là tiêu đề id,venue,phone,name,national_id,checked_in_at,checked_out_at). Tối đa số sự kiện theo "
        "quy định (mặc định 10.000) và 8 MB.",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["events"],
                            "properties": {"events": {"type": "array", "items": EVENT_SCHEMA}},
                        },
                        {"type": "array", "items": EVENT_SCHEMA},
                    ]
                },
                "example": {"events": [EVENT_EXAMPLE]},
            },
            "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
        },
    },
}


class EventResultOut(Schema):
    id: Any = Field(None, description="Mã sự kiện như đã gửi (null nếu thiếu)")
    status: Literal["accepted", "duplicate", "rejected"]
    field: str | None = Field(None, description="Trường sai (khi bị từ chối)")
    reason: str | None = Field(None, description="Lý do từ chối")


class IngestReportOut(Schema):
    batch_id: int
    received: int
    accepted: int
    duplicate: int
    rejected: int
    elapsed_ms: int
    exposures_job_id: int | None = Field(
        None,
        description="Lô có lượt quét mã đến muộn (bắt đầu hơn 1 giờ trước): việc tính lại người tiếp xúc cho mọi F0 "
        "đang hoạt động của địa bàn đã được xếp hàng (tiến độ ở GET /api/jobs/{id})",
    )
    results: list[EventResultOut] = Field(description="Kết quả từng sự kiện, theo thứ tự đã gửi")


class BatchOut(Schema):
    id: int
    source: str
    unit_path: str
    created_at: dt.datetime
    received: int
    accepted: int
    duplicate: int
    rejected: int
    elapsed_ms: int


class RejectionOut(Schema):
    index: int = Field(description="Thứ tự sự kiện trong lô (từ 0)")
    id: Any = None
    field: str
    reason: str


class BatchDetailOut(BatchOut):
    rejections: list[RejectionOut] = Field(description="Sự kiện bị từ chối (lưu tối đa 1.000 mỗi lô)")


class BatchPage(Schema):
    items: list[BatchOut]
    next_cursor: str | None


class BatchQuery(Schema):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class PublicCheckinIn(Schema):
    venue: str = Field(max_length=12, description="Mã địa điểm (in dưới mã QR)")
    phone: str = Field("", max_length=20, description="Số điện thoại; bỏ trống khi gửi visitor_token")
    name: str = Field("", max_length=200, description="Họ và tên; bỏ trống khi gửi visitor_token")
    national_id: str = Field("", max_length=20, description="CCCD/CMND (không bắt buộc)")
    visitor_token: str = Field(
        "", max_length=64, description="Mã người quét đã nhận ở lần trước (điện thoại nhớ): quét một chạm"
    )


class PublicCheckinOut(Schema):
    checkin_id: int
    visitor_token: str = Field(description="Giữ trên điện thoại: lần sau quét một chạm, và là mã QR cá nhân")
    venue: str = Field(description="Tên địa điểm")
    venue_code: str
    checked_in_at: dt.datetime
    counted_until: dt.datetime = Field(description="Được tính có mặt đến thời điểm này nếu không bấm Rời đi")
    repeated: bool = Field(description="Quét lại trong 10 phút: vẫn là lượt trước, không ghi thêm")


class PublicCheckoutIn(Schema):
    visitor_token: str = Field(max_length=64)


class PublicCheckoutOut(Schema):
    checkin_id: int
    venue: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime
    checked_out: bool
