"""Choices of the places domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")
    VILLAGE = "village", _("Thôn, bản")


class Layout(models.TextChoices):
    LEGACY = "legacy", _("Ba cấp (tỉnh – huyện – xã, trước 2025)")
    FROM_2025 = "2025", _("Hai cấp (tỉnh – xã, từ 01/7/2025)")


class SiteKind(models.TextChoices):
    HEALTH_FACILITY = "health_facility", _("Cơ sở y tế")
    LAB = "lab", _("Phòng xét nghiệm")
    QUARANTINE_FACILITY = "quarantine_facility", _("Khu cách ly tập trung")
    CHECKPOINT = "checkpoint", _("Chốt kiểm soát")
    VENUE = "venue", _("Địa điểm công cộng")


class AgeBand(models.TextChoices):
    A0_11 = "0-11", "0–11"
    A12_17 = "12-17", "12–17"
    A18_49 = "18-49", "18–49"
    A50_64 = "50-64", "50–64"
    A65 = "65+", "65+"


def age_band_of(age: int) -> str:
    if age < 12:
        return AgeBand.A0_11
    if age < 18:
        return AgeBand.A12_17
    if age < 50:
        return AgeBand.A18_49
    if age < 65:
        return AgeBand.A50_64
    return AgeBand.A65
