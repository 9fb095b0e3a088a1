"""The worker against real loopback servers: formats and signatures of each channel, retries with backoff
under a pinned clock, dead letters and the operator's retry, quiet hours, channels that are down, leases."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError
from chihuy.core.models import AuditEvent
from chihuy.notify import templates
from chihuy.notify.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from chihuy.notify.enums import DeliveryStatus
from chihuy.notify.models import Delivery
from chihuy.notify.services import delivery_retry, message_enqueue, preference_update
from chihuy.notify.worker import claim, drain, process_batch
from tests.conftest import BAN_GIANG, LAI_CHAU, unit
from tests.notify.conftest import SECRET
from tests.notify.receiver import Receiver

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))
T0 = dt.datetime(2021, 8, 20, 9, 0, tzinfo=VN)

templates.register("test.worker", subject="Cảnh báo {{ n }}", body="Nội dung {{ n }}")


def enqueue(*addresses: tuple[str, str], urgent: bool = False, users: Any = ()) -> Delivery:
    [message] = message_enqueue(
        template="test.worker", context={"n": 1}, addresses=addresses, users=users, urgent=urgent, unit=unit(BAN_GIANG)
    )
    return Delivery.objects.filter(message=message).order_by("id").first()  # type: ignore[return-value]


def test_webhook_is_signed_and_marked_sent(channels: Receiver) -> None:
    delivery = enqueue(("webhook", f"{channels.url}/hook"))
    result = drain()
    assert (result.sent, result.failed) == (1, 0)
    [got] = channels.received
    assert got.path == "/hook"
    assert verify(SECRET, got.headers[TIMESTAMP_HEADER], got.raw, got.headers[SIGNATURE_HEADER])
    assert not verify("wrong-secret", got.headers[TIMESTAMP_HEADER], got.raw, got.headers[SIGNATURE_HEADER])
    assert not verify(SECRET, got.headers[TIMESTAMP_HEADER], got.raw + b" ", got.headers[SIGNATURE_HEADER])
    assert got.json == {
        "message_id": delivery.message_id,
        "delivery_id": delivery.pk,
        "subject": "Cảnh báo 1",
        "body": "Nội dung 1",
        "urgent": False,
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_by) == (DeliveryStatus.SENT, 1, "")


def test_sms_gateway_format(channels: Receiver) -> None:
    delivery = enqueue(("sms", "0912345678"), urgent=True)
    drain()
    [got] = channels.received
    assert got.path == "/sms"
    assert got.headers["Authorization"] == "Bearer sms-token"
    assert got.json == {
        "to": "0912345678",
        "text": "Cảnh báo 1\nNội dung 1",
        "reference": str(delivery.pk),
        "urgent": True,
    }


def test_zalo_user_and_group_format_and_error_answer(channels: Receiver) -> None:
    enqueue(("zalo", "zl-user-1"), ("zalo", "group:grp-9"))
    drain()
    by_path = {r.path: r for r in channels.received}
    user_call = by_path["/zalo/v3.0/oa/message/cs"]
    group_call = by_path["/zalo/v3.0/oa/group/message"]
    assert user_call.headers["access_token"] == "zalo-token"
    assert user_call.json == {"recipient": {"user_id": "zl-user-1"}, "message": {"text": "Cảnh báo 1\nNội dung 1"}}
    assert group_call.json["recipient"] == {"group_id": "grp-9"}
    # Zalo answers HTTP 200 with an error code: a failure to retry, not a success.
    channels.answer = lambda r: (200, json.dumps({"error": -216, "message": "Access token is invalid"}).encode())
    failing = enqueue(("zalo", "zl-user-2"))
    result = drain()
    failing.refresh_from_db()
    assert (result.sent, result.failed) == (0, 1)
    assert failing.status == DeliveryStatus.FAILED
    assert failing.last_error == "Zalo lỗi -216: Access token is invalid"


def test_email_through_real_smtp(channels: Receiver, smtp: Any) -> None:
    enqueue(("email", "chihuy@example.vn"), ("email", "tinh@example.vn"))
    result = drain()
    assert result.sent == 2
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["chihuy@example.vn", "tinh@example.vn"]
    text = smtp.messages[0].content.decode()
    assert "Subject: =?utf-8?" in text  # Vietnamese subject, encoded
    assert "X-ChiHuy-Message:" in text


def test_retries_back_off_then_dead_then_operator_retry(channels: Receiver, make_user: Any) -> None:
    channels.answer = lambda r: (503, b"busy")
    rng = random.Random(7)
    with time_machine.travel(T0, tick=False) as clock:
        delivery = enqueue(("webhook", f"{channels.url}/hook"))
        waits = []
        for attempt in range(1, 9):
            result = process_batch(worker_id="w", rng=rng)
            assert result.claimed == 1
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            assert delivery.last_error == "HTTP 503: busy"
            if attempt < 8:
                assert delivery.status == DeliveryStatus.FAILED
                wait = (delivery.next_attempt_at - dt.datetime.now(tz=VN)).total_seconds()
                step = min(3600, 30 * 2 ** (attempt - 1))
                assert step / 2 <= wait <= step
                waits.append(wait)
                # Not due yet: nothing is claimed one second before.
                clock.move_to(delivery.next_attempt_at - dt.timedelta(seconds=1))
                assert process_batch(worker_id="w").claimed == 0
                clock.move_to(delivery.next_attempt_at)
        assert delivery.status == DeliveryStatus.DEAD
        assert len(channels.received) == 8
    operator = make_user(Role.SYSADMIN, LAI_CHAU)
    commune_user = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    with pytest.raises(ApplicationError):
        delivery_retry(actor=commune_user, delivery=delivery)
    channels.answer = None
    delivery_retry(actor=operator, delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert AuditEvent.objects.filter(object_type="notify.delivery", object_id=str(delivery.pk)).count() == 1
    assert drain().sent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    with pytest.raises(ApplicationError):  # a sent delivery is not "retried"
        delivery_retry(actor=operator, delivery=delivery)


def test_a_channel_that_is_down_waits_without_spending_attempts(channels: Receiver, settings: Any) -> None:
    settings.NOTIFY_CHANNELS = {**settings.NOTIFY_CHANNELS, "webhook": {"secret": ""}}
    with time_machine.travel(T0, tick=False):
        delivery = enqueue(("webhook", f"{channels.url}/hook"))
        result = drain()
    delivery.refresh_from_db()
    assert (result.sent, result.postponed) == (0, 1)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=30)
    assert "CHIHUY_WEBHOOK_SECRET" in delivery.last_error
    assert channels.received == []


def test_quiet_hours_hold_non_urgent_until_morning_and_urgent_goes_now(channels: Receiver, make_user: Any) -> None:
    user = make_user(Role.DUTY_OFFICER, BAN_GIANG, phone="0912000009")
    night = dt.datetime(2021, 8, 20, 23, 0, tzinfo=VN)
    with time_machine.travel(night - dt.timedelta(hours=2), tick=False) as clock:
        calm = enqueue(users=[user])
        urgent = enqueue(users=[user], urgent=True)
        # The officer turns quiet hours on after the messages were queued: the worker still honours them.
        preference_update(user=user, channels=["sms"], quiet_start=dt.time(22), quiet_end=dt.time(6))
        clock.move_to(night)
        result = drain()
    calm.refresh_from_db()
    urgent.refresh_from_db()
    assert (result.sent, result.postponed) == (1, 1)
    assert urgent.status == DeliveryStatus.SENT
    assert (calm.status, calm.attempts) == (DeliveryStatus.PENDING, 0)
    assert calm.next_attempt_at == dt.datetime(2021, 8, 21, 6, 0, tzinfo=VN)
    assert [r.json["reference"] for r in channels.received] == [str(urgent.pk)]


def test_an_expired_lease_is_claimed_again_and_the_dead_worker_cannot_overwrite(channels: Receiver) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        delivery = enqueue(("webhook", f"{channels.url}/hook"))
        token = claim(worker_id="dies", batch=10, lease_seconds=60)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.claimed_by) == (DeliveryStatus.SENDING, token)
        clock.move_to(T0 + dt.timedelta(seconds=59))
        assert drain().claimed == 0  # the lease still holds
        clock.move_to(T0 + dt.timedelta(seconds=60))
        assert drain().sent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert Delivery.objects.filter(claimed_by=token).count() == 0
