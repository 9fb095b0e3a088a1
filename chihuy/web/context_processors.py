"""Template context of the shell: navigation areas, the current scope, the unit switcher."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chihuy.accounts.access import has_perm
from chihuy.accounts.roles import Perm
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree

# Every area of the command centre. `url` None: built by a later issue, shown as "chưa có".
AREAS: list[dict[str, Any]] = [
    {"key": "home", "label": _("Tổng quan"), "url": "web:home"},
    {"key": "people", "label": _("Người"), "url": "web:people"},
    {"key": "cases", "label": _("Ca bệnh & truy vết"), "url": "web:cases"},
    {"key": "labs", "label": _("Xét nghiệm"), "url": "web:labs"},
    {"key": "isolation", "label": _("Cách ly & điều trị"), "url": "web:isolation"},
    {"key": "tracing", "label": _("Địa điểm & quét QR"), "url": "web:venues"},
    {"key": "vaccination", "label": _("Tiêm chủng"), "url": "web:vaccination"},
    {"key": "checkpoints", "label": _("Chốt kiểm soát"), "url": None},
    {"key": "readiness", "label": _("4 tại chỗ"), "url": None},
    {"key": "command", "label": _("Trực chỉ huy"), "url": "web:on_duty"},
    {"key": "reports", "label": _("Báo cáo & cấp độ dịch"), "url": "web:dashboard"},
    {"key": "units", "label": _("Địa bàn"), "url": "web:units"},
]

SWITCHER_LEVELS = [UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE]


def scope_choices(user: Any) -> list[dict[str, Any]]:
    """The user's unit and its descendants down to commune level, indented; none for commune users."""
    unit = user.unit
    if unit is None or unit.level not in (UnitLevel.PROVINCE, UnitLevel.DISTRICT):
        return []
    units = unit_subtree(path=unit.path, levels=SWITCHER_LEVELS)
    return [
        {"path": u.path, "name": u.name, "indent": "\u00a0\u00a0" * (u.depth - unit.depth), "level": u.level}
        for u in units
    ]


def shell(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    areas = []
    for area in AREAS:
        areas.append(
            {
                **area,
                "href": reverse(area["url"]) if area["url"] else reverse("web:pending", args=[area["key"]]),
            }
        )
    admin_links = []
    if has_perm(user, Perm.AUDIT_VIEW):
        admin_links.append({"label": _("Nhật ký"), "href": reverse("web:audit")})
    if has_perm(user, Perm.USER_MANAGE):
        admin_links.append({"label": _("Tài khoản"), "href": reverse("web:users")})
    admin_links.append({"label": _("Khóa API"), "href": reverse("web:tokens")})
    if user.is_superuser:
        admin_links.append({"label": _("Quản trị Django"), "href": reverse("admin:index")})
    return {
        "nav_areas": areas,
        "nav_admin": admin_links,
        "scope_path": getattr(request, "scope_path", ""),
        # Lazy and computed once: htmx partials never pay for it.
        "scope_choices": functools.cache(lambda: scope_choices(user)),
    }
