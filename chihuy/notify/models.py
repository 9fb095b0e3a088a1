"""The outbox: a rendered message, one delivery per recipient × channel, per-user preferences, and
broadcasts from a centre to lower units with one receipt per unit to acknowledge."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.notify.enums import Channel, DeliveryStatus


class Message(models.Model):
    """What was said, rendered once from a registered template, written in the transaction of its cause."""

    template = models.CharField(max_length=80)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    urgent = models.BooleanField(default=False)
    unit = models.ForeignKey("places.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The unit the message is about (its jurisdiction); empty for system messages without a unit.
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    source = models.CharField(max_length=120, blank=True)  # "command.ticket:42" — what caused it
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One message to one address over one channel: the unit of work of the worker.

    While a worker holds it, status is `sending`, `claimed_by` names the claim and `claimed_until` ends the
    lease; `next_attempt_at` is set to the same instant so that one indexed condition (`status` due and
    `next_attempt_at <= now`) finds both waiting rows and rows whose worker died mid-delivery.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)  # the recipient's unit
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=500)
    urgent = models.BooleanField(default=False)  # copied from the message: the worker reads it without a join
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=80, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")
        indexes = [
            # The worker's claim: due rows in order, a partial index that holds only unfinished work.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed", "sending"]),
                name="delivery_due",
            ),
            models.Index(fields=["status", "unit_path"], name="delivery_status_unit"),
            models.Index(fields=["claimed_by"], condition=~Q(claimed_by=""), name="delivery_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} {self.status}"


class NotificationPreference(BaseModel):
    """How a user wants to be reached. Without a row: email if they have one, SMS if they have a phone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    channels = models.JSONField(default=list, blank=True)  # ["email", "sms", "zalo"]
    zalo_id = models.CharField(max_length=64, blank=True)
    # Non-urgent deliveries wait until the end of quiet hours (local time); the window may cross midnight.
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cài đặt nhận tin")
        verbose_name_plural = _("cài đặt nhận tin")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.channels)}"


class Broadcast(BaseModel):
    """A centre's message to lower units (province → districts → communes), each acknowledging receipt."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    title = models.CharField(max_length=300)
    body = models.TextField()
    urgent = models.BooleanField(default=False)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")

    def __str__(self) -> str:
        return self.title


class BroadcastReceipt(models.Model):
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit_path"]
        verbose_name = _("xác nhận đã nhận")
        verbose_name_plural = _("xác nhận đã nhận")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "unit"], name="broadcast_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.unit_id}"
