"""Roles and what each may do. The matrix is data: tests walk it for every endpoint."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMANDER = "commander", _("Chỉ huy")
    DUTY_OFFICER = "duty_officer", _("Trực ban")
    HEALTH_OFFICER = "health_officer", _("Cán bộ y tế")
    TRACER = "tracer", _("Truy vết")
    LAB_TECHNICIAN = "lab_technician", _("Kỹ thuật viên xét nghiệm")
    FACILITY_MANAGER = "facility_manager", _("Quản lý khu cách ly/điều trị")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Cán bộ chốt kiểm soát")
    VACCINATOR = "vaccinator", _("Cán bộ tiêm chủng")
    ANALYST = "analyst", _("Phân tích (chỉ xem)")
    SYSADMIN = "sysadmin", _("Quản trị hệ thống")


class Perm(models.TextChoices):
    PERSON_VIEW = "person.view", _("Xem người")
    PERSON_CHANGE = "person.change", _("Tạo, sửa người")
    PERSON_MERGE = "person.merge", _("Gộp hồ sơ trùng")
    PERSON_IMPORT = "person.import", _("Nhập danh sách người")
    SITE_CHANGE = "site.change", _("Quản lý cơ sở, địa điểm")
    POPULATION_IMPORT = "population.import", _("Nhập dân số")
    AUDIT_VIEW = "audit.view", _("Xem nhật ký")
    USER_MANAGE = "user.manage", _("Quản lý tài khoản")


_ALL_VIEW = {Perm.PERSON_VIEW}
_PERSON_WRITERS = {Perm.PERSON_VIEW, Perm.PERSON_CHANGE}

ROLE_PERMS: dict[str, set[str]] = {
    Role.COMMANDER: {*_PERSON_WRITERS, Perm.PERSON_MERGE, Perm.SITE_CHANGE, Perm.AUDIT_VIEW},
    Role.DUTY_OFFICER: {*_PERSON_WRITERS},
    Role.HEALTH_OFFICER: {*_PERSON_WRITERS, Perm.PERSON_MERGE, Perm.PERSON_IMPORT, Perm.SITE_CHANGE},
    Role.TRACER: {*_PERSON_WRITERS},
    Role.LAB_TECHNICIAN: {*_ALL_VIEW},
    Role.FACILITY_MANAGER: {*_PERSON_WRITERS},
    Role.CHECKPOINT_OFFICER: {*_PERSON_WRITERS},
    Role.VACCINATOR: {*_PERSON_WRITERS},
    Role.ANALYST: {*_ALL_VIEW},
    Role.SYSADMIN: {
        *_PERSON_WRITERS,
        Perm.PERSON_MERGE,
        Perm.PERSON_IMPORT,
        Perm.SITE_CHANGE,
        Perm.POPULATION_IMPORT,
        Perm.AUDIT_VIEW,
        Perm.USER_MANAGE,
    },
}


def perms_of(roles: list[str]) -> set[str]:
    result: set[str] = set()
    for role in roles:
        result |= ROLE_PERMS.get(role, set())
    return result
