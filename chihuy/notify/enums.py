"""Channels and the delivery state machine of the outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo OA")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Lỗi, sẽ gửi lại")
    DEAD = "dead", _("Hỏng, chờ xử lý")


# The worker picks these up when `next_attempt_at` is due: pending and failed rows wait for their turn,
# a `sending` row whose lease (next_attempt_at = claimed_until) expired belonged to a worker that died.
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)

# Who may move a delivery where: the worker claims (→ sending), then sent / failed / dead; quiet hours and
# a channel that is down put it back to pending; an operator retries a dead one (→ pending).
TRANSITIONS: dict[str, set[str]] = {
    DeliveryStatus.PENDING: {DeliveryStatus.SENDING},
    DeliveryStatus.FAILED: {DeliveryStatus.SENDING},
    DeliveryStatus.SENDING: {
        DeliveryStatus.SENDING,
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.DEAD,
        DeliveryStatus.PENDING,
    },
    DeliveryStatus.DEAD: {DeliveryStatus.PENDING},
    DeliveryStatus.SENT: set(),
}
