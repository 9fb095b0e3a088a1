"""Inbound messages from the Zalo Official Account webhook: the signature check and message → ticket.

The sender signs the raw request body with HMAC-SHA256 and the channel's secret
(`CHIHUY_ZALO_WEBHOOK_SECRET`), hex-encoded in the `X-ChiHuy-Signature` header, optionally as "sha256=<hex>".
No secret configured means every call is refused. A message redelivered with the same message id gives back
the ticket made the first time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.command.models import Ticket
from chihuy.command.tickets.enums import TicketCategory, TicketChannel, TicketPriority
from chihuy.command.tickets.intake import ticket_intake
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit

SIGNATURE_HEADER = "X-ChiHuy-Signature"


def signature_valid(body: bytes, signature: str | None) -> bool:
    secret = str(getattr(settings, "CHIHUY_ZALO_WEBHOOK_SECRET", "") or "")
    if not secret or not signature:
        return False
    given = signature.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())


def sign(body: bytes, secret: str) -> str:
    """What a sender puts in the header (used by tests and by the demo)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _unit_for(oa_id: str) -> Unit:
    """The unit of the Official Account the message was sent to (settings mapping), else the province."""
    mapping: dict[str, str] = dict(getattr(settings, "CHIHUY_ZALO_OA_UNITS", {}) or {})
    path = mapping.get(oa_id)
    unit = Unit.objects.filter(path=path, is_active=True).first() if path else None
    if unit is None:
        unit = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    if unit is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("Chưa có đơn vị nào để nhận phản ánh."))
    return unit


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def zalo_message_to_ticket(body: bytes) -> tuple[Ticket, bool]:
    """(ticket, created). The event is Zalo OA's "user_send_text": sender.id, recipient.id (the OA),
    message.text and message.msg_id; other events are refused as not a message."""
    try:
        event: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError.field("body", _("Nội dung không phải JSON hợp lệ.")) from exc
    if not isinstance(event, dict):
        raise ApplicationError.field("body", _("Nội dung không phải JSON hợp lệ."))
    message = _obj(event.get("message"))
    text = str(message.get("text") or "").strip()
    if not text:
        raise ApplicationError.field("message.text", _("Tin nhắn không có nội dung."))
    msg_id = str(message.get("msg_id") or "").strip()[:100]
    sender = _obj(event.get("sender"))
    recipient = _obj(event.get("recipient"))
    sender_id = str(sender.get("id") or "").strip()
    if not sender_id:
        raise ApplicationError.field("sender.id", _("Thiếu người gửi."))
    if msg_id:
        existing = Ticket.objects.filter(channel=TicketChannel.API, external_ref=msg_id).first()
        if existing is not None:
            return existing, False
    unit = _unit_for(str(recipient.get("id") or ""))
    try:
        with transaction.atomic():
            ticket = ticket_intake(
                actor=None,
                channel=TicketChannel.API,
                category=TicketCategory.OTHER,
                priority=TicketPriority.NORMAL,
                text=text,
                unit=unit,
                caller_name=str(sender.get("display_name") or "")[:150],
                contact_handle=f"zalo:{sender_id}"[:100],
                source="zalo_oa",
                external_ref=msg_id,
            )
    except IntegrityError:
        # The same message delivered twice at once: the other request made it.
        return Ticket.objects.get(channel=TicketChannel.API, external_ref=msg_id), False
    return ticket, True
