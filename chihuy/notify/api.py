"""/api/notify: the outbox status (deliveries, per-recipient status of a message, dead letters and their
retry), broadcasts with their acknowledgements and tally, and the caller's own notification preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from chihuy.accounts.access import in_jurisdiction
from chihuy.core.errors import not_found
from chihuy.notify import selectors, services
from chihuy.notify.models import Broadcast, Delivery

router = Router(tags=["notify"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class DeliveryOut(Schema):
    id: int
    message_id: int
    subject: str
    user_id: int | None
    unit_path: str
    channel: str
    address: str
    urgent: bool
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_subject(obj: Delivery) -> str:
        return obj.message.subject


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class MessageStatusOut(Schema):
    id: int
    template: str
    subject: str
    body: str
    urgent: bool
    unit_path: str
    source: str
    created_at: dt.datetime
    deliveries: list[DeliveryOut]


class UnitRef(Schema):
    id: int
    name: str
    path: str


class ReceiptOut(Schema):
    unit: UnitRef
    acknowledged_by_id: int | None
    acknowledged_at: dt.datetime | None


class BroadcastOut(Schema):
    id: int
    unit: UnitRef
    sender_id: int
    title: str
    body: str
    urgent: bool
    created_at: dt.datetime


class BroadcastPage(Schema):
    items: list[BroadcastOut]
    next_cursor: str | None


class TallyOut(Schema):
    total: int
    acknowledged_count: int
    pending_count: int
    acknowledged: list[UnitRef]
    pending: list[UnitRef]
    receipts: list[ReceiptOut]


class BroadcastDetailOut(Schema):
    broadcast: BroadcastOut
    my_receipt: ReceiptOut | None
    tally: TallyOut | None


class PreferenceIn(Schema):
    channels: list[str]
    zalo_id: str = ""
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None


class PreferenceOut(Schema):
    channels: list[str]
    zalo_id: str
    quiet_start: dt.time | None
    quiet_end: dt.time | None
    effective: list[tuple[str, str]]


# --- outbox (operators: OUTBOX_MANAGE) --------------------------------------------------------------------


@router.get("/deliveries", response=DeliveryPage, summary="Trạng thái gửi trong địa bàn (lọc theo trạng thái, kênh)")
def list_deliveries(
    request: HttpRequest, status: str = "", channel: str = "", cursor: str | None = None, limit: int = 50
) -> Any:
    return selectors.delivery_list(actor=_actor(request), status=status, channel=channel, cursor=cursor, limit=limit)


@router.get("/deliveries/counts", response=dict[str, int], summary="Số lượt gửi theo trạng thái")
def delivery_counts(request: HttpRequest) -> Any:
    return selectors.delivery_counts(actor=_actor(request))


@router.get("/dead-letters", response=DeliveryPage, summary="Tin hỏng (quá số lần thử), chờ gửi lại")
def dead_letters(request: HttpRequest, cursor: str | None = None, limit: int = 50) -> Any:
    return selectors.dead_letters(actor=_actor(request), cursor=cursor, limit=limit)


@router.post("/deliveries/{int:delivery_id}/retry", response=DeliveryOut, summary="Gửi lại một tin hỏng")
def retry_delivery(request: HttpRequest, delivery_id: int) -> Any:
    actor = _actor(request)
    delivery = selectors.delivery_get(actor=actor, delivery_id=delivery_id)
    services.delivery_retry(actor=actor, delivery=delivery)
    return selectors.delivery_get(actor=actor, delivery_id=delivery_id)


@router.get("/messages/{int:message_id}", response=MessageStatusOut, summary="Một tin nhắn: trạng thái theo người nhận")
def message_status(request: HttpRequest, message_id: int) -> Any:
    actor = _actor(request)
    message = selectors.message_get(actor=actor, message_id=message_id)
    deliveries = selectors.message_deliveries(actor=actor, message=message)
    for d in deliveries:
        d.message = message
    return {
        **{f: getattr(message, f) for f in MessageStatusOut.model_fields if f != "deliveries"},
        "deliveries": deliveries,
    }


# --- broadcasts (CENTRE_VIEW) --------------------------------------------------------------------------------


@router.get("/broadcasts", response=BroadcastPage, summary="Thông báo gửi từ địa bàn hoặc gửi tới đơn vị của tôi")
def list_broadcasts(
    request: HttpRequest, addressed_to_me: bool = False, cursor: str | None = None, limit: int = 50
) -> Any:
    return selectors.broadcast_list(actor=_actor(request), addressed_to_me=addressed_to_me, cursor=cursor, limit=limit)


def _detail(actor: Any, broadcast: Broadcast) -> dict[str, Any]:
    tally = selectors.broadcast_tally(broadcast) if in_jurisdiction(actor, broadcast.unit_path) else None
    return {
        "broadcast": broadcast,
        "my_receipt": selectors.my_receipt(actor=actor, broadcast=broadcast),
        "tally": tally,
    }


@router.get(
    "/broadcasts/{int:broadcast_id}", response=BroadcastDetailOut, summary="Một thông báo; bảng xác nhận cho bên gửi"
)
def get_broadcast(request: HttpRequest, broadcast_id: int) -> Any:
    actor = _actor(request)
    return _detail(actor, selectors.broadcast_get(actor=actor, broadcast_id=broadcast_id))


@router.get("/broadcasts/{int:broadcast_id}/tally", response=TallyOut, summary="Đơn vị đã / chưa xác nhận")
def broadcast_tally(request: HttpRequest, broadcast_id: int) -> Any:
    actor = _actor(request)
    broadcast = selectors.broadcast_get(actor=actor, broadcast_id=broadcast_id)
    return selectors.broadcast_tally_for(actor=actor, broadcast=broadcast)


@router.post(
    "/broadcasts/{int:broadcast_id}/acknowledge", response=ReceiptOut, summary="Đơn vị của tôi xác nhận đã nhận"
)
def acknowledge(request: HttpRequest, broadcast_id: int) -> Any:
    actor = _actor(request)
    broadcast = selectors.broadcast_get(actor=actor, broadcast_id=broadcast_id)
    receipt = selectors.my_receipt(actor=actor, broadcast=broadcast)
    if receipt is None:
        raise not_found(_("Thông báo này không gửi tới đơn vị của bạn."))
    return services.broadcast_acknowledge(broadcast=broadcast, unit=receipt.unit, user=actor)


# --- my preferences ------------------------------------------------------------------------------------------


def _preference(user: Any) -> dict[str, Any]:
    pref = selectors.preference_of(user)
    return {
        "channels": list(pref.channels) if pref else [],
        "zalo_id": pref.zalo_id if pref else "",
        "quiet_start": pref.quiet_start if pref else None,
        "quiet_end": pref.quiet_end if pref else None,
        "effective": services.user_channels(user, pref),
    }


@router.get("/preferences/me", response=PreferenceOut, summary="Cách tôi nhận tin (kênh, giờ yên lặng)")
def my_preferences(request: HttpRequest) -> Any:
    return _preference(_actor(request))


@router.put("/preferences/me", response=PreferenceOut, summary="Đặt cách tôi nhận tin")
def set_my_preferences(request: HttpRequest, payload: PreferenceIn) -> Any:
    user = _actor(request)
    services.preference_update(
        user=user,
        channels=payload.channels,
        zalo_id=payload.zalo_id,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
    )
    return _preference(user)
