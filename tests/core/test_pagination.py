"""Keyset pagination: pages follow each other without overlap or gap; a broken cursor is a field error."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor, keyset_page
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from tests.conftest import LAI_CHAU


def walk(qs: Any, order: list[str], limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, order=order, cursor=cursor, limit=limit)
        pages.append([u.pk for u in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_cursor_round_trip() -> None:
    values = ["Xã Bản Giang", 42, "2021-11-05T16:00:00+07:00"]
    cursor = encode_cursor(values)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor, 3) == values


def test_pages_cover_every_row_once_in_order(db: Any) -> None:
    qs = Unit.objects.filter(path__under=LAI_CHAU, level=UnitLevel.COMMUNE)
    expected = list(qs.order_by("name", "id").values_list("pk", flat=True))
    pages = walk(qs, ["name", "id"], 10)
    assert len(expected) == 106
    assert [len(p) for p in pages] == [10] * 10 + [6]
    assert [pk for page in pages for pk in page] == expected


def test_descending_order_with_ties_on_the_first_key(db: Any) -> None:
    # Many communes share a level and depth: the unique last key breaks the ties.
    qs = Unit.objects.filter(path__under=LAI_CHAU)
    expected = list(qs.order_by("-depth", "-id").values_list("pk", flat=True))
    pages = walk(qs, ["-depth", "-id"], 7)
    assert [pk for page in pages for pk in page] == expected
    assert len(expected) == 115


def test_limit_is_capped(db: Any) -> None:
    page = keyset_page(Unit.objects.all(), order=["id"], cursor=None, limit=10_000)
    assert len(page.items) == min(MAX_PAGE_SIZE, Unit.objects.count())


@pytest.mark.parametrize(
    "cursor",
    ["not base64 at all!!", encode_cursor([1]), encode_cursor({"id": 1}), "e30"],  # e30 = "{}"
)
def test_invalid_cursor_is_a_validation_error_on_the_cursor_field(db: Any, cursor: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        keyset_page(Unit.objects.all(), order=["name", "id"], cursor=cursor, limit=5)
    assert exc.value.code == ErrorCode.VALIDATION
    assert exc.value.details == [{"field": "cursor", "message": "Con trỏ trang không hợp lệ."}]
