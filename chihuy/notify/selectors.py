"""Reads of the outbox and of broadcasts, scoped to the user's jurisdiction (a unit sees its subtree)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm, scope_q, user_path
from chihuy.accounts.roles import Perm
from chihuy.core.errors import not_found
from chihuy.core.pagination import Page, keyset_page
from chihuy.notify.enums import DeliveryStatus
from chihuy.notify.models import Broadcast, BroadcastReceipt, Delivery, Message, NotificationPreference


def delivery_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[Delivery]:
    require_perm(actor, Perm.OUTBOX_MANAGE)
    return Delivery.objects.filter(scope_q(actor, within=within))


def delivery_list(
    *,
    actor: Any,
    status: str = "",
    channel: str = "",
    within: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Delivery]:
    """Newest first, keyset-paginated; an operator's outbox (OUTBOX_MANAGE), optionally one status/channel."""
    qs = delivery_visible_qs(actor, within=within).select_related("message", "user")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return keyset_page(qs, order=["-id"], cursor=cursor, limit=limit)


def dead_letters(
    *, actor: Any, within: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page[Delivery]:
    return delivery_list(actor=actor, status=DeliveryStatus.DEAD, within=within, cursor=cursor, limit=limit)


def delivery_counts(*, actor: Any, within: str | None = None) -> dict[str, int]:
    """Deliveries by status in the operator's area: every status present, zero when none."""
    rows = delivery_visible_qs(actor, within=within).values("status").annotate(n=Count("id")).order_by()
    counts = {s: 0 for s in DeliveryStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def delivery_get(*, actor: Any, delivery_id: int) -> Delivery:
    delivery = delivery_visible_qs(actor).select_related("message", "user").filter(pk=delivery_id).first()
    if delivery is None:
        raise not_found(_("Không tìm thấy lượt gửi."))
    return delivery


def message_get(*, actor: Any, message_id: int) -> Message:
    """A message the operator may see: about a unit of their area, or with a delivery in it."""
    require_perm(actor, Perm.OUTBOX_MANAGE)
    in_area = Delivery.objects.filter(message=OuterRef("pk")).filter(scope_q(actor))
    message = (
        Message.objects.filter(pk=message_id).filter(scope_q(actor) | Q(Exists(in_area))).select_related("unit").first()
    )
    if message is None:
        raise not_found(_("Không tìm thấy tin nhắn."))
    return message


def message_deliveries(*, actor: Any, message: Message) -> list[Delivery]:
    """The delivery status of one message per recipient × channel, those in the operator's area."""
    return list(
        delivery_visible_qs(actor).filter(message=message).select_related("user").order_by("unit_path", "channel", "id")
    )


def broadcast_visible_qs(actor: Any) -> QuerySet[Broadcast]:
    """Broadcasts sent from the user's area, and those addressed to the user's own unit."""
    require_perm(actor, Perm.CENTRE_VIEW)
    to_me = BroadcastReceipt.objects.filter(broadcast=OuterRef("pk"), unit_path=user_path(actor))
    return Broadcast.objects.filter(scope_q(actor) | Q(Exists(to_me)))


def broadcast_list(
    *, actor: Any, addressed_to_me: bool = False, cursor: str | None = None, limit: int = 50
) -> Page[Broadcast]:
    qs = broadcast_visible_qs(actor).select_related("unit", "sender")
    if addressed_to_me:
        qs = qs.filter(receipts__unit_path=user_path(actor))
    return keyset_page(qs, order=["-id"], cursor=cursor, limit=limit)


def broadcast_get(*, actor: Any, broadcast_id: int) -> Broadcast:
    broadcast = broadcast_visible_qs(actor).select_related("unit", "sender").filter(pk=broadcast_id).first()
    if broadcast is None:
        raise not_found(_("Không tìm thấy thông báo."))
    return broadcast


def my_receipt(*, actor: Any, broadcast: Broadcast) -> BroadcastReceipt | None:
    """The receipt of the user's own unit for this broadcast, if it was addressed to it."""
    return (
        BroadcastReceipt.objects.filter(broadcast=broadcast, unit_path=user_path(actor))
        .select_related("unit", "acknowledged_by")
        .first()
    )


def broadcast_tally(broadcast: Broadcast) -> dict[str, Any]:
    """Who has acknowledged and who has not: lists of units (in tree order) and the counts."""
    receipts = list(
        BroadcastReceipt.objects.filter(broadcast=broadcast)
        .select_related("unit", "acknowledged_by")
        .order_by("unit_path")
    )
    acknowledged = [r.unit for r in receipts if r.acknowledged_at is not None]
    pending = [r.unit for r in receipts if r.acknowledged_at is None]
    return {
        "acknowledged": acknowledged,
        "pending": pending,
        "acknowledged_count": len(acknowledged),
        "pending_count": len(pending),
        "total": len(receipts),
        "receipts": receipts,
    }


def broadcast_tally_for(*, actor: Any, broadcast: Broadcast) -> dict[str, Any]:
    """The tally, for the sending side only (the sender's area); a receiving unit sees its own receipt."""
    if not in_jurisdiction(actor, broadcast.unit_path):
        raise not_found(_("Không tìm thấy thông báo."))
    return broadcast_tally(broadcast)


def preference_of(user: Any) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()
