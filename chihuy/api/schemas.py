"""Schemas shared by every router: errors and pages."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    field: str = ""
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    details: list[dict[str, Any]] = []
