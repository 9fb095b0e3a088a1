"""Command centres (Trung tâm Chỉ huy) — one per province, district and commune — and their members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel


class Position(models.TextChoices):
    COMMANDER = "commander", _("Chỉ huy trưởng")
    DEPUTY = "deputy", _("Chỉ huy phó")
    STANDING = "standing", _("Thành viên thường trực")
    MEMBER = "member", _("Thành viên")


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Chính quyền")
    HEALTH = "health", _("Y tế")
    POLICE = "police", _("Công an")
    ARMY = "army", _("Quân sự")
    BORDER_GUARD = "border_guard", _("Biên phòng")
    INFORMATION = "information", _("Thông tin – truyền thông")
    FINANCE = "finance", _("Tài chính")
    EDUCATION = "education", _("Giáo dục")
    OTHER = "other", _("Khác")


class CommandCentre(BaseModel):
    """The command centre of one unit, on duty 24/24 (seed 000 §8, seed 002 §5)."""

    unit = models.OneToOneField("places.Unit", on_delete=models.PROTECT, related_name="command_centre")
    # Copy of unit.path: the jurisdiction key, read without a join.
    unit_path = models.CharField(max_length=255, db_index=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["unit_path"]
        verbose_name = _("trung tâm chỉ huy")
        verbose_name_plural = _("trung tâm chỉ huy")

    def __str__(self) -> str:
        return self.name


class CentreMember(BaseModel):
    """A person on a centre: commander (the People's Committee chair), deputies, members by sector."""

    centre = models.ForeignKey(CommandCentre, on_delete=models.CASCADE, related_name="members")
    unit_path = models.CharField(max_length=255, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="centre_memberships"
    )
    full_name = models.CharField(max_length=150)
    position = models.CharField(max_length=10, choices=Position.choices, default=Position.MEMBER)
    sector = models.CharField(max_length=15, choices=Sector.choices, default=Sector.OTHER)
    title = models.CharField(max_length=200, blank=True)  # "Chủ tịch UBND xã", "Trưởng Công an xã" …
    phone = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["centre", "position", "full_name"]
        verbose_name = _("thành viên trung tâm chỉ huy")
        verbose_name_plural = _("thành viên trung tâm chỉ huy")
        constraints = [
            models.UniqueConstraint(
                fields=["centre"],
                condition=Q(position="commander", is_active=True),
                name="centre_one_active_commander",
            ),
            models.UniqueConstraint(
                fields=["centre", "user"],
                condition=Q(is_active=True, user__isnull=False),
                name="centre_member_user_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name
