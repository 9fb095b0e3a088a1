"""Benchmark of the outbox (issue 4, "Performance").

1. Throughput: N messages to a local webhook receiver (a separate process, ThreadingHTTPServer on loopback,
   HTTP/1.1 keep-alive) delivered by one worker (`drain`, the loop of `manage.py notify_worker`). Target ≥ 500/s.
2. Fan-out: a generated national-size tree (63 provinces, 705 districts, 10,600 communes as places.Unit rows,
   under one synthetic national root so that a single sender covers them all); `broadcast_send` to every centre
   (11,368 receipts + deliveries) enqueued < 5 s, delivered by one worker < 60 s. A real province-wide fan-out
   (one province to its districts and communes) is measured too.
3. The peer: sending inline, one HTTP POST per message in the request (urllib, a new connection each, as a
   view that "just calls the gateway" does). Ratios: our throughput over inline, and the time a request waits
   for a fan-out (enqueue) over the time inline sending would keep it waiting.

    CHIHUY_BENCH_SIZE=tiny|small|full   (default full)
    DATABASE_URL=postgres://…          PostgreSQL instead of SQLite (CHIHUY_SQLITE_PATH, default
                                        var/bench-notify-<size>.sqlite3, rebuilt each run)

The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

SIZES = {
    # throughput messages, inline peer messages, provinces, districts, communes, worker batch
    "tiny": {"messages": 300, "inline": 100, "provinces": 3, "districts": 12, "communes": 90, "batch": 200},
    "small": {"messages": 2_000, "inline": 300, "provinces": 10, "districts": 110, "communes": 1_700, "batch": 200},
    "full": {"messages": 10_000, "inline": 1_000, "provinces": 63, "districts": 705, "communes": 10_600, "batch": 200},
}
SIZE_NAME = os.environ.get("CHIHUY_BENCH_SIZE", "full")
if SIZE_NAME not in SIZES:
    sys.exit(f"CHIHUY_BENCH_SIZE must be one of {', '.join(SIZES)}")
SIZE = SIZES[SIZE_NAME]
os.environ.setdefault("CHIHUY_SQLITE_PATH", str(ROOT / "var" / f"bench-notify-{SIZE_NAME}.sqlite3"))
os.environ.setdefault("CHIHUY_WEBHOOK_SECRET", "bench-secret")
os.environ.setdefault("CHIHUY_LOG_LEVEL", "WARNING")
TARGET_RATE = 500
TARGET_ENQUEUE_S = 5.0
TARGET_DELIVER_S = 60.0


def log(message: str) -> None:
    print(f"[bench/notify {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def serve(port_value: Any, count: Any) -> None:
    """The receiver process: answer every POST 200 at once, count them."""
    import socket
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without NODELAY, Nagle + delayed ACK cost 40 ms each.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with count.get_lock():
                count.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_value.value = server.server_address[1]
    server.serve_forever()


def reset_database() -> None:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    path = Path(os.environ["CHIHUY_SQLITE_PATH"])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    wall = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    port, count = ctx.Value("i", 0), ctx.Value("l", 0)
    receiver = ctx.Process(target=serve, args=(port, count), daemon=True)
    receiver.start()
    reset_database()

    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection, transaction

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    while not port.value:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port.value}"
    log(f"receiver on {url}; database {connection.vendor}")

    from chihuy.accounts.roles import Role
    from chihuy.accounts.services import user_create
    from chihuy.notify.channels import sign
    from chihuy.notify.models import Delivery
    from chihuy.notify.services import BroadcastTarget, broadcast_send, message_enqueue
    from chihuy.notify.worker import drain
    from chihuy.places.enums import UnitLevel
    from chihuy.places.models import Unit

    # --- 1. throughput -------------------------------------------------------------------------------------
    n = SIZE["messages"]
    t0 = time.perf_counter()
    with transaction.atomic():
        for i in range(n):
            message_enqueue(
                template="notify.broadcast",
                context={"title": f"Tin {i}", "body": "Kiểm tra", "sender_unit": "Bench", "ack_url": ""},
                addresses=[("webhook", f"{url}/hook")],
                source=f"bench:{i}",
            )
    enqueue_s = time.perf_counter() - t0
    before = count.value
    t0 = time.perf_counter()
    result = drain(batch=SIZE["batch"], lease_seconds=120)
    deliver_s = time.perf_counter() - t0
    assert result.sent == n and count.value - before == n, (result, count.value - before)
    rate = n / deliver_s
    log(f"throughput: {n} in {deliver_s:.2f} s = {rate:.0f}/s (enqueue {n / enqueue_s:.0f}/s)")

    # --- 2. the tree and the fan-outs ------------------------------------------------------------------------
    t0 = time.perf_counter()
    nation = Unit.objects.create(code="VN", name="Toàn quốc (bench)", level=UnitLevel.PROVINCE, path="VN/", depth=0)
    provinces = Unit.objects.bulk_create(
        [
            Unit(
                code=f"{p:02d}", name=f"Tỉnh {p}", level=UnitLevel.PROVINCE, parent=nation, path=f"VN/{p:02d}/", depth=1
            )
            for p in range(1, SIZE["provinces"] + 1)
        ]
    )
    provinces = list(Unit.objects.filter(parent=nation).order_by("path"))
    districts = Unit.objects.bulk_create(
        [
            Unit(
                code=f"{d:03d}",
                name=f"Huyện {d}",
                level=UnitLevel.DISTRICT,
                parent=provinces[d % len(provinces)],
                path=f"{provinces[d % len(provinces)].path}{d:03d}/",
                depth=2,
            )
            for d in range(1, SIZE["districts"] + 1)
        ],
        batch_size=2000,
    )
    districts = list(Unit.objects.filter(depth=2, path__startswith="VN/").order_by("path"))
    Unit.objects.bulk_create(
        [
            Unit(
                code=f"{c:05d}",
                name=f"Xã {c}",
                level=UnitLevel.COMMUNE,
                parent=districts[c % len(districts)],
                path=f"{districts[c % len(districts)].path}{c:05d}/",
                depth=3,
            )
            for c in range(1, SIZE["communes"] + 1)
        ],
        batch_size=2000,
    )
    tree_s = time.perf_counter() - t0
    centres = list(Unit.objects.filter(path__startswith="VN/", depth__gte=1).order_by("path"))
    log(f"tree: {len(centres)} units in {tree_s:.1f} s")
    sender = user_create(
        actor=None, username="bench-nation", password="Bench-2021-pass!", unit=nation, roles=[Role.COMMANDER]
    )

    def fan_out(unit: Any, targets: list[Any]) -> dict[str, Any]:
        t = time.perf_counter()
        broadcast = broadcast_send(
            sender=sender,
            unit=unit,
            title="Họp trực tuyến toàn quốc",
            body="Các trung tâm chỉ huy dự họp lúc 14 giờ.",
            urgent=True,
            targets=[BroadcastTarget(unit=u, addresses=[("webhook", f"{url}/c/{u.code}")]) for u in targets],
        )
        enq = time.perf_counter() - t
        got = count.value
        t = time.perf_counter()
        r = drain(batch=SIZE["batch"], lease_seconds=120)
        dlv = time.perf_counter() - t
        deliveries = Delivery.objects.filter(message=broadcast.message).count()
        assert r.sent == deliveries == len(targets) and count.value - got == deliveries
        return {
            "centres": len(targets),
            "deliveries": deliveries,
            "enqueue_s": round(enq, 3),
            "deliver_s": round(dlv, 3),
            "delivered_per_s": round(deliveries / dlv, 1),
        }

    national = fan_out(nation, centres)
    log(f"national fan-out: {national}")
    biggest = max(provinces, key=lambda p: Unit.objects.filter(path__startswith=p.path).count())
    province = fan_out(biggest, list(Unit.objects.filter(path__startswith=biggest.path, depth__gte=2)))
    log(f"province fan-out: {province}")

    # --- 3. the peer: inline sending, one POST per message in the request -------------------------------------
    samples = []
    for i in range(SIZE["inline"]):
        body = json.dumps({"subject": f"Tin {i}", "body": "Kiểm tra"}).encode()
        ts = str(int(time.time()))
        req = urllib.request.Request(
            f"{url}/inline",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-ChiHuy-Timestamp": ts,
                "X-ChiHuy-Signature": sign("bench-secret", ts, body),
            },
        )
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=10) as response:
            response.read()
        samples.append(time.perf_counter() - t)
    inline_rate = len(samples) / sum(samples)
    median_ms = statistics.median(samples) * 1000
    inline_fanout_s = national["centres"] * statistics.mean(samples)
    log(f"inline: {inline_rate:.0f}/s, median {median_ms:.2f} ms")

    out = {
        "bench": "notify",
        "size": SIZE_NAME,
        "database": connection.vendor,
        "sizes": {
            "messages": n,
            "provinces": len(provinces),
            "districts": len(districts),
            "communes": SIZE["communes"],
            "centres": len(centres),
            "inline_samples": len(samples),
            "worker_batch": SIZE["batch"],
        },
        "setup": {"tree_seconds": round(tree_s, 2)},
        "throughput": {
            "messages_per_s": round(rate, 1),
            "deliver_seconds": round(deliver_s, 3),
            "enqueue_messages_per_s": round(n / enqueue_s, 1),
        },
        "fanout_national": national,
        "fanout_province": province | {"province": biggest.name},
        "peer": "inline sending: one urllib POST per message (a new connection each) inside the request",
        "peer_results": {
            "messages_per_s": round(inline_rate, 1),
            "median_ms": round(median_ms, 3),
            "national_fanout_request_s_estimated": round(inline_fanout_s, 2),
        },
        "ratios": {
            "worker_throughput_over_inline": round(rate / inline_rate, 2),
            "inline_request_wait_over_enqueue_national": round(inline_fanout_s / national["enqueue_s"], 1),
        },
        "targets_met": {
            "throughput_ge_500_per_s": rate >= TARGET_RATE,
            "national_fanout_enqueue_lt_5s": national["enqueue_s"] < TARGET_ENQUEUE_S,
            "national_fanout_delivered_lt_60s": national["deliver_s"] < TARGET_DELIVER_S,
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
    }
    receiver.terminate()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
