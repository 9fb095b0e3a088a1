"""No alert is ever dropped: a `notify_worker` process is killed (SIGKILL) in the middle of delivering to a slow
receiver, a new one is started, and every message arrives — at least once (duplicates are counted, none lost).

The worker runs as a real subprocess against a file SQLite database of its own (migrated by `manage.py
migrate`), so the test needs no pytest database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.notify.receiver import Receiver, start_receiver

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 24
SECRET = "kill-test-secret"

ENQUEUE = """
from django.db import transaction
from chihuy.notify.services import message_enqueue
url = {url!r}
with transaction.atomic():
    for i in range({n}):
        message_enqueue(template="notify.broadcast",
                        context={{"title": f"Tin {{i}}", "body": "Kiểm tra", "urgent": True,
                                  "sender_unit": "Tỉnh", "ack_url": ""}},
                        addresses=[("webhook", url)], urgent=True, source=f"kill-test:{{i}}")
"""


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        CHIHUY_SQLITE_PATH=str(db),
        CHIHUY_WEBHOOK_SECRET=SECRET,
        CHIHUY_LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _manage(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(db), check=True, capture_output=True, text=True
    )


def _worker(db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "notify_worker", "--batch", "5", "--lease", "2", "--idle", "0.1"],
        cwd=ROOT,
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _statuses(db: Path) -> Counter[str]:
    with sqlite3.connect(db, timeout=30) as conn:
        return Counter(dict(conn.execute("SELECT status, COUNT(*) FROM notify_delivery GROUP BY status").fetchall()))


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_killed_worker_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    receiver: Receiver = start_receiver(delay=0.1)
    try:
        _manage(db, "migrate", "--noinput")
        _manage(db, "shell", "-c", ENQUEUE.format(url=f"{receiver.url}/hook", n=MESSAGES))
        assert _statuses(db) == Counter({"pending": MESSAGES})

        first = _worker(db)
        # Kill it while a batch is in flight: some delivered, the rest claimed by the dead process.
        assert _wait(lambda: len(receiver.received) >= 7, 60), "the first worker never started delivering"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        in_flight = _statuses(db)
        assert in_flight["sending"] > 0, in_flight  # the kill really left claimed rows behind
        assert in_flight["sent"] < MESSAGES

        second = _worker(db)
        try:
            assert _wait(lambda: _statuses(db)["sent"] == MESSAGES, 90), _statuses(db)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

        ids = Counter(r.json["delivery_id"] for r in receiver.received)
        with sqlite3.connect(db) as conn:
            all_ids = {row[0] for row in conn.execute("SELECT id FROM notify_delivery")}
        assert set(ids) == all_ids  # none lost
        duplicates = sum(n - 1 for n in ids.values())
        # At least once: only what the dead worker had sent but not yet recorded may arrive twice (≤ one batch).
        assert 0 <= duplicates <= 5
        assert _statuses(db) == Counter({"sent": MESSAGES})
    finally:
        receiver.close()
