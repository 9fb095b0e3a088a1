"""The outbox worker: claim due deliveries under a lease, send them, record the outcome.

Delivery is at least once. A claim sets `status=sending` and a lease (`claimed_until`, mirrored in
`next_attempt_at`); a worker killed mid-batch leaves its rows `sending` with a lease that expires, and the next
claim takes them again. A message sent just before the kill, whose "sent" was not yet written, is sent twice —
never zero times. Receivers deduplicate on the delivery id they are given (webhook body, SMS `reference`).

Claims: PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` so that workers never wait for each other; SQLite one
`UPDATE … WHERE id IN (SELECT … LIMIT n)` statement, atomic under SQLite's single writer.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from chihuy.core import clock
from chihuy.core.policies import policy_get
from chihuy.notify.channels import ChannelDown, ChannelError, Outgoing, Senders
from chihuy.notify.enums import DUE_STATUSES, DeliveryStatus
from chihuy.notify.models import Delivery, NotificationPreference
from chihuy.notify.quiet import quiet_until

log = logging.getLogger("chihuy.notify.worker")

DEFAULT_RETRY = {"max_attempts": 8, "base_seconds": 30, "max_seconds": 3600}


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    postponed: int = 0
    errors: list[str] = field(default_factory=list)


def retry_policy() -> dict[str, int]:
    value = policy_get("notify.retry", default=None) or {}
    return {**DEFAULT_RETRY, **value}


def backoff_seconds(attempts: int, policy: dict[str, int], rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random, capped at max_seconds.
    After the 1st failure ≈ base, after the 2nd ≈ 2 × base, …"""
    step = min(float(policy["max_seconds"]), float(policy["base_seconds"]) * 2 ** max(attempts - 1, 0))
    return step / 2 + (rng or random).uniform(0, step / 2)


def new_worker_id() -> str:
    return f"w-{uuid.uuid4().hex[:12]}"


def claim(*, worker_id: str, batch: int, lease_seconds: float, now: dt.datetime | None = None) -> str:
    """Take up to `batch` due deliveries for this worker; returns the claim token their rows now carry."""
    now = now or clock.now()
    token = f"{worker_id}:{uuid.uuid4().hex[:8]}"
    until = now + dt.timedelta(seconds=lease_seconds)
    due = Delivery.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    values = {
        "status": DeliveryStatus.SENDING,
        "claimed_by": token,
        "claimed_until": until,
        "next_attempt_at": until,
        "updated_at": now,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:batch])
            if ids:
                Delivery.objects.filter(id__in=ids).update(**values)
    else:
        with transaction.atomic():
            Delivery.objects.filter(id__in=due.values("id")[:batch]).update(**values)
    return token


def _renew(token: str, lease_seconds: float) -> dt.datetime:
    until = clock.now() + dt.timedelta(seconds=lease_seconds)
    Delivery.objects.filter(claimed_by=token, status=DeliveryStatus.SENDING).update(
        claimed_until=until, next_attempt_at=until
    )
    return until


def process_batch(
    *,
    worker_id: str,
    batch: int = 100,
    lease_seconds: float = 60,
    rng: random.Random | None = None,
    on_sent: Callable[[int], None] | None = None,
) -> BatchResult:
    """Claim one batch and deliver it; every claimed row leaves `sending` (or its lease expires if we die)."""
    result = BatchResult()
    token = claim(worker_id=worker_id, batch=batch, lease_seconds=lease_seconds)
    rows = list(
        Delivery.objects.filter(claimed_by=token, status=DeliveryStatus.SENDING)
        .select_related("message")
        .order_by("id")
    )
    result.claimed = len(rows)
    if not rows:
        return result
    policy = retry_policy()
    now = clock.now()
    user_ids = {r.user_id for r in rows if r.user_id and not r.urgent}
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)} if user_ids else {}
    senders = Senders()
    sent_ids: list[int] = []
    lease_end = now + dt.timedelta(seconds=lease_seconds)
    try:
        for row in rows:
            now = clock.now()
            if now >= lease_end - dt.timedelta(seconds=lease_seconds / 2):
                lease_end = _renew(token, lease_seconds)
            if row.user_id and not row.urgent:
                later = quiet_until(prefs.get(row.user_id), now)
                if later is not None:
                    _release(row, token, status=DeliveryStatus.PENDING, at=later, error="", now=now)
                    result.postponed += 1
                    continue
            out = Outgoing(
                delivery_id=row.pk,
                message_id=row.message_id,
                address=row.address,
                subject=row.message.subject,
                body=row.message.body,
                urgent=row.urgent,
            )
            try:
                senders.send(row.channel, out)
            except ChannelDown as exc:
                # Not an attempt: the channel waits for its configuration; the delivery is never dropped.
                wait = dt.timedelta(seconds=policy["base_seconds"])
                _release(row, token, status=DeliveryStatus.PENDING, at=now + wait, error=str(exc), now=now)
                result.postponed += 1
            except ChannelError as exc:
                attempts = row.attempts + 1
                if attempts >= policy["max_attempts"]:
                    _release(row, token, status=DeliveryStatus.DEAD, at=now, error=str(exc), now=now, attempts=attempts)
                    result.dead += 1
                else:
                    wait = dt.timedelta(seconds=backoff_seconds(attempts, policy, rng))
                    _release(
                        row,
                        token,
                        status=DeliveryStatus.FAILED,
                        at=now + wait,
                        error=str(exc),
                        now=now,
                        attempts=attempts,
                    )
                    result.failed += 1
                result.errors.append(f"#{row.pk} {row.channel}: {exc}")
            else:
                sent_ids.append(row.pk)
                if on_sent is not None:
                    on_sent(row.pk)
    finally:
        senders.close()
        if sent_ids:
            _mark_sent(sent_ids)
            result.sent = len(sent_ids)
    return result


def _mark_sent(ids: list[int]) -> None:
    now = clock.now()
    for start in range(0, len(ids), 500):
        Delivery.objects.filter(id__in=ids[start : start + 500]).update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_error="",
            claimed_by="",
            claimed_until=None,
            updated_at=now,
        )


def _release(
    row: Delivery,
    token: str,
    *,
    status: str,
    at: dt.datetime,
    error: str,
    now: dt.datetime,
    attempts: int | None = None,
) -> None:
    """Hand a claimed row back with its outcome; only while we still hold its claim."""
    values: dict[str, Any] = {
        "status": status,
        "next_attempt_at": at,
        "last_error": error[:2000],
        "claimed_by": "",
        "claimed_until": None,
        "updated_at": now,
    }
    if attempts is not None:
        values["attempts"] = attempts
    Delivery.objects.filter(pk=row.pk, claimed_by=token).update(**values)


def drain(
    *, worker_id: str | None = None, batch: int = 100, lease_seconds: float = 60, max_batches: int = 0
) -> BatchResult:
    """Deliver until nothing is due (or `max_batches`); the sum of the batches."""
    worker_id = worker_id or new_worker_id()
    total = BatchResult()
    done = 0
    while True:
        r = process_batch(worker_id=worker_id, batch=batch, lease_seconds=lease_seconds)
        for name in ("claimed", "sent", "failed", "dead", "postponed"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.errors += r.errors
        done += 1
        if r.claimed == 0 or (max_batches and done >= max_batches):
            return total
