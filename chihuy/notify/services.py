"""Writes of the outbox: enqueue a message in the caller's transaction, broadcast down the unit tree and
acknowledge it, retry a dead delivery, set one's preferences.

Nothing here talks to a channel: the worker (`chihuy.notify.worker`) delivers after the commit, so an alert
exists exactly when its cause does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.bulk import insert_rows, reserve_ids
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.notify import templates
from chihuy.notify.enums import TRANSITIONS, Channel, DeliveryStatus
from chihuy.notify.models import Broadcast, BroadcastReceipt, Delivery, Message, NotificationPreference
from chihuy.notify.quiet import quiet_until
from chihuy.places.models import Unit

_CHUNK = 2000


@dataclass(frozen=True)
class BroadcastTarget:
    """One receiving unit of a broadcast and who there should be told (e.g. its centre's on-duty officers)."""

    unit: Unit
    users: Sequence[User] = ()
    addresses: Sequence[tuple[str, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Recipient:
    user: User | None
    channel: str
    address: str
    unit_path: str


def user_channels(user: User, preference: NotificationPreference | None) -> list[tuple[str, str]]:
    """(channel, address) pairs a user is reached on: their preference, else email and phone if they have them."""
    addresses: dict[str, str] = {Channel.EMAIL: user.email, Channel.SMS: user.phone, Channel.ZALO: ""}
    if preference is None:
        wanted: list[str] = [Channel.EMAIL, Channel.SMS]
    else:
        wanted = list(preference.channels)
        addresses[Channel.ZALO] = preference.zalo_id
    return [(c, addresses[c].strip()) for c in wanted if c in addresses and addresses[c].strip()]


def _check_addresses(addresses: Iterable[tuple[str, str]]) -> None:
    for channel, address in addresses:
        if channel not in Channel.values:
            raise ApplicationError.field("addresses", _("Kênh gửi “%(c)s” không hợp lệ.") % {"c": channel})
        if not address or len(address) > 500:
            raise ApplicationError.field("addresses", _("Địa chỉ nhận không hợp lệ."))


def _preferences(users: Sequence[User]) -> dict[int, NotificationPreference]:
    ids = list({u.pk for u in users})
    prefs: dict[int, NotificationPreference] = {}
    for start in range(0, len(ids), _CHUNK):
        for pref in NotificationPreference.objects.filter(user_id__in=ids[start : start + _CHUNK]):
            prefs[pref.user_id] = pref
    return prefs


def _write_deliveries(message: Message, recipients: list[_Recipient], prefs: dict[int, NotificationPreference]) -> int:
    rows = _delivery_rows(message, recipients, prefs)
    Delivery.objects.bulk_create(rows, batch_size=_CHUNK)
    return len(rows)


def _delivery_plan(
    message: Message, recipients: list[_Recipient], prefs: dict[int, NotificationPreference]
) -> list[tuple[_Recipient, dt.datetime]]:
    """Each distinct (user, channel, address) once, with when it is due (a user's quiet hours delay the
    non-urgent)."""
    now = message.created_at
    plan: list[tuple[_Recipient, dt.datetime]] = []
    seen: set[tuple[int | None, str, str]] = set()
    for r in recipients:
        key = (r.user.pk if r.user else None, r.channel, r.address)
        if key in seen:
            continue
        seen.add(key)
        due = now
        if r.user is not None and not message.urgent:
            due = quiet_until(prefs.get(r.user.pk), now) or now
        plan.append((r, due))
    return plan


def _delivery_rows(
    message: Message, recipients: list[_Recipient], prefs: dict[int, NotificationPreference]
) -> list[Delivery]:
    now = message.created_at
    return [
        Delivery(
            message=message,
            user=r.user,
            unit_path=r.unit_path,
            channel=r.channel,
            address=r.address,
            urgent=message.urgent,
            status=DeliveryStatus.PENDING,
            next_attempt_at=due,
            created_at=now,
            updated_at=now,
        )
        for r, due in _delivery_plan(message, recipients, prefs)
    ]


_MESSAGE_COLUMNS = ["id", "template", "subject", "body", "urgent", "unit_id", "unit_path", "source", "created_at"]
_DELIVERY_COLUMNS = ["message_id", "user_id", "unit_path", "channel", "address", "urgent", "status", "attempts"]
_DELIVERY_COLUMNS += ["next_attempt_at", "last_error", "claimed_by", "created_at", "updated_at"]


def _delivery_values(
    message: Message, recipients: list[_Recipient], prefs: dict[int, NotificationPreference]
) -> list[tuple[Any, ...]]:
    """The rows of `_delivery_rows` as database-ready tuples in `_DELIVERY_COLUMNS` order, for `insert_rows`."""
    at = connection.ops.adapt_datetimefield_value
    now = at(message.created_at)
    return [
        (
            message.pk,
            r.user.pk if r.user else None,
            r.unit_path,
            r.channel,
            r.address,
            message.urgent,
            DeliveryStatus.PENDING.value,
            0,
            now if due == message.created_at else at(due),
            "",
            "",
            now,
            now,
        )
        for r, due in _delivery_plan(message, recipients, prefs)
    ]


def _user_recipients(
    users: Sequence[User], prefs: dict[int, NotificationPreference], default_path: str
) -> list[_Recipient]:
    out: list[_Recipient] = []
    for user in users:
        for channel, address in user_channels(user, prefs.get(user.pk)):
            out.append(_Recipient(user, channel, address, default_path or user.unit_path))
    return out


@transaction.atomic
def message_enqueue(
    *,
    template: str,
    context: dict[str, Any],
    users: Sequence[User] = (),
    addresses: Sequence[tuple[str, str]] = (),
    urgent: bool = False,
    unit: Unit | None = None,
    source: str = "",
) -> list[Message]:
    """Render `template` once and write one Message and one Delivery per recipient × channel, in the caller's
    transaction. Users are reached on the channels of their preferences; `addresses` are (channel, address)."""
    _check_addresses(addresses)
    subject, body = templates.render(template, context)
    message = Message.objects.create(
        template=template,
        subject=subject,
        body=body,
        urgent=urgent,
        unit=unit,
        unit_path=unit.path if unit else "",
        source=source[:120],
        created_at=clock.now(),
    )
    users = list(users)
    prefs = _preferences(users)
    path = message.unit_path
    recipients = _user_recipients(users, prefs, path)
    recipients += [_Recipient(None, c, a.strip(), path) for c, a in addresses]
    _write_deliveries(message, recipients, prefs)
    return [message]


@dataclass(frozen=True)
class BulkItem:
    """One message of `message_enqueue_many`: its context, who gets it, and the unit it is about."""

    context: dict[str, Any]
    users: Sequence[User] = ()
    addresses: Sequence[tuple[str, str]] = ()
    unit_path: str = ""
    source: str = ""


def message_enqueue_many(*, template: str, items: Sequence[BulkItem], urgent: bool = False) -> int:
    """`message_enqueue` for thousands of messages of one template at once (e.g. every result of a lab file),
    in the caller's transaction: messages and deliveries are written in bulk. Returns the deliveries written."""
    if not items:
        return 0
    for item in items:
        _check_addresses(item.addresses)
    now = clock.now()
    all_users = [u for item in items for u in item.users]
    prefs = _preferences(all_users)
    written = 0
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        messages = []
        for item in chunk:
            subject, body = templates.render(template, item.context)
            messages.append(
                Message(
                    template=template,
                    subject=subject,
                    body=body,
                    urgent=urgent,
                    unit_path=item.unit_path,
                    source=item.source[:120],
                    created_at=now,
                )
            )
        # Plain rows with reserved ids: bulk_create's RETURNING of every id was most of the cost on SQLite.
        table = Message._meta.db_table
        if connection.vendor == "sqlite":
            # The write lock first (reserve_ids reads the maximum): an empty update takes it.
            Message.objects.filter(pk=-1).update(urgent=False)
        created = connection.ops.adapt_datetimefield_value(now)
        for message, pk in zip(messages, reserve_ids(table, len(messages)), strict=True):
            message.pk = pk
        insert_rows(
            table,
            _MESSAGE_COLUMNS,
            [(m.pk, m.template, m.subject, m.body, m.urgent, None, m.unit_path, m.source, created) for m in messages],
        )
        rows: list[tuple[Any, ...]] = []
        for message, item in zip(messages, chunk, strict=True):
            recipients = _user_recipients(list(item.users), prefs, item.unit_path)
            recipients += [_Recipient(None, c, a.strip(), item.unit_path) for c, a in item.addresses]
            rows += _delivery_values(message, recipients, prefs)
        # Plain rows (COPY on PostgreSQL): bulk_create's per-field preparation cost more than the database
        # for the hundreds of thousands of deliveries of a lab's result file.
        insert_rows(Delivery._meta.db_table, _DELIVERY_COLUMNS, rows)
        written += len(rows)
    return written


def _ack_url(broadcast_id: int) -> str:
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("web:notify_broadcast", args=[broadcast_id])
    except NoReverseMatch:
        path = f"/notify/broadcasts/{broadcast_id}/"
    return f"{getattr(settings, 'NOTIFY_SITE_URL', '').rstrip('/')}{path}"


@transaction.atomic
def broadcast_send(
    *, sender: User, unit: Unit, title: str, body: str, urgent: bool, targets: Sequence[BroadcastTarget]
) -> Broadcast:
    """The centre of `unit` tells every target unit; each target gets a receipt to acknowledge and its
    users/addresses get the message through the outbox (one Message, fanned out to every delivery)."""
    require_perm(sender, Perm.BROADCAST_SEND)
    require_in_jurisdiction(sender, unit.path)
    title, body = title.strip(), body.strip()
    if not title:
        raise ApplicationError.field("title", _("Nhập tiêu đề thông báo."))
    if not body:
        raise ApplicationError.field("body", _("Nhập nội dung thông báo."))
    if not targets:
        raise ApplicationError.field("targets", _("Chọn ít nhất một đơn vị nhận."))
    seen: set[int] = set()
    for target in targets:
        if not target.unit.path.startswith(unit.path):
            raise ApplicationError.field(
                "targets", _("Đơn vị nhận phải thuộc địa bàn của đơn vị gửi."), ErrorCode.NOT_FOUND
            )
        if target.unit.pk in seen:
            raise ApplicationError.field("targets", _("Một đơn vị được chọn hai lần."))
        seen.add(target.unit.pk)
        _check_addresses(target.addresses)
    broadcast = Broadcast(sender=sender, unit=unit, unit_path=unit.path, title=title[:300], body=body, urgent=urgent)
    broadcast.full_clean(exclude=["sender", "unit", "message"])
    broadcast.save()
    BroadcastReceipt.objects.bulk_create(
        [BroadcastReceipt(broadcast=broadcast, unit=t.unit, unit_path=t.unit.path) for t in targets],
        batch_size=_CHUNK,
    )
    subject, text = templates.render(
        "notify.broadcast",
        {"title": title, "body": body, "urgent": urgent, "sender_unit": unit.name, "ack_url": _ack_url(broadcast.pk)},
    )
    message = Message.objects.create(
        template="notify.broadcast",
        subject=subject,
        body=text,
        urgent=urgent,
        unit=unit,
        unit_path=unit.path,
        source=f"notify.broadcast:{broadcast.pk}",
        created_at=clock.now(),
    )
    all_users = [u for t in targets for u in t.users]
    prefs = _preferences(all_users)
    recipients: list[_Recipient] = []
    for t in targets:
        recipients += _user_recipients(list(t.users), prefs, t.unit.path)
        recipients += [_Recipient(None, c, a.strip(), t.unit.path) for c, a in t.addresses]
    count = _write_deliveries(message, recipients, prefs)
    broadcast.message = message
    broadcast.save(update_fields=["message", "updated_at"])
    audit_record(
        actor=sender,
        action="create",
        obj=broadcast,
        after=snapshot(broadcast),
        details={"targets": len(targets), "deliveries": count},
    )
    return broadcast


@transaction.atomic
def broadcast_acknowledge(*, broadcast: Broadcast, unit: Unit, user: User) -> BroadcastReceipt:
    """A user of the receiving unit confirms receipt; acknowledging again keeps the first confirmation."""
    require_perm(user, Perm.CENTRE_VIEW)
    if user.unit_path != unit.path:
        raise ApplicationError.field("unit", _("Chỉ cán bộ của đơn vị nhận mới xác nhận được."), ErrorCode.NOT_FOUND)
    receipt = BroadcastReceipt.objects.select_for_update().filter(broadcast=broadcast, unit=unit).first()
    if receipt is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy thông báo gửi đơn vị này."))
    if receipt.acknowledged_at is not None:
        return receipt
    receipt.acknowledged_by = user
    receipt.acknowledged_at = clock.now()
    receipt.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=user,
        action="update",
        obj=receipt,
        object_repr=f"{broadcast.title} — {unit.name}",
        after={"acknowledged_at": receipt.acknowledged_at},
    )
    return receipt


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """An operator sends a dead delivery again: it starts over with a fresh attempt count."""
    require_perm(actor, Perm.OUTBOX_MANAGE)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    require_in_jurisdiction(actor, delivery.unit_path or actor.unit_path, field="delivery")
    if DeliveryStatus.PENDING not in TRANSITIONS[delivery.status]:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Chỉ gửi lại được tin đã hỏng (quá số lần thử)."))
    before = snapshot(delivery, ["status", "attempts", "last_error"])
    now = clock.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.claimed_by = ""
    delivery.claimed_until = None
    delivery.updated_at = now
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_by", "claimed_until", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=delivery,
        before=before,
        after=snapshot(delivery, ["status", "attempts", "last_error"]),
        details={"operation": "retry"},
    )
    return delivery


@transaction.atomic
def preference_update(
    *,
    user: User,
    channels: Sequence[str],
    zalo_id: str = "",
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
) -> NotificationPreference:
    """A user sets how they are reached; quiet hours need both ends (or neither)."""
    channels = list(dict.fromkeys(channels))
    bad = [c for c in channels if c not in Channel.values or c == Channel.WEBHOOK]
    if bad:
        raise ApplicationError.field("channels", _("Kênh “%(c)s” không dùng được cho cá nhân.") % {"c": bad[0]})
    if (quiet_start is None) != (quiet_end is None):
        raise ApplicationError.field("quiet_end", _("Nhập cả giờ bắt đầu và giờ kết thúc, hoặc bỏ trống cả hai."))
    if quiet_start is not None and quiet_start == quiet_end:
        raise ApplicationError.field("quiet_end", _("Giờ kết thúc phải khác giờ bắt đầu."))
    if Channel.ZALO in channels and not zalo_id.strip():
        raise ApplicationError.field("zalo_id", _("Nhập mã người dùng Zalo để nhận tin qua Zalo."))
    if Channel.EMAIL in channels and not user.email:
        raise ApplicationError.field("channels", _("Tài khoản chưa có thư điện tử."))
    if Channel.SMS in channels and not user.phone:
        raise ApplicationError.field("channels", _("Tài khoản chưa có số điện thoại."))
    pref, created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = None if created else snapshot(pref)
    pref.channels = channels
    pref.zalo_id = zalo_id.strip()
    pref.quiet_start = quiet_start
    pref.quiet_end = quiet_end
    pref.full_clean(exclude=["user"])
    pref.save()
    audit_record(
        actor=user,
        action="create" if created else "update",
        obj=pref,
        unit_path=user.unit_path,
        before=before,
        after=snapshot(pref),
    )
    return pref
