"""Benchmark of lab results in bulk and of sample registration (issue 5, "Performance").

Generates a province-like registry straight into the tables (the generator is not measured): the real unit
tree of Lai Châu with villages, people living in them (most with a mobile phone), one health officer per
commune (who is told of positives), the provincial lab with a technician, two campaigns per commune (single
tubes and pools of 5), and received tubes — half single, half pools of 5 — each tube holding its own people.
Then the real code is timed:

- bulk: `chihuy.response.labs.results_import` of a CSV of N rows (5 % positive, pooled and single), exactly
  what the upload job runs minus HTTP: reading and checking every row, matching tubes, state changes, retest
  follow-ups of positive pools, messages to every person with a phone and urgent ones to the commune, and an
  F0 report through `cases` for every single positive;
- the peer, "one service call per row" (the form path): for each row of a file of separate received tubes of
  the same mix, `labs.selectors.sample_get_by_code` then `response.labs.result_record`, each its own
  transaction; measured on a subset and projected to N rows (the JSON says which numbers are projected);
- registration: `labs.services.sample_take` of a pooled tube of 5 people in a commune campaign (a commune of
  thousands, every resident on the campaign's list), by the commune's health officer.

    CHIHUY_BENCH_SIZE=tiny|small|full   (default full: 100,000 result rows, ~300,000 people in tubes)
    DATABASE_URL=postgres://…          PostgreSQL instead of SQLite (CHIHUY_SQLITE_PATH, default
                                        var/bench-labs-<size>.sqlite3). The bench database is rebuilt each run
    CHIHUY_BENCH_REUSE=1                SQLite only: start from the generated data of an earlier run of the same
                                        size (a copy kept in var/bench-labs-<size>.seed.sqlite3), not regenerate
    CHIHUY_BENCH_PROFILE=1              also print the cProfile of the bulk import (top functions) to stderr

The last line printed is one JSON object.
"""

from __future__ import annotations

import cProfile
import csv
import datetime as dt
import io
import json
import os
import pstats
import random
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

SIZES = {
    # result rows of the file, peer rows (form path), registrations, villages per commune
    "tiny": {"rows": 1_000, "peer_rows": 100, "registrations": 30, "villages": 1},
    "small": {"rows": 10_000, "peer_rows": 500, "registrations": 100, "villages": 2},
    "full": {"rows": 100_000, "peer_rows": 2_000, "registrations": 500, "villages": 3},
}
SIZE_NAME = os.environ.get("CHIHUY_BENCH_SIZE", "full")
if SIZE_NAME not in SIZES:
    sys.exit(f"CHIHUY_BENCH_SIZE must be one of {', '.join(SIZES)}")
SIZE = SIZES[SIZE_NAME]
os.environ.setdefault("CHIHUY_SQLITE_PATH", str(ROOT / "var" / f"bench-labs-{SIZE_NAME}.sqlite3"))
os.environ.setdefault("CHIHUY_LOG_LEVEL", "WARNING")
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
REUSE = os.environ.get("CHIHUY_BENCH_REUSE") == "1" and not POSTGRES
PROFILE = os.environ.get("CHIHUY_BENCH_PROFILE") == "1"
SEED_PATH = ROOT / "var" / f"bench-labs-{SIZE_NAME}.seed.sqlite3"
POOL = 5
POSITIVE_SHARE = 0.05
PHONE_SHARE = 0.8
TARGET_BULK_S = 60.0
TARGET_REGISTRATION_P95_MS = 100.0


def log(message: str) -> None:
    print(f"[bench/labs {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def reset_database() -> bool:
    """A clean bench database, before Django opens it. True when an earlier run's generated data is reused."""
    if POSTGRES:
        return False  # dropped after connecting, see drop_pg_schema
    path = Path(os.environ["CHIHUY_SQLITE_PATH"])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    if REUSE and SEED_PATH.exists():
        shutil.copyfile(SEED_PATH, path)
        return True
    return False


REUSED = reset_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # as in production: no per-query log in memory

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import QueryCount, peak_mb, reset_peak, summary  # noqa: E402
from chihuy.accounts.models import User  # noqa: E402
from chihuy.accounts.roles import Role  # noqa: E402
from chihuy.accounts.services import user_create  # noqa: E402
from chihuy.cases.models import Case  # noqa: E402
from chihuy.core.bulk import insert_rows  # noqa: E402
from chihuy.core.text import fold  # noqa: E402
from chihuy.labs import selectors as lab_selectors  # noqa: E402
from chihuy.labs import services as lab_services  # noqa: E402
from chihuy.labs.enums import CampaignKind, CampaignStatus, Result, SampleKind, SampleStatus  # noqa: E402
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, SampleMember  # noqa: E402
from chihuy.notify.models import Delivery, Message  # noqa: E402
from chihuy.people.models import Person  # noqa: E402
from chihuy.places.enums import SiteKind, UnitLevel  # noqa: E402
from chihuy.places.models import Site, Unit  # noqa: E402
from chihuy.places.services import units_load_province, village_create  # noqa: E402
from chihuy.response import labs as response_labs  # noqa: E402

SURNAMES = ["Lò", "Tòng", "Giàng", "Vàng", "Sùng", "Nguyễn", "Chảo", "Tẩn", "Lường", "Quàng", "Thào", "Pờ"]
MIDDLES = {"M": ["Văn", "A", "Seo", "Láo"], "F": ["Thị", "Seo", "Mẩy", "Mé"]}
GIVEN = ["An", "Bình", "Chinh", "Dế", "Dua", "Chư", "Pó", "Sử", "Xiêng", "Khăm", "Ún", "Lả", "Mỷ", "Chà", "Sua"]
MOBILE = ["032", "033", "034", "035", "036", "037", "038", "039", "086", "088", "091", "096", "097", "098"]
PASSWORD = "Bench-Pass-2021!"


# --- Memory, queries, timing ----------------------------------------------------------------------------------


# --- Generating the province ----------------------------------------------------------------------------------


def drop_pg_schema() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def _db(value: Any) -> Any:
    """A datetime as the raw cursor wants it (SQLite: Django's text form in UTC)."""
    if connection.vendor == "postgresql" or not isinstance(value, dt.datetime):
        return value
    return connection.ops.adapt_datetimefield_value(value)


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows as {column: value} (every concrete column but an omitted `id`), straight into the table."""
    if not rows:
        return
    columns = [f.column for f in model._meta.concrete_fields if f.column in rows[0]]
    missing = [f.column for f in model._meta.concrete_fields if f.column not in rows[0] and not f.primary_key]
    if missing:
        raise SystemExit(f"bench/labs: no value for {model.__name__}.{', '.join(missing)}")
    with transaction.atomic():
        insert_rows(model._meta.db_table, columns, [tuple(_db(r[c]) for c in columns) for r in rows])


def _setval(*models: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def province_tree() -> tuple[Unit, list[Unit], dict[int, list[Unit]]]:
    root = Unit.objects.filter(parent__isnull=True, code="12").first()
    if root is None:
        root = units_load_province(province="Lai Châu").root
    communes = list(Unit.objects.filter(path__under=root.path, level=UnitLevel.COMMUNE).order_by("path"))
    for commune in communes:
        have = Unit.objects.filter(parent=commune).count()
        for i in range(have + 1, SIZE["villages"] + 1):
            village_create(commune=commune, code=f"{i:02d}", name=f"Bản {i}", is_demo=True)
    villages: dict[int, list[Unit]] = {}
    for v in Unit.objects.filter(path__under=root.path, level=UnitLevel.VILLAGE).order_by("path"):
        villages.setdefault(v.parent_id, []).append(v)  # type: ignore[arg-type]
    return root, communes, villages


class Generator:
    """People and received tubes, straight into the tables."""

    def __init__(self, communes: list[Unit], villages: dict[int, list[Unit]], lab: Lab, technician: User) -> None:
        self.rng = random.Random(20211110)
        self.communes = communes
        self.villages = villages
        self.weights = [self.rng.uniform(0.5, 1.5) for _ in communes]
        self.lab = lab
        self.technician = technician
        self.now = timezone.now()
        self.next_person = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.next_sample = (Sample.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.phones: set[str] = set()
        self.campaigns: dict[tuple[int, int], Campaign] = {}
        self.residents: dict[int, int] = {c.pk: 0 for c in communes}  # people generated per commune

    def campaign(self, commune: Unit, pool: int) -> Campaign:
        """The commune's campaign of single tubes (pool 1) or of pools (pool 5), made once (setup)."""
        key = (commune.pk, pool)
        if key not in self.campaigns:
            self.campaigns[key] = Campaign.objects.create(
                code=f"LM-BENCH-{commune.code}-{pool}",
                name=f"Sàng lọc {commune.name} ({'gộp' if pool > 1 else 'đơn'})",
                kind=CampaignKind.COMMUNE,
                unit=commune,
                unit_path=commune.path,
                planned_on=timezone.localdate(self.now),
                pool_size=pool,
                lab=self.lab,
                status=CampaignStatus.SAMPLING,
                is_demo=True,
            )
        return self.campaigns[key]

    def person(self, commune: Unit, unit: Unit | None = None) -> dict[str, Any]:
        rng = self.rng
        sex = rng.choice("MF")
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES[sex])} {rng.choice(GIVEN)}"
        if unit is None:
            unit = rng.choice(self.villages.get(commune.pk) or [commune])
        phone = ""
        if rng.random() < PHONE_SHARE:
            while not phone or phone in self.phones:
                phone = f"{rng.choice(MOBILE)}{rng.randrange(10_000_000):07d}"
            self.phones.add(phone)
        row = {
            "id": self.next_person,
            "created_at": self.now,
            "updated_at": self.now,
            "full_name": name,
            "name_folded": fold(name),
            "birth_date": None,
            "birth_year": 1940 + rng.randrange(80),
            "sex": sex,
            "national_id": "",
            "phone": phone,
            "address_text": f"{unit.name}, {commune.name}",
            "unit_id": unit.pk,
            "unit_path": unit.path,
            "household_id": None,
            "occupation": "",
            "chronic_conditions": "[]",
            "is_pregnant": False,
            "is_demo": True,
            "is_active": True,
            "merged_into_id": None,
        }
        self.next_person += 1
        self.residents[commune.pk] += 1
        return row

    def people(self, commune: Unit, count: int, unit: Unit | None = None) -> list[int]:
        """`count` residents of a commune (or of one of its units), inserted; their ids."""
        rows = [self.person(commune, unit) for _ in range(count)]
        for start in range(0, len(rows), 50_000):
            _insert(Person, rows[start : start + 50_000])
        return [r["id"] for r in rows]

    def tubes(self, prefix: str, count: int) -> tuple[bytes, dict[str, int]]:
        """`count` received tubes, half single and half pools of 5, each with its own people; and the lab's
        result file for them (5 % positive in each kind, in random order). Returns (CSV bytes, counts)."""
        rng = self.rng
        collected = self.now - dt.timedelta(hours=8)
        kinds = [SampleKind.SINGLE] * (count - count // 2) + [SampleKind.POOLED] * (count // 2)
        positives: set[int] = set()
        for kind in (SampleKind.SINGLE, SampleKind.POOLED):
            indexes = [i for i, k in enumerate(kinds) if k == kind]
            positives |= set(rng.sample(indexes, round(len(indexes) * POSITIVE_SHARE)))
        communes = rng.choices(self.communes, weights=self.weights, k=count)
        samples: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        people: list[dict[str, Any]] = []
        lines: list[list[str]] = []
        for i, (kind, commune) in enumerate(zip(kinds, communes, strict=True)):
            pool = POOL if kind == SampleKind.POOLED else 1
            campaign = self.campaign(commune, pool)
            code = f"{prefix}{i + 1:07d}"
            sample_id = self.next_sample
            self.next_sample += 1
            samples.append(
                {
                    "id": sample_id,
                    "created_at": collected,
                    "updated_at": self.now,
                    "code": code,
                    "campaign_id": campaign.pk,
                    "kind": kind,
                    "test_method": "rt_pcr",
                    "pool_size": pool,
                    "unit_id": commune.pk,
                    "unit_path": commune.path,
                    "team": "Tổ 1 – Trạm y tế",
                    "site": "",
                    "collected_at": collected,
                    "collected_by_id": None,
                    "due_at": collected + dt.timedelta(hours=12),
                    "status": SampleStatus.RECEIVED,
                    "shipment_id": None,
                    "lab_id": self.lab.pk,
                    "shipped_at": collected + dt.timedelta(hours=2),
                    "received_at": collected + dt.timedelta(hours=4),
                    "received_by_id": self.technician.pk,
                    "result": Result.PENDING,
                    "ct_values": "{}",
                    "ct_min": None,
                    "resulted_at": None,
                    "result_by_id": None,
                    "result_source": "",
                    "result_note": "",
                    "overdue_alerted_at": None,
                    "case_number": "",
                    "is_demo": True,
                }
            )
            for position in range(1, pool + 1):
                person = self.person(commune)
                people.append(person)
                members.append(
                    {
                        "sample_id": sample_id,
                        "person_id": person["id"],
                        "unit_path": person["unit_path"],
                        "position": position,
                    }
                )
            if i in positives:
                ct_e, ct_n = round(rng.uniform(16, 34), 1), round(rng.uniform(17, 35), 1)
                lines.append([code, "Dương tính", str(pool), f"{ct_e}", f"{ct_n}".replace(".", ","), ""])
            else:
                lines.append([code, "Âm tính", str(pool), "", "", ""])
            if len(samples) == 20_000 or i == count - 1:
                _insert(Person, people)
                _insert(Sample, samples)
                _insert(SampleMember, members)
                samples, members, people = [], [], []
                log(f"{prefix}: {i + 1:,}/{count:,} tubes")
        rng.shuffle(lines)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Mã mẫu", "Kết quả", "Số mẫu gộp", "Ct E", "Ct N", "Ghi chú"])
        writer.writerows(lines)
        counts = {
            "tubes": count,
            "single": kinds.count(SampleKind.SINGLE),
            "pooled": kinds.count(SampleKind.POOLED),
            "positive_single": sum(1 for i in positives if kinds[i] == SampleKind.SINGLE),
            "positive_pooled": sum(1 for i in positives if kinds[i] == SampleKind.POOLED),
            "people": sum(POOL if k == SampleKind.POOLED else 1 for k in kinds),
        }
        return out.getvalue().encode("utf-8"), counts


def setup() -> dict[str, Any]:
    """The province, its people and tubes; files and counts kept in var/ beside the database for REUSE."""
    started = time.perf_counter()
    root, communes, villages = province_tree()
    admin = user_create(actor=None, username="bench-admin", password=PASSWORD, unit=root, roles=[Role.SYSADMIN])
    technician = user_create(
        actor=None, username="bench-ktv", password=PASSWORD, unit=root, roles=[Role.LAB_TECHNICIAN], phone="0912000002"
    )
    site = Site.objects.create(kind=SiteKind.LAB, name="Phòng xét nghiệm CDC Lai Châu", unit=root, unit_path=root.path)
    lab = lab_services.lab_upsert(actor=admin, site=site, daily_capacity=20_000, member_ids=[technician.pk])
    # One health officer per commune: the commune is told of each positive (no password: never logs in).
    officers = []
    for commune in communes:
        user = User(
            username=f"bench-tyt-{commune.code}",
            full_name=f"Trạm y tế {commune.name}",
            phone=f"0913{commune.pk:06d}"[:10],
            email=f"tyt-{commune.code}@bench.invalid",
            unit=commune,
            unit_path=commune.path,
            roles=[Role.HEALTH_OFFICER],
        )
        user.set_unusable_password()
        officers.append(user)
    User.objects.bulk_create(officers)
    gen = Generator(communes, villages, lab, technician)
    bulk_csv, bulk_counts = gen.tubes("LCB", SIZE["rows"])
    peer_csv, peer_counts = gen.tubes("LCP", SIZE["peer_rows"])
    # Registration: the biggest commune, plus people enough for every pooled tube, all on a commune campaign.
    commune = max(communes, key=lambda c: gen.residents[c.pk])
    reg_people = gen.people(commune, SIZE["registrations"] * POOL, unit=(villages.get(commune.pk) or [commune])[0])
    _setval(Person, Sample, SampleMember)
    reg_officer = user_create(
        actor=None,
        username="bench-reg",
        password=PASSWORD,
        unit=commune,
        roles=[Role.HEALTH_OFFICER],
        phone="0912000003",
    )
    campaign = lab_services.campaign_create(
        actor=reg_officer,
        name=f"Xét nghiệm toàn dân {commune.name}",
        kind=CampaignKind.COMMUNE,
        unit=commune,
        planned_on=timezone.localdate(),
        pool_size=POOL,
        lab=lab,
    )
    meta = {
        "bulk_counts": bulk_counts,
        "peer_counts": peer_counts,
        "registration": {
            "commune": commune.name,
            "commune_path": commune.path,
            "campaign_id": campaign.pk,
            "officer": reg_officer.username,
            "people": reg_people,
        },
        "communes": len(communes),
        "villages": sum(len(v) for v in villages.values()),
        "generated_seconds": round(time.perf_counter() - started, 1),
    }
    var = ROOT / "var"
    (var / f"bench-labs-{SIZE_NAME}.bulk.csv").write_bytes(bulk_csv)
    (var / f"bench-labs-{SIZE_NAME}.peer.csv").write_bytes(peer_csv)
    (var / f"bench-labs-{SIZE_NAME}.meta.json").write_text(json.dumps(meta))
    return meta


def analyze() -> float:
    started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA optimize")
    return round(time.perf_counter() - started, 1)


def keep_seed() -> None:
    """SQLite: a copy of the generated database for CHIHUY_BENCH_REUSE (checkpointed first)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.copyfile(os.environ["CHIHUY_SQLITE_PATH"], SEED_PATH)


# --- The measured paths ---------------------------------------------------------------------------------------


def written() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "messages": Message.objects.count(),
        "deliveries": Delivery.objects.count(),
        "follow_ups": CampaignTarget.objects.exclude(reason="planned").count(),
    }


def bench_bulk(technician: User, lab: Lab, data: bytes) -> dict[str, Any]:
    before = written()
    counter = QueryCount()
    profiler = cProfile.Profile() if PROFILE else None
    reset_peak()
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        report = response_labs.results_import(actor=technician, lab=lab, data=data, filename="ket_qua.csv")
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    memory = peak_mb()
    after = written()
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(45)
        print(buffer.getvalue(), file=sys.stderr)
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        print(buffer.getvalue(), file=sys.stderr)
    if report.errors or report.not_confirmed:
        raise SystemExit(f"bulk import refused rows: {report.errors[:5]} {report.not_confirmed[:5]}")
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(report.rows / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "queries": counter.n,
        "rows": report.rows,
        "applied": report.applied,
        "unchanged": report.unchanged,
        "errors": len(report.errors),
        "positives": report.positives,
        "cases_created": len(report.cases),
        "cases_in_database": after["cases"] - before["cases"],
        "follow_ups": report.follow_ups,
        "follow_ups_in_database": after["follow_ups"] - before["follow_ups"],
        "messages_written": after["messages"] - before["messages"],
        "deliveries_written": after["deliveries"] - before["deliveries"],
        "notified_reported": report.notified,
        "peak_rss_mb": memory,
    }


def bench_peer(technician: User, data: bytes) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    before = written()
    counter = QueryCount()
    samples: list[float] = []
    cases = 0
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for row in rows:
            t = time.perf_counter()
            sample = lab_selectors.sample_get_by_code(actor=technician, code=row["Mã mẫu"])
            outcome = response_labs.result_record(
                actor=technician,
                sample=sample,
                result=row["Kết quả"],
                ct_values={"E": row["Ct E"], "N": row["Ct N"]},
                note=row["Ghi chú"],
            )
            samples.append((time.perf_counter() - t) * 1000)
            cases += len(outcome.case_numbers)
            if not outcome.changed:
                raise SystemExit(f"peer: {row['Mã mẫu']} unchanged")
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = written()
    return {
        "rows": len(rows),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "rows_per_s": round(len(rows) / seconds, 1),
        "per_row": summary(samples),
        "queries": counter.n,
        "queries_per_row": round(counter.n / len(rows), 1),
        "cases_created": cases,
        "follow_ups": after["follow_ups"] - before["follow_ups"],
        "messages_written": after["messages"] - before["messages"],
        "deliveries_written": after["deliveries"] - before["deliveries"],
    }


def bench_registration(meta: dict[str, Any]) -> dict[str, Any]:
    reg = meta["registration"]
    officer = User.objects.get(username=reg["officer"])
    campaign = Campaign.objects.get(pk=reg["campaign_id"])
    people: list[int] = reg["people"]
    samples: list[float] = []
    for i in range(SIZE["registrations"]):
        ids = people[i * POOL : (i + 1) * POOL]
        t = time.perf_counter()
        sample = lab_services.sample_take(actor=officer, code=f"LCR{i + 1:06d}", person_ids=ids, campaign=campaign)
        samples.append((time.perf_counter() - t) * 1000)
        if sample.kind != SampleKind.POOLED:
            raise SystemExit(f"registration: {sample.code} is {sample.kind}")
    return summary(samples) | {
        "commune": reg["commune"],
        "campaign_targets": CampaignTarget.objects.filter(campaign=campaign).count(),
        "commune_people": Person.objects.filter(unit_path__startswith=reg["commune_path"]).count(),
        "pool_size": POOL,
    }


def main() -> None:
    wall = time.perf_counter()
    if not REUSED:
        drop_pg_schema()
    call_command("migrate", verbosity=0)
    log(f"{connection.vendor}, size {SIZE_NAME}{' (reused data)' if REUSED else ''}")
    meta_path = ROOT / "var" / f"bench-labs-{SIZE_NAME}.meta.json"
    reset_peak()
    if REUSED:
        meta = json.loads(meta_path.read_text()) | {"generated_seconds": 0.0}
        analyze_seconds = 0.0
    else:
        meta = setup()
        analyze_seconds = analyze()
        keep_seed()
    setup_info = {
        "generated_seconds": meta["generated_seconds"],
        "analyze_seconds": analyze_seconds,
        "reused": REUSED,
        "peak_rss_mb": peak_mb(),
    }
    log(f"data ready: {setup_info}")
    technician = User.objects.get(username="bench-ktv")
    lab = Lab.objects.get(members=technician)
    var = ROOT / "var"

    bulk = bench_bulk(technician, lab, (var / f"bench-labs-{SIZE_NAME}.bulk.csv").read_bytes())
    log(f"bulk: {bulk}")
    technician = User.objects.get(pk=technician.pk)  # a fresh user: no lab ids cached by the import
    peer = bench_peer(technician, (var / f"bench-labs-{SIZE_NAME}.peer.csv").read_bytes())
    per_row_s = peer["seconds"] / peer["rows"]
    projected = per_row_s * bulk["rows"]
    peer |= {
        "projected_seconds_for_bulk_rows": round(projected, 1),
        "projected_rows_per_s": round(1 / per_row_s, 1),
    }
    log(f"peer: {peer}")
    registration = bench_registration(meta)
    log(f"registration: {registration}")

    counts = meta["bulk_counts"]
    result = {
        "bench": "labs",
        "size": SIZE_NAME,
        "database": connection.vendor,
        "database_version": connection.pg_version
        if connection.vendor == "postgresql"
        else __import__("sqlite3").sqlite_version,
        "database_settings": database_settings(),
        "sizes": {
            "people": Person.objects.count(),
            "communes": meta["communes"],
            "villages": meta["villages"],
            "phone_share": PHONE_SHARE,
            "bulk_rows": counts["tubes"],
            "bulk_single_tubes": counts["single"],
            "bulk_pooled_tubes": counts["pooled"],
            "bulk_people_in_tubes": counts["people"],
            "bulk_positive_single": counts["positive_single"],
            "bulk_positive_pooled": counts["positive_pooled"],
            "pool_size": POOL,
            "peer_rows": meta["peer_counts"]["tubes"],
            "registrations": SIZE["registrations"],
        },
        "setup": setup_info,
        "bulk": bulk,
        "peer": "one service call per row, the form path: labs.selectors.sample_get_by_code then "
        "response.labs.result_record (each its own transaction) for every row of a file of separate received "
        "tubes of the same mix; measured on `peer_results.rows` rows, projected to the bulk file's rows",
        "peer_results": peer,
        "projected": [
            "peer_results.projected_seconds_for_bulk_rows",
            "peer_results.projected_rows_per_s",
            "ratios.peer_projected_seconds_over_bulk_seconds",
            "ratios.bulk_seconds_over_peer_projected_seconds",
        ],
        "ratios": {
            "peer_projected_seconds_over_bulk_seconds": round(projected / bulk["seconds"], 2),
            "bulk_seconds_over_peer_projected_seconds": round(bulk["seconds"] / projected, 3),
            "bulk_ms_per_row_over_peer_ms_per_row": round(
                (bulk["seconds"] / bulk["rows"]) / per_row_s,
                3,
            ),
        },
        "registration": registration,
        "targets_met": {
            "bulk_lt_60s": bulk["seconds"] < TARGET_BULK_S,
            "registration_p95_lt_100ms": registration["p95_ms"] < TARGET_REGISTRATION_P95_MS,
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result, ensure_ascii=False))


def database_settings() -> dict[str, str]:
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            journal = str(cur.fetchone()[0])
            cur.execute("PRAGMA synchronous")
            return {"journal_mode": journal, "synchronous": str(cur.fetchone()[0])}
    with connection.cursor() as cur:
        names = ["shared_buffers", "work_mem", "fsync", "synchronous_commit"]
        out = {}
        for name in names:
            cur.execute("SELECT current_setting(%s)", [name])
            out[name] = str(cur.fetchone()[0])
        return out


if __name__ == "__main__":
    main()
