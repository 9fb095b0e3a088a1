"""The 24/7 duty roster of a centre: shifts, swaps between officers, hand-overs between shifts, and the
record of roster gaps already alerted (so a gap is alerted once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel


class ShiftRole(models.TextChoices):
    LEAD = "lead", _("Trực chỉ huy")
    DUTY = "duty", _("Trực ban")
    HOTLINE = "hotline", _("Trực đường dây nóng")


class Shift(BaseModel):
    """One person on duty at one centre from `starts_at` to `ends_at` (exclusive)."""

    centre = models.ForeignKey("command.CommandCentre", on_delete=models.CASCADE, related_name="shifts")
    unit_path = models.CharField(max_length=255, db_index=True)
    member = models.ForeignKey("command.CentreMember", on_delete=models.PROTECT, related_name="shifts")
    # Copy of member.user, so that "who is on duty now" and overlap checks by account need no join.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    role = models.CharField(max_length=10, choices=ShiftRole.choices, default=ShiftRole.DUTY)
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("ca trực")
        verbose_name_plural = _("ca trực")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_starts"),
        ]
        indexes = [
            models.Index(fields=["centre", "starts_at"], name="shift_centre_start"),
            models.Index(fields=["member", "starts_at"], name="shift_member_start"),
            models.Index(fields=["user", "starts_at"], name="shift_user_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.starts_at:%d/%m %H:%M}–{self.ends_at:%H:%M}"


class SwapState(models.TextChoices):
    REQUESTED = "requested", _("Đang chờ")
    ACCEPTED = "accepted", _("Người nhận đã đồng ý")
    APPROVED = "approved", _("Chỉ huy đã duyệt")
    DECLINED = "declined", _("Bị từ chối")
    CANCELLED = "cancelled", _("Đã hủy")


class ShiftSwap(BaseModel):
    """A request to give `shift` to `to_member`, optionally taking `counter_shift` in exchange.

    The other officer accepting, or the commander approving, applies it; the target or the commander may
    decline; the requester may cancel while it waits.
    """

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    counter_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.CASCADE, related_name="counter_swaps"
    )
    from_member = models.ForeignKey("command.CentreMember", on_delete=models.PROTECT, related_name="+")
    to_member = models.ForeignKey("command.CentreMember", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    state = models.CharField(max_length=10, choices=SwapState.choices, default=SwapState.REQUESTED)
    reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("đổi ca")
        verbose_name_plural = _("đổi ca")

    def __str__(self) -> str:
        return f"{self.from_member} → {self.to_member} ({self.state})"


class Handover(BaseModel):
    """Notes and open items passed from one shift to the next, acknowledged by the incoming officer."""

    from_shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="handovers_out")
    to_shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="handovers_in")
    unit_path = models.CharField(max_length=255, db_index=True)
    notes = models.TextField()
    open_items = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bàn giao ca")
        verbose_name_plural = _("bàn giao ca")
        constraints = [models.UniqueConstraint(fields=["from_shift", "to_shift"], name="handover_once_per_pair")]

    def __str__(self) -> str:
        return f"{self.from_shift} → {self.to_shift}"


class RosterGapAlert(BaseModel):
    """A roster gap already alerted to the commander: the sweep does not alert the same interval twice."""

    centre = models.ForeignKey("command.CommandCentre", on_delete=models.CASCADE, related_name="gap_alerts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "starts_at", "ends_at"], name="roster_gap_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.starts_at:%d/%m %H:%M}–{self.ends_at:%d/%m %H:%M}"
