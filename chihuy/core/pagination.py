"""Keyset pagination: a page is "the next N after this key", never OFFSET, so page 1,000 costs page 1.

The cursor is an opaque URL-safe token of the last row's ordering values.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ApplicationError.field("cursor", _("Con trỏ trang không hợp lệ.")) from exc
    if not isinstance(values, list) or len(values) != size:
        raise ApplicationError.field("cursor", _("Con trỏ trang không hợp lệ."))
    return values


def keyset_page(qs: QuerySet[Any], *, order: list[str], cursor: str | None, limit: int) -> Page[Any]:
    """Order by `order` (field names, "-" for descending, the last one unique) and take the next page."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    fields = [f.lstrip("-") for f in order]
    qs = qs.order_by(*order)
    if cursor:
        values = decode_cursor(cursor, len(fields))
        condition = Q()
        for i, field in enumerate(fields):
            op = "lt" if order[i].startswith("-") else "gt"
            step = Q(**{f"{field}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            condition |= step
        qs = qs.filter(condition)
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_attr(last, f) for f in fields])
    return Page(items=rows, next_cursor=next_cursor)


def _attr(obj: Any, field: str) -> Any:
    value = obj
    for part in field.split("__"):
        value = getattr(value, part)
    return value
