"""The outbox services: enqueue in the caller's transaction, recipients from preferences, broadcasts and receipts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError
from chihuy.core.models import AuditEvent
from chihuy.notify import templates
from chihuy.notify.models import Delivery, Message
from chihuy.notify.selectors import broadcast_tally
from chihuy.notify.services import (
    BroadcastTarget,
    broadcast_acknowledge,
    broadcast_send,
    message_enqueue,
    preference_update,
)
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, TAM_DUONG, unit

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))

templates.register("test.alert", subject="Phiếu {{ number }} quá hạn", body="Phiếu {{ number }} tại {{ place }} <b>")


def test_enqueue_renders_once_and_fans_out_to_user_channels_and_addresses(make_user: Any) -> None:
    user = make_user(Role.DUTY_OFFICER, BAN_GIANG, email="a@example.vn", phone="0912000001")
    [message] = message_enqueue(
        template="test.alert",
        context={"number": "PH-7", "place": "Bản Giang"},
        users=[user],
        addresses=[("webhook", "http://127.0.0.1:9/hook")],
        unit=unit(BAN_GIANG),
        source="test:1",
    )
    assert (message.subject, message.body) == ("Phiếu PH-7 quá hạn", "Phiếu PH-7 tại Bản Giang <b>")
    rows = sorted(Delivery.objects.filter(message=message).values_list("channel", "address", "status", "unit_path"))
    assert rows == [
        ("email", "a@example.vn", "pending", BAN_GIANG),
        ("sms", "0912000001", "pending", BAN_GIANG),
        ("webhook", "http://127.0.0.1:9/hook", "pending", BAN_GIANG),
    ]


def test_enqueue_is_rolled_back_with_its_cause(make_user: Any) -> None:
    user = make_user(Role.DUTY_OFFICER, BAN_GIANG, email="a@example.vn")
    with pytest.raises(RuntimeError), transaction.atomic():
        message_enqueue(template="test.alert", context={"number": 1, "place": "x"}, users=[user])
        raise RuntimeError("the cause failed")
    assert Message.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_unknown_template_and_bad_channel_are_errors(make_user: Any) -> None:
    with pytest.raises(ApplicationError):
        message_enqueue(template="nope", context={})
    with pytest.raises(ApplicationError):
        message_enqueue(template="test.alert", context={}, addresses=[("fax", "123")])
    assert Message.objects.count() == 0


def test_preferences_choose_channels_and_quiet_hours_postpone_non_urgent(make_user: Any) -> None:
    user = make_user(Role.DUTY_OFFICER, BAN_GIANG, email="a@example.vn", phone="0912000001")
    preference_update(user=user, channels=["zalo"], zalo_id="zl-42", quiet_start=dt.time(22), quiet_end=dt.time(6))
    with time_machine.travel(dt.datetime(2021, 8, 20, 23, 30, tzinfo=VN), tick=False):
        [calm] = message_enqueue(template="test.alert", context={}, users=[user])
        [urgent] = message_enqueue(template="test.alert", context={}, users=[user], urgent=True)
    calm_row = Delivery.objects.get(message=calm)
    urgent_row = Delivery.objects.get(message=urgent)
    assert (calm_row.channel, calm_row.address) == ("zalo", "zl-42")
    assert calm_row.next_attempt_at == dt.datetime(2021, 8, 21, 6, 0, tzinfo=VN)
    assert urgent_row.next_attempt_at == dt.datetime(2021, 8, 20, 23, 30, tzinfo=VN)


def test_broadcast_receipts_and_tally(make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    district_officer = make_user(Role.DUTY_OFFICER, TAM_DUONG, email="d@example.vn")
    commune_officer = make_user(Role.DUTY_OFFICER, BAN_GIANG, phone="0912000002")
    broadcast = broadcast_send(
        sender=commander,
        unit=unit(LAI_CHAU),
        title="Họp trực tuyến 14 giờ",
        body="Các trung tâm chỉ huy dự họp.",
        urgent=True,
        targets=[
            BroadcastTarget(unit=unit(TAM_DUONG), users=[district_officer]),
            BroadcastTarget(unit=unit(BAN_GIANG), users=[commune_officer]),
            BroadcastTarget(unit=unit(BINH_LU), addresses=[("webhook", "http://127.0.0.1:9/x")]),
        ],
    )
    assert Delivery.objects.filter(message=broadcast.message).count() == 3
    assert broadcast.message is not None and broadcast.message.subject == "[KHẨN] Họp trực tuyến 14 giờ"
    receipt = broadcast_acknowledge(broadcast=broadcast, unit=unit(BAN_GIANG), user=commune_officer)
    again = broadcast_acknowledge(broadcast=broadcast, unit=unit(BAN_GIANG), user=commune_officer)
    assert again.acknowledged_at == receipt.acknowledged_at
    tally = broadcast_tally(broadcast)
    assert [u.path for u in tally["acknowledged"]] == [BAN_GIANG]
    assert [u.path for u in tally["pending"]] == [TAM_DUONG, BINH_LU]
    assert (tally["acknowledged_count"], tally["pending_count"], tally["total"]) == (1, 2, 3)
    # Another unit's officer cannot acknowledge for Bình Lư.
    with pytest.raises(ApplicationError):
        broadcast_acknowledge(broadcast=broadcast, unit=unit(BINH_LU), user=commune_officer)
    assert AuditEvent.objects.filter(object_type="notify.broadcastreceipt").count() == 1


def test_broadcast_outside_the_sender_area_is_refused(make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    with pytest.raises(ApplicationError):
        broadcast_send(
            sender=commander,
            unit=unit(TAM_DUONG),
            title="t",
            body="b",
            urgent=False,
            targets=[BroadcastTarget(unit=unit(LAI_CHAU))],
        )
    assert Message.objects.count() == 0
