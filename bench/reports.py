"""Benchmark of the reports' daily facts and what reads them (issue 8, "Performance").

Generates, straight into the tables of a bench database (the generator is not measured):

- a national-size unit tree as `places.Unit` rows (63 provinces / 705 districts / 10,600 communes at full size,
  GSO-like codes and paths "12/105/03385/"; generated, not the real reference data), villages only in the bench
  province ("12", 10 districts), and populations per commune, year and age band for every commune;
- in the bench province: people (1,000,000 at full size) in villages of communes weighted by population, with
  ages (a Vietnamese-like pyramid; 2 % without a known birth); 1,500,000 doses (first doses for ~90 % of those
  ≥ 12, second for ~80 %, the rest boosters; most in September–October 2021, boosters in November; the age band
  on the day given); 100,000 F0 cases (70 % in the last four weeks to 30/11/2021, by detection way; older ones
  recovered, a few dead or ruled out); 400,000 samples (RT-PCR and rapid, resulted with a turnaround, the last
  days partly pending); 200,000 people found as F1/F2 with their level change.

Loading: COPY on PostgreSQL (foreign-key triggers off), one big executemany transaction per table on SQLite
(journal and sync off while loading), then ANALYZE. The database is kept and reused while the generator version
and sizes match (recorded in a `bench_meta` table; --regenerate rebuilds it).

Then, the clock pinned to 30/11/2021 15:00 (Vietnam; reporting day 30/11), the real code is timed:

1. `facts_rebuild()` at that size, and `facts_refresh()` after 100 new doses and 10 new cases (incremental; each
   repetition rolled back);
2. the province dashboard: `chihuy.reports.dashboard.dashboard_build(actor=<province commander>, unit=province,
   day=…)`, p50/p95 and the statements it sends; the peer is the on-the-fly aggregate over raw rows for the same
   numbers (cases GROUP BY reporting day and way, closures, F1/F2 found, samples by day/method/result with
   turnaround, doses cumulative by age band, community cases per commune for the map, populations);
3. the weekly assessment of every province, district and commune of the national tree:
   `chihuy.reports.assess.levels_assess_all(week_end=…)` (each run rolled back); the peer computes the same inputs
   on the fly — community cases of the week and coverage (≥ 1 dose of ≥ 18, full of ≥ 50) by raw GROUP BY per
   unit path, rolled up the tree — and the 4800 level from them (it writes nothing);
4. consolidating the province daily report: `chihuy.reports.daily.report_consolidate(actor=…, unit=province,
   day=…)` with every district's and commune's report of the day approved (each run rolled back); the peer counts
   the day's numbers and the stocks of the province, its districts and communes from raw rows.

Until a measured function exists in the checkout (another helper writes it), a stand-in reading the facts the
way it would is timed instead and the JSON says so (`functions.<name>: "stand-in"`). The facts are checked
against the raw peer's numbers (the JSON's `checks`; a mismatch exits non-zero).

    CHIHUY_BENCH_SIZE=tiny|small|full     (default full; tiny is what `make test` runs)
    CHIHUY_BENCH_DB=sqlite|postgres|both  (default sqlite, or postgres when DATABASE_URL is a PostgreSQL URL)
    CHIHUY_BENCH_PG=postgres://…           the PostgreSQL server (default postgres://postgres@127.0.0.1:55440); the
                                           database is chihuy_bench_reports[_<size>], created when missing
    python bench/reports.py [--regenerate] [--profile]

The last line printed is one JSON object (with CHIHUY_BENCH_DB=both: one line per database). Full size writes
bench/results/reports-<database>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("CHIHUY_LOG_LEVEL", "WARNING")

PARSER = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
PARSER.add_argument("--regenerate", action="store_true", help="rebuild the bench database even when it matches")
PARSER.add_argument("--profile", action="store_true", help="print the cProfile of each measured function to stderr")
PARSER.add_argument(
    "--only", default="", help="comma-separated parts to measure (facts, dashboard, assess, consolidate); default all"
)
ARGS = PARSER.parse_args()
PARTS = set(ARGS.only.split(",")) if ARGS.only else {"facts", "dashboard", "assess", "consolidate"}

GENERATOR_VERSION = 1  # bump when the generated data changes: a kept database of another version is rebuilt
SIZES: dict[str, dict[str, int]] = {
    "tiny": {
        "people": 20_000,
        "cases": 2_000,
        "doses": 30_000,
        "samples": 8_000,
        "contacts": 4_000,
        "provinces": 6,
        "districts": 60,
        "communes": 900,
        "bench_districts": 4,
        "villages": 2,
        "dashboard_runs": 20,
        "assess_runs": 2,
        "consolidate_runs": 5,
        "peer_runs": 5,
        "refresh_runs": 2,
    },
    "small": {
        "people": 200_000,
        "cases": 20_000,
        "doses": 300_000,
        "samples": 80_000,
        "contacts": 40_000,
        "provinces": 63,
        "districts": 705,
        "communes": 10_600,
        "bench_districts": 10,
        "villages": 3,
        "dashboard_runs": 40,
        "assess_runs": 3,
        "consolidate_runs": 10,
        "peer_runs": 10,
        "refresh_runs": 3,
    },
    "full": {
        "people": 1_000_000,
        "cases": 100_000,
        "doses": 1_500_000,
        "samples": 400_000,
        "contacts": 200_000,
        "provinces": 63,
        "districts": 705,
        "communes": 10_600,
        "bench_districts": 10,
        "villages": 4,
        "dashboard_runs": 50,
        "assess_runs": 3,
        "consolidate_runs": 10,
        "peer_runs": 10,
        "refresh_runs": 3,
    },
}
SIZE_NAME = os.environ.get("CHIHUY_BENCH_SIZE", "full")
if SIZE_NAME not in SIZES:
    sys.exit(f"CHIHUY_BENCH_SIZE must be one of {', '.join(SIZES)}")
SIZE = SIZES[SIZE_NAME]
GENERATED = {k: SIZE[k] for k in ("people", "cases", "doses", "samples", "contacts", "provinces", "districts")}
GENERATED |= {k: SIZE[k] for k in ("communes", "bench_districts", "villages")} | {"version": GENERATOR_VERSION}
SUFFIX = "" if SIZE_NAME == "full" else f"_{SIZE_NAME}"
PG_SERVER = os.environ.get("CHIHUY_BENCH_PG", "postgres://postgres@127.0.0.1:55440").rstrip("/")
PG_NAME = f"chihuy_bench_reports{SUFFIX}"
DB_CHOICE = os.environ.get("CHIHUY_BENCH_DB") or (
    "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
)
if DB_CHOICE not in ("sqlite", "postgres", "both"):
    sys.exit("CHIHUY_BENCH_DB must be sqlite, postgres or both")

T0 = time.perf_counter()
VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 30, 15, 0, tzinfo=VN)  # before the 16:00 boundary: reporting day 30/11
DAY = dt.date(2021, 11, 30)
GEN_AT = NOW - dt.timedelta(days=1)  # created_at/updated_at of generated rows: before any refresh bookmark
FIRST_DOSE_DAY = dt.date(2021, 7, 1)
DASHBOARD_DAYS = 30  # the epi curve's window
BENCH_PROVINCE = "12"
TARGETS = {"dashboard_p95_ms": 300.0, "assess_s": 5.0, "consolidate_s": 2.0}
# Age bands of the generated people: (band, share, youngest, oldest)
AGES = [("0-11", 0.18, 0, 11), ("12-17", 0.08, 12, 17), ("18-49", 0.48, 18, 49), ("50-64", 0.16, 50, 64)]
AGES += [("65+", 0.10, 65, 95)]
WAYS = [("community", 0.35), ("quarantine", 0.40), ("lockdown", 0.10), ("imported", 0.05), ("checkpoint", 0.04)]
WAYS += [("hospital", 0.06)]
VACCINES = [("SINOPHARM", 0.40), ("AZ", 0.30), ("PFIZER", 0.20), ("MODERNA", 0.10)]
# GSO codes of the 63 provinces (2021)
PROVINCE_CODES = "01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 44 45 46 48 "
PROVINCE_CODES += "49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 89 91 92 93 94 95 96"
SURNAMES = ["Lò", "Tòng", "Giàng", "Vàng", "Sùng", "Nguyễn", "Chảo", "Tẩn", "Lường", "Quàng", "Thào", "Pờ"]
MIDDLES = ["Văn", "Thị", "Seo", "A", "Mẩy"]
GIVEN = ["An", "Bình", "Chinh", "Dế", "Dua", "Chư", "Pó", "Sử", "Xiêng", "Khăm", "Ún", "Lả", "Mỷ", "Chà", "Sua"]


def log(message: str) -> None:
    print(f"[bench/reports {time.perf_counter() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def run_both() -> None:
    """CHIHUY_BENCH_DB=both: one process per database (Django binds its database at setup)."""
    for vendor in ("sqlite", "postgres"):
        env = dict(os.environ, CHIHUY_BENCH_DB=vendor)
        subprocess.run([sys.executable, __file__, *sys.argv[1:]], env=env, check=True)


if DB_CHOICE == "both":
    run_both()
    sys.exit(0)

POSTGRES = DB_CHOICE == "postgres"
SQLITE_PATH = ROOT / "var" / f"bench-reports{SUFFIX.replace('_', '-')}.sqlite3"


def kept_meta() -> dict[str, Any] | None:
    """What the kept bench database says it holds (None: nothing usable), read before Django opens it."""
    try:
        if POSTGRES:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/{PG_NAME}") as conn:
                row = conn.execute("SELECT value FROM bench_meta WHERE key = 'generated'").fetchone()
        else:
            if not SQLITE_PATH.exists():
                return None
            with sqlite3.connect(SQLITE_PATH) as conn:
                row = conn.execute("SELECT value FROM bench_meta WHERE key = 'generated'").fetchone()
    except Exception:  # no database, no table: regenerate
        return None
    return json.loads(row[0]) if row else None


REUSE = not ARGS.regenerate and kept_meta() == GENERATED
if POSTGRES:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if exists and not REUSE:
            admin.execute(f'DROP DATABASE "{PG_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["CHIHUY_SQLITE_PATH"] = str(SQLITE_PATH)
    if not REUSE:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # as in production: no per-query log in memory

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402

from bench._common import QueryCount, peak_mb, reset_peak, summary  # noqa: E402
from chihuy.accounts.models import User  # noqa: E402
from chihuy.accounts.roles import Role  # noqa: E402
from chihuy.accounts.services import user_create  # noqa: E402
from chihuy.cases.enums import COMMUNITY_WAYS  # noqa: E402
from chihuy.cases.models import Case, Classification, LevelChange  # noqa: E402
from chihuy.core.bulk import insert_rows  # noqa: E402
from chihuy.core.text import fold  # noqa: E402
from chihuy.labs.models import Sample  # noqa: E402
from chihuy.people.models import Person  # noqa: E402
from chihuy.places.enums import UnitLevel  # noqa: E402
from chihuy.places.models import Population, Unit  # noqa: E402
from chihuy.reports import coverage as coverage_mod  # noqa: E402
from chihuy.reports import facts as facts_mod  # noqa: E402
from chihuy.reports.days import boundary_hour, day_window  # noqa: E402
from chihuy.reports.enums import ReportStatus  # noqa: E402
from chihuy.reports.models import DailyReport, Fact  # noqa: E402
from chihuy.vaccination.models import Dose, Vaccine  # noqa: E402

PASSWORD = "Bench-Pass-2021!"
COMMUNITY_SQL = "(" + ", ".join(f"'{w}'" for w in sorted(COMMUNITY_WAYS)) + ")"


# --- Loading rows -------------------------------------------------------------------------------------------


def _db(value: Any) -> Any:
    """A value as the raw cursor wants it (SQLite: Django's text form of a datetime, naive UTC)."""
    if not POSTGRES and isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _fill(model: type[Model], columns: Sequence[str], const: dict[str, Any]) -> tuple[list[str], tuple[Any, ...]]:
    """Every other concrete column of `model` with its default (or NULL), so that the generator names only what
    it varies. A column with neither is an error (the model grew a field the bench does not know)."""
    given = set(columns) | set(const)
    extra: dict[str, Any] = dict(const)
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
            extra[f.column] = json.dumps(value) if isinstance(value, (dict, list)) else value
        elif f.null:
            extra[f.column] = None
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            extra[f.column] = GEN_AT
        elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
            extra[f.column] = ""
        else:
            raise SystemExit(f"bench/reports: no value for {model.__name__}.{f.column}")
    names = list(extra)
    return [*columns, *names], tuple(_db(extra[n]) for n in names)


def load(model: type[Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]], const: dict[str, Any]) -> int:
    """Rows of the varying `columns` (values already database-ready), the rest from `const` and the defaults."""
    all_columns, tail = _fill(model, columns, const)
    table = model._meta.db_table
    n = 0
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic():
        for row in rows:
            batch.append(row + tail)
            if len(batch) == 100_000:
                insert_rows(table, all_columns, batch)
                n += len(batch)
                batch = []
        insert_rows(table, all_columns, batch)
        n += len(batch)
    if POSTGRES:
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return n


# --- Generating ---------------------------------------------------------------------------------------------


class Tree:
    """The generated national tree: ids, paths, parents; the bench province's communes and villages."""

    def __init__(self) -> None:
        self.units: list[tuple[int, str, str, str, int | None, str, int]] = []  # id, code, name, level, parent, path, d
        self.province_id = 0
        self.communes: list[int] = []  # every commune's id
        self.bench_communes: list[int] = []
        self.villages: dict[int, list[int]] = {}  # bench commune → its villages
        self.path: dict[int, str] = {}


def generate_tree(rng: np.random.Generator) -> Tree:
    tree = Tree()
    provinces = PROVINCE_CODES.split()[: SIZE["provinces"]]
    if BENCH_PROVINCE not in provinces:
        provinces[-1] = BENCH_PROVINCE
    # Districts per province (the bench province gets its own count), communes per district: summing exactly.
    others = [p for p in provinces if p != BENCH_PROVINCE]
    rest = SIZE["districts"] - SIZE["bench_districts"]
    split = rng.multinomial(rest - len(others), np.ones(len(others)) / len(others)) + 1 if others else []
    per_province = {p: int(n) for p, n in zip(others, split, strict=True)} | {BENCH_PROVINCE: SIZE["bench_districts"]}
    districts = SIZE["districts"]
    per_district = rng.multinomial(SIZE["communes"] - districts, np.ones(districts) / districts) + 1
    next_id = 1
    district_no = commune_no = 0

    def add(code: str, name: str, level: str, parent: int | None, path: str, depth: int) -> int:
        nonlocal next_id
        uid = next_id
        next_id += 1
        tree.units.append((uid, code, name, level, parent, path, depth))
        tree.path[uid] = path
        return uid

    for pcode in provinces:
        pname = "Lai Châu (bench)" if pcode == BENCH_PROVINCE else f"Tỉnh {pcode}"
        pid = add(pcode, pname, UnitLevel.PROVINCE, None, f"{pcode}/", 0)
        if pcode == BENCH_PROVINCE:
            tree.province_id = pid
        for _ in range(per_province[pcode]):
            dcode = f"{district_no + 1:03d}"
            did = add(dcode, f"Huyện {dcode}", UnitLevel.DISTRICT, pid, f"{pcode}/{dcode}/", 1)
            for _ in range(int(per_district[district_no])):
                ccode = f"{commune_no + 1:05d}"
                cpath = f"{pcode}/{dcode}/{ccode}/"
                cid = add(ccode, f"Xã {ccode}", UnitLevel.COMMUNE, did, cpath, 2)
                tree.communes.append(cid)
                if pcode == BENCH_PROVINCE:
                    tree.bench_communes.append(cid)
                    tree.villages[cid] = [
                        add(f"{v + 1:02d}", f"Bản {v + 1}", UnitLevel.VILLAGE, cid, f"{cpath}{v + 1:02d}/", 3)
                        for v in range(SIZE["villages"])
                    ]
                commune_no += 1
            district_no += 1
    division = {UnitLevel.PROVINCE: "tỉnh", UnitLevel.DISTRICT: "huyện", UnitLevel.COMMUNE: "xã"}
    division[UnitLevel.VILLAGE] = "bản"
    load(
        Unit,
        ["id", "code", "name", "level", "parent_id", "path", "depth", "division_type"],
        ((*u, division[u[3]]) for u in tree.units),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "is_demo": True, "is_active": True, "layout": "legacy"},
    )
    return tree


def _dates(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(n)]


def generate(rng: np.random.Generator) -> dict[str, Any]:
    started = time.perf_counter()
    tree = generate_tree(rng)
    log(f"tree: {len(tree.units):,} units ({len(tree.communes):,} communes)")
    ref = DAY
    # People: communes weighted (lognormal), villages uniform; ages from the pyramid.
    n = SIZE["people"]
    communes = tree.bench_communes
    weights = rng.lognormal(0.0, 0.5, len(communes))
    person_commune = rng.choice(len(communes), n, p=weights / weights.sum())
    person_village = rng.integers(0, SIZE["villages"], n)
    band_index = rng.choice(len(AGES), n, p=[a[1] for a in AGES])
    lo = np.array([a[2] for a in AGES])[band_index]
    hi = np.array([a[3] for a in AGES])[band_index]
    age_days = ((lo + rng.random(n) * (hi - lo + 1)) * 365.25).astype(np.int64)
    unknown_birth = rng.random(n) < 0.02
    births = [ref - dt.timedelta(days=int(d)) for d in age_days.tolist()]
    sexes = rng.choice(["M", "F"], n).tolist()
    unit_of = [
        tree.villages[communes[c]][v] for c, v in zip(person_commune.tolist(), person_village.tolist(), strict=True)
    ]
    names = [f"{SURNAMES[a]} {MIDDLES[b]} {GIVEN[c]}" for a, b, c in rng.integers(0, [12, 5, 15], (n, 3)).tolist()]
    folded = {name: fold(name) for name in set(names)}
    unknown = unknown_birth.tolist()

    def people_rows() -> Iterable[tuple[Any, ...]]:
        for i in range(n):
            b = None if unknown[i] else births[i]
            uid = unit_of[i]
            yield (i + 1, names[i], folded[names[i]], b, b.year if b else None, sexes[i], uid, tree.path[uid])

    load(
        Person,
        ["id", "full_name", "name_folded", "birth_date", "birth_year", "sex", "unit_id", "unit_path"],
        people_rows(),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "is_demo": True, "is_active": True, "chronic_conditions": "[]"},
    )
    log(f"{n:,} people")

    # Populations: the bench province's communes from their generated people (+5–15 %), others ~9,000.
    counts = np.zeros((len(communes), len(AGES)), dtype=np.int64)
    np.add.at(counts, (person_commune, band_index), 1)
    index_of = {cid: i for i, cid in enumerate(communes)}
    shares = np.array([a[1] for a in AGES])

    def population_rows() -> Iterable[tuple[Any, ...]]:
        pid = 1
        for cid in tree.communes:
            if cid in index_of:
                values = np.ceil(counts[index_of[cid]] * rng.uniform(1.05, 1.15)).astype(int).tolist()
            else:
                values = np.round(shares * rng.uniform(3_000, 15_000)).astype(int).tolist()
            for (band, *_), value in zip(AGES, values, strict=True):
                yield (pid, cid, tree.path[cid], 2021, band, int(value))
                pid += 1

    load(
        Population,
        ["id", "unit_id", "unit_path", "year", "age_band", "count"],
        population_rows(),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "is_estimate": False, "source": "bench"},
    )

    # Doses: eligible = ≥ 12 on 1/10/2021 or birth unknown, in random order; the first k1 get dose 1, the first k2
    # dose 2, the first k3 a booster, so that the total is exactly SIZE["doses"].
    eligible = np.flatnonzero((age_days >= 12 * 365.25 + 60) | unknown_birth)
    rng.shuffle(eligible)
    k1 = min(len(eligible), round(0.9 * len(eligible)))
    k2 = min(k1, round(0.8 * len(eligible)))
    k3 = max(0, min(k2, SIZE["doses"] - k1 - k2))
    vaccines = dict(Vaccine.objects.values_list("code", "pk"))
    vac_choice = rng.choice(len(VACCINES), len(eligible), p=[v[1] for v in VACCINES])
    vac_ids = [vaccines[VACCINES[i][0]] for i in vac_choice.tolist()]
    boost_ids = [vaccines["PFIZER"], vaccines["MODERNA"]]
    days = _dates(FIRST_DOSE_DAY, (DAY - FIRST_DOSE_DAY).days + 1)
    last = len(days) - 1
    # Second-dose people had their first dose earlier (the schedule must fit before 30/11).
    d1_two = np.clip(rng.normal(72, 18, len(eligible)), 0, 105).astype(int)  # ~11/9
    d1_one = np.clip(rng.normal(112, 20, len(eligible)), 0, last).astype(int)  # ~21/10
    gap = rng.integers(28, 43, len(eligible))
    d3 = rng.integers(123, last + 1, len(eligible))  # November
    dose_cols = ["id", "person_id", "unit_path", "dose_number", "vaccine_id", "lot", "given_on", "age_band"]
    dose_cols += ["completes_primary", "is_booster"]
    bands_of = [(a[0], a[2], a[3]) for a in AGES]

    def band_on(person: int, on: dt.date) -> str:
        if unknown[person]:
            return ""
        b = births[person]
        age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
        for band, young, old in bands_of:
            if young <= age <= old or (band == "65+" and age >= 65):
                return band
        return "0-11"

    def dose_rows() -> Iterable[tuple[Any, ...]]:
        did = 1
        for rank, person in enumerate(eligible.tolist()):
            if rank >= k1:
                break
            path = tree.path[unit_of[person]]
            first = int(d1_two[rank] if rank < k2 else d1_one[rank])
            plan = [(1, first, vac_ids[rank])]
            if rank < k2:
                plan.append((2, min(first + int(gap[rank]), last), vac_ids[rank]))
            if rank < k3:
                plan.append((3, max(int(d3[rank]), plan[-1][1] + 28), boost_ids[rank % 2]))
            for number, day_index, vaccine in plan:
                on = days[min(day_index, last)]
                lot = f"L{vaccine}{on.month:02d}{rank % 7}"
                yield (did, person + 1, path, number, vaccine, lot, on, band_on(person, on), number == 2, number == 3)
                did += 1

    doses = load(
        Dose,
        dose_cols,
        dose_rows(),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "source": "import", "is_active": True, "is_demo": True},
    )
    log(f"{doses:,} doses")

    # Cases: 70 % in the last four weeks (a rising wave), 30 % from August; each a distinct person.
    nc = SIZE["cases"]
    recent = rng.random(nc) < 0.7
    end_min = int((NOW - dt.timedelta(hours=1) - dt.datetime(2021, 8, 1, tzinfo=VN)).total_seconds() // 60)
    wave_start = int((dt.datetime(2021, 11, 3, tzinfo=VN) - dt.datetime(2021, 8, 1, tzinfo=VN)).total_seconds() // 60)
    offset = np.where(
        recent,
        wave_start + (end_min - wave_start) * np.sqrt(rng.random(nc)),
        rng.random(nc) * wave_start,
    ).astype(np.int64)
    origin = dt.datetime(2021, 8, 1, tzinfo=VN).astimezone(dt.UTC)
    ways = rng.choice([w[0] for w in WAYS], nc, p=[w[1] for w in WAYS]).tolist()
    source_known = (rng.random(nc) < 0.7).tolist()
    fate = rng.random(nc).tolist()
    close_after = rng.integers(10 * 1440, 22 * 1440, nc).tolist()
    case_people = rng.choice(n, nc, replace=False).tolist()
    now_utc = NOW.astimezone(dt.UTC)

    def case_rows() -> Iterable[tuple[Any, ...]]:
        for i in range(nc):
            person = case_people[i]
            detected = origin + dt.timedelta(minutes=int(offset[i]))
            closed = detected + dt.timedelta(minutes=close_after[i])
            status, changed, died = "active", None, None
            if fate[i] < 0.01:
                status, changed = "ruled_out", detected + dt.timedelta(days=2)
            elif closed < now_utc - dt.timedelta(hours=2):
                status = "died" if fate[i] > 0.985 else "recovered"
                changed = closed
                died = closed.astimezone(VN).date() if status == "died" else None
            if changed is not None and changed > now_utc - dt.timedelta(hours=1):
                changed = now_utc - dt.timedelta(hours=1)
            uid = unit_of[person]
            age = None if unknown[person] else (DAY - births[person]).days // 365
            done = detected + dt.timedelta(hours=20)
            finished = status != "active" or fate[i] < 0.8
            yield (
                i + 1,
                f"LCB{i + 1:07d}",
                person + 1,
                uid,
                tree.path[uid],
                age,
                sexes[person],
                ways[i],
                _db(detected),
                _db(detected + dt.timedelta(hours=3)),
                source_known[i],
                status,
                _db(changed) if changed else None,
                died,
                (detected.astimezone(VN) - dt.timedelta(days=2)).date(),
                _db(done) if finished else None,
                _db(done) if finished else None,
                _db(done + dt.timedelta(hours=4)) if finished else None,
            )

    case_cols = ["id", "number", "person_id", "unit_id", "unit_path", "age", "sex", "detection_way", "detected_at"]
    case_cols += ["reported_at", "source_known", "status", "status_changed_at", "died_on", "infectious_from"]
    case_cols += ["tracing_done_at", "f1_isolated_at", "treatment_at"]
    load(Case, case_cols, case_rows(), {"created_at": GEN_AT, "updated_at": GEN_AT, "is_demo": True})
    log(f"{nc:,} cases")

    # F1/F2 found: people not among the cases, one classification and its level change each, mostly November.
    nf = SIZE["contacts"]
    taken = set(case_people)
    pool = [p for p in rng.choice(n, min(n, nf * 2), replace=False).tolist() if p not in taken][:nf]
    levels = np.where(rng.random(len(pool)) < 0.75, 1, 2).tolist()
    found_at = (wave_start + (end_min - wave_start) * np.sqrt(rng.random(len(pool)))).astype(np.int64).tolist()
    at_of = [origin + dt.timedelta(minutes=m) for m in found_at]

    def classification_rows() -> Iterable[tuple[Any, ...]]:
        for i, person in enumerate(pool):
            yield (i + 1, person + 1, tree.path[unit_of[person]], levels[i], _db(at_of[i]), _db(at_of[i]))

    load(
        Classification,
        ["id", "person_id", "unit_path", "level", "level_since", "exposure_at"],
        classification_rows(),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "path": "[]", "trace_status": "pending"},
    )
    load(
        LevelChange,
        ["id", "classification_id", "at", "from_level", "to_level", "cause", "reason"],
        ((i + 1, i + 1, _db(at_of[i]), None, levels[i], "contact_added", "bench") for i in range(len(pool))),
        {},
    )
    log(f"{len(pool):,} F1/F2")

    # Samples: October–November, growing; collected by communes (weighted); turnaround ~14 h.
    ns = SIZE["samples"]
    oct1 = dt.datetime(2021, 10, 1, tzinfo=VN).astimezone(dt.UTC)
    span = int((now_utc - dt.timedelta(hours=1) - oct1).total_seconds() // 60)
    taken_min = (span * np.sqrt(rng.random(ns))).astype(np.int64).tolist()
    sample_commune = rng.choice(len(communes), ns, p=weights / weights.sum()).tolist()
    method = np.where(rng.random(ns) < 0.85, "rt_pcr", "rapid_antigen").tolist()
    turnaround = np.clip(rng.lognormal(np.log(14 * 60), 0.5, ns), 20, 96 * 60).astype(np.int64).tolist()
    positive = (rng.random(ns) < 0.03).tolist()

    def sample_rows() -> Iterable[tuple[Any, ...]]:
        for i in range(ns):
            cid = communes[sample_commune[i]]
            collected = oct1 + dt.timedelta(minutes=taken_min[i])
            resulted = collected + dt.timedelta(minutes=turnaround[i])
            if resulted > now_utc - dt.timedelta(minutes=30):
                status, result, resulted_at = "received", "pending", None
            else:
                status, result, resulted_at = "resulted", "positive" if positive[i] else "negative", _db(resulted)
            yield (
                i + 1,
                f"B{i + 1:08d}",
                method[i],
                cid,
                tree.path[cid],
                _db(collected),
                _db(collected + dt.timedelta(hours=24)),
                status,
                result,
                resulted_at,
                "file" if resulted_at else "",
            )

    sample_cols = ["id", "code", "test_method", "unit_id", "unit_path", "collected_at", "due_at", "status"]
    sample_cols += ["result", "resulted_at", "result_source"]
    load(
        Sample,
        sample_cols,
        sample_rows(),
        {"created_at": GEN_AT, "updated_at": GEN_AT, "ct_values": "{}", "kind": "single", "pool_size": 1},
    )
    log(f"{ns:,} samples")
    return {"generated_seconds": round(time.perf_counter() - started, 1)}


def prepare() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text NOT NULL)")
    if REUSE:
        log(f"{connection.vendor}, size {SIZE_NAME}: reusing the kept database (generator v{GENERATOR_VERSION})")
        return {"reused": True}
    log(f"{connection.vendor}, size {SIZE_NAME}: generating")
    started = time.perf_counter()
    if POSTGRES:
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # generated data is consistent: no FK trigger
    else:
        raw = connection.connection
        raw.execute("PRAGMA journal_mode = OFF")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -1000000")
        raw.execute("PRAGMA foreign_keys = OFF")
    info = generate(np.random.default_rng(20211130))
    if POSTGRES:
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")
    else:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA foreign_keys = ON")
    analyze_started = time.perf_counter()
    with connection.cursor() as cur:
        if POSTGRES:
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA optimize")
    info["analyze_seconds"] = round(time.perf_counter() - analyze_started, 1)
    info["load_seconds"] = round(time.perf_counter() - started, 1)
    info["reused"] = False
    return info


def record_meta() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM bench_meta WHERE key = 'generated'")
        cur.execute("INSERT INTO bench_meta (key, value) VALUES ('generated', %s)", [json.dumps(GENERATED)])


# --- Timing helpers -----------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    """fn inside a transaction that is undone afterwards (the measured writes leave nothing behind)."""

    def run() -> Any:
        with transaction.atomic():
            value = fn()
            transaction.set_rollback(True)
        return value

    return run


def measure(fn: Callable[[], Any], runs: int, *, warm: int = 1, name: str = "") -> tuple[dict[str, Any], Any]:
    """`runs` timed calls after `warm` untimed ones; the statements of one call; peak memory; a profile if asked."""
    value = None
    for _ in range(warm):
        value = fn()
    counter = QueryCount()
    with connection.execute_wrapper(counter):
        value = fn()
    samples = []
    reset_peak()
    for _ in range(runs):
        ms, value = timed(fn)
        samples.append(ms)
    if ARGS.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        fn()
        profiler.disable()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(35)
        print(f"--- profile: {name}\n{buffer.getvalue()}", file=sys.stderr)
    return summary(samples) | {"queries": counter.n, "peak_rss_mb": peak_mb()}, value


# --- SQL pieces of the on-the-fly peers ---------------------------------------------------------------------


def qn(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def day_sql(column: str) -> str:
    """The reporting day of a timestamp column in SQL (Vietnam is UTC+7 all year; the boundary hour shifts it)."""
    shift = 7 + 24 - boundary_hour(DAY)
    if POSTGRES:
        return f"(({column} AT TIME ZONE 'UTC') + interval '{shift} hours')::date"
    return f"date({column}, '+{shift} hours')"


def minutes_sql(later: str, earlier: str) -> str:
    if POSTGRES:
        return f"FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 60)"
    return f"CAST((julianday({later}) - julianday({earlier})) * 1440 + 1e-6 AS INTEGER)"


def as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        return cur.fetchall()


def like(path: str) -> str:
    return path + "%"


def band_metric(band: str) -> str:
    return facts_mod.band_key(band)


# --- Dashboard ----------------------------------------------------------------------------------------------


def dashboard_peer(province: Unit) -> dict[str, Any]:
    """The province dashboard's numbers straight from the raw rows (no facts)."""
    first = DAY - dt.timedelta(days=DASHBOARD_DAYS - 1)
    start, end = day_window(first)[0], day_window(DAY)[1]
    p = like(province.path)
    out: dict[str, Any] = {}
    series: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for day, way, count in rows(
        f"SELECT {day_sql('detected_at')}, detection_way, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s "
        "AND status <> 'ruled_out' AND detected_at >= %s AND detected_at < %s GROUP BY 1, 2",
        [p, _db(start), _db(end)],
    ):
        series[f"f0_{way}"][as_date(day)] = count
    for day, status, count in rows(
        f"SELECT {day_sql('status_changed_at')}, status, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s "
        "AND status IN ('recovered', 'died') AND status_changed_at >= %s AND status_changed_at < %s GROUP BY 1, 2",
        [p, _db(start), _db(end)],
    ):
        series[f"f0_{status}"][as_date(day)] = count
    out["series"] = series
    out["stocks"] = dict(
        rows(
            f"SELECT status, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s AND detected_at < %s GROUP BY status",
            [p, _db(end)],
        )
    )
    out["found"] = rows(
        f"SELECT {day_sql('lc.at')}, lc.to_level, COUNT(*) FROM {qn(LevelChange)} lc "
        f"JOIN {qn(Classification)} c ON c.id = lc.classification_id WHERE c.unit_path LIKE %s "
        "AND lc.to_level IN (1, 2) AND (lc.from_level IS NULL OR lc.from_level > lc.to_level) "
        "AND lc.at >= %s AND lc.at < %s GROUP BY 1, 2",
        [p, _db(start), _db(end)],
    )
    out["tests"] = rows(
        f"SELECT {day_sql('collected_at')}, test_method, result, COUNT(*), "
        f"SUM(CASE WHEN resulted_at IS NOT NULL THEN {minutes_sql('resulted_at', 'collected_at')} ELSE 0 END), "
        "SUM(CASE WHEN resulted_at IS NOT NULL AND resulted_at <= due_at THEN 1 ELSE 0 END) "
        f"FROM {qn(Sample)} WHERE unit_path LIKE %s AND collected_at >= %s AND collected_at < %s GROUP BY 1, 2, 3",
        [p, _db(start), _db(end)],
    )
    vaccinated: dict[str, int] = defaultdict(int)
    for band, number, completes, booster, count in rows(
        f"SELECT age_band, dose_number, completes_primary, is_booster, COUNT(*) FROM {qn(Dose)} "
        "WHERE unit_path LIKE %s AND is_active AND given_on <= %s GROUP BY 1, 2, 3, 4",
        [p, DAY],
    ):
        key = band_metric(band)
        if number == 1:
            vaccinated[f"first_{key}"] += count
        if completes:
            vaccinated[f"full_{key}"] += count
        if booster:
            vaccinated[f"booster_{key}"] += count
    out["vaccinated"] = dict(vaccinated)
    out["population"] = dict(
        rows(
            f"SELECT age_band, SUM(count) FROM {qn(Population)} WHERE unit_path LIKE %s AND year = %s "
            "GROUP BY age_band",
            [p, DAY.year],
        )
    )
    # The map: community cases of the last 7 days per commune.
    week_start = day_window(DAY - dt.timedelta(days=6))[0]
    per_commune: dict[str, int] = defaultdict(int)
    for path, count in rows(
        f"SELECT unit_path, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s AND status <> 'ruled_out' "
        f"AND detection_way IN {COMMUNITY_SQL} AND detected_at >= %s AND detected_at < %s GROUP BY unit_path",
        [p, _db(week_start), _db(end)],
    ):
        per_commune["/".join(path.split("/")[:3]) + "/"] += count
    out["map"] = per_commune
    return out


def dashboard_stand_in(province: Unit) -> Callable[[], Any]:
    """What a facts-only dashboard reads, while `reports.dashboard.dashboard_build` is not in the checkout."""
    districts = list(Unit.objects.filter(parent=province))
    communes = list(Unit.objects.filter(path__startswith=province.path, level=UnitLevel.COMMUNE))
    closures = ["f0_recovered", "f0_died"]
    tests = ["tests_pcr", "tests_rapid", "tests_positive", "tests_resulted", "tests_on_time", "tests_turnaround_min"]

    def build() -> dict[str, Any]:
        first = DAY - dt.timedelta(days=DASHBOARD_DAYS - 1)
        units = [province, *districts]
        series = facts_mod.facts_series(
            unit_ids=[province.pk],
            metrics=facts_mod.NEW_F0 + closures + tests + ["f1_new", "f2_new"],
            first=first,
            last=DAY,
        )
        stocks = facts_mod.facts_cumulative(unit_ids=[u.pk for u in units], metrics=facts_mod.NEW_F0 + closures, on=DAY)
        cover = coverage_mod.coverage_of(units, on=DAY)
        community = facts_mod.ORIGINS["community"]
        week = facts_mod.facts_sum(
            unit_ids=[c.pk for c in communes], metrics=community, first=DAY - dt.timedelta(days=6), last=DAY
        )
        return {"series": series, "stocks": stocks, "coverage": cover, "map": week}

    return build


def check_dashboard(province: Unit, peer: dict[str, Any]) -> dict[str, Any]:
    """The facts of the province equal the raw peer's numbers (the issue's "equal a fresh recount")."""
    first = DAY - dt.timedelta(days=DASHBOARD_DAYS - 1)
    metrics = [*peer["series"]]
    facts = facts_mod.facts_series(unit_ids=[province.pk], metrics=metrics, first=first, last=DAY).get(province.pk, {})
    series_equal = all(dict(facts.get(m, {})) == peer["series"][m] for m in metrics)
    cumulative = facts_mod.facts_cumulative(unit_ids=[province.pk], metrics=coverage_mod.METRICS, on=DAY)
    vaccinated_equal = {k: v for k, v in cumulative.get(province.pk, {}).items() if v} == peer["vaccinated"]
    return {"dashboard_series_equal": series_equal, "vaccinated_equal": vaccinated_equal}


# --- Assessment of every unit -------------------------------------------------------------------------------


def level_4800(rate: float, first_18: float | None, full_50: float | None) -> int:
    """4800/QĐ-BYT's table in short: community cases per 100k per week, raised when coverage is low."""
    covered = first_18 is not None and full_50 is not None and first_18 >= 70 and full_50 >= 80
    if rate < 20:
        return 1 if covered else 2
    if rate < 50:
        return 2 if covered else 3
    if rate < 150:
        return 3 if covered else 4
    return 4


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")[:3]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def assess_peer() -> dict[str, Any]:
    """Every province, district and commune: the week's community cases and coverage from raw GROUP BY per unit
    path, rolled up the tree in Python, then the level. Writes nothing."""
    start, end = day_window(DAY - dt.timedelta(days=6))[0], day_window(DAY)[1]
    cases: dict[str, int] = defaultdict(int)
    for path, count in rows(
        f"SELECT unit_path, COUNT(*) FROM {qn(Case)} WHERE status <> 'ruled_out' AND detection_way IN {COMMUNITY_SQL} "
        "AND detected_at >= %s AND detected_at < %s GROUP BY unit_path",
        [_db(start), _db(end)],
    ):
        for a in _ancestors(path):
            cases[a] += count
    first: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    full: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, band, n_first, n_full in rows(
        f"SELECT unit_path, age_band, SUM(CASE WHEN dose_number = 1 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN completes_primary THEN 1 ELSE 0 END) FROM {qn(Dose)} WHERE is_active AND given_on <= %s "
        "GROUP BY unit_path, age_band",
        [DAY],
    ):
        for a in _ancestors(path):
            first[a][band] += n_first
            full[a][band] += n_full
    population: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, band, count in rows(
        f"SELECT unit_path, age_band, SUM(count) FROM {qn(Population)} WHERE year = %s GROUP BY unit_path, age_band",
        [DAY.year],
    ):
        for a in _ancestors(path):
            population[a][band] += int(count)
    levels: dict[str, int] = {}
    adults, older = ("18-49", "50-64", "65+"), ("50-64", "65+")
    for path, _level in rows(f"SELECT path, level FROM {qn(Unit)} WHERE level IN ('province', 'district', 'commune')"):
        pop = population.get(path, {})
        total = sum(pop.values())
        rate = 100_000 * cases.get(path, 0) / total if total else 0.0
        d18 = sum(pop.get(b, 0) for b in adults)
        d50 = sum(pop.get(b, 0) for b in older)
        f18 = 100 * sum(first[path][b] for b in adults) / d18 if d18 else None
        f50 = 100 * sum(full[path][b] for b in older) / d50 if d50 else None
        levels[path] = level_4800(rate, f18, f50)
    return {"units": len(levels), "levels": levels, "cases": cases}


def assess_stand_in() -> Callable[[], Any]:
    """What a facts-based assessment reads, while `reports.assess.levels_assess_all` is not in the checkout."""

    def run() -> dict[int, int]:
        units = list(
            Unit.objects.filter(level__in=facts_mod.FACT_LEVELS).only("id", "path", "level", "depth", "parent_id")
        )
        ids = [u.pk for u in units]
        week = facts_mod.facts_sum(
            unit_ids=ids, metrics=facts_mod.ORIGINS["community"], first=DAY - dt.timedelta(days=6), last=DAY
        )
        cover = coverage_mod.coverage_of(units, on=DAY)
        out = {}
        for u in units:
            c = cover[u.pk]
            total = c.denominator("all")
            rate = 100_000 * sum(week.get(u.pk, {}).values()) / total if total else 0.0
            out[u.pk] = level_4800(rate, c.pct("first", "18+"), c.pct("full", "50+"))
        return out

    return run


# --- Daily report consolidation -----------------------------------------------------------------------------


def consolidate_peer(province: Unit) -> dict[str, Any]:
    """The province's day from raw rows: the day's flows and the stocks, per commune rolled up to the districts
    and the province."""
    start, end = day_window(DAY)
    p = like(province.path)
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(path: str, key: str, count: int) -> None:
        for a in _ancestors(path):
            flows[a][key] += count

    for path, way, count in rows(
        f"SELECT unit_path, detection_way, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s AND status <> "
        "'ruled_out' AND detected_at >= %s AND detected_at < %s GROUP BY 1, 2",
        [p, _db(start), _db(end)],
    ):
        add(path, f"f0_{way}", count)
    for path, status, count in rows(
        f"SELECT unit_path, status, COUNT(*) FROM {qn(Case)} WHERE unit_path LIKE %s GROUP BY 1, 2", [p]
    ):
        add(path, f"stock_{status}", count)
    for path, level, count in rows(
        f"SELECT c.unit_path, lc.to_level, COUNT(*) FROM {qn(LevelChange)} lc JOIN {qn(Classification)} c "
        "ON c.id = lc.classification_id WHERE c.unit_path LIKE %s AND lc.to_level IN (1, 2) AND "
        "(lc.from_level IS NULL OR lc.from_level > lc.to_level) AND lc.at >= %s AND lc.at < %s GROUP BY 1, 2",
        [p, _db(start), _db(end)],
    ):
        add(path, f"f{level}_new", count)
    for path, method, result, count in rows(
        f"SELECT unit_path, test_method, result, COUNT(*) FROM {qn(Sample)} WHERE unit_path LIKE %s "
        "AND collected_at >= %s AND collected_at < %s GROUP BY 1, 2, 3",
        [p, _db(start), _db(end)],
    ):
        add(path, f"tests_{method}_{result}", count)
    for path, number, count in rows(
        f"SELECT unit_path, dose_number, COUNT(*) FROM {qn(Dose)} WHERE unit_path LIKE %s AND is_active "
        "AND given_on <= %s GROUP BY 1, 2",
        [p, DAY],
    ):
        add(path, f"doses_{min(number, 3)}", count)
    reports = rows(
        f"SELECT unit_id, status, manual FROM {qn(DailyReport)} WHERE unit_path LIKE %s AND day = %s", [p, DAY]
    )
    return {"units": len(flows), "flows": flows, "reports": len(reports)}


def consolidate_stand_in(province: Unit) -> Callable[[], Any]:
    units = list(Unit.objects.filter(path__startswith=province.path, level__in=facts_mod.FACT_LEVELS))

    def run() -> dict[str, Any]:
        ids = [u.pk for u in units]
        day = facts_mod.facts_sum(unit_ids=ids, metrics=None, first=DAY, last=DAY)
        stocks = facts_mod.facts_cumulative(
            unit_ids=ids, metrics=[*facts_mod.NEW_F0, "f0_recovered", "f0_died", "dose_1", "dose_2", "dose_3"], on=DAY
        )
        reports = list(DailyReport.objects.filter(unit_id__in=ids, day=DAY).values("unit_id", "status", "manual"))
        return {"day": day, "stocks": stocks, "reports": reports}

    return run


def seed_reports(province: Unit, commander: User) -> int:
    """Every district's and commune's report of the day, approved (what the province consolidates)."""
    DailyReport.objects.filter(unit_path__startswith=province.path).delete()
    indicators: Callable[..., dict[str, Any]] | None
    try:
        from chihuy.reports.daily import report_indicators as indicators  # type: ignore[attr-defined]
    except ImportError:
        indicators = None
    at = NOW - dt.timedelta(hours=2)
    made = []
    for unit in Unit.objects.filter(path__startswith=province.path, level__in=["district", "commune"]):
        computed = json.loads(json.dumps(indicators(unit=unit, day=DAY), default=str)) if indicators else {}
        made.append(
            DailyReport(
                unit=unit,
                unit_path=unit.path,
                day=DAY,
                status=ReportStatus.APPROVED,
                computed=computed,
                manual={"staff_on_duty": 12, "checkpoints": 3},
                submitted_at=at,
                submitted_by=commander,
                reviewed_at=at,
                reviewed_by=commander,
            )
        )
    DailyReport.objects.bulk_create(made, batch_size=1000)
    return len(made)


# --- Facts: rebuild and incremental refresh -----------------------------------------------------------------


def add_new_rows(province: Unit) -> None:
    """100 first doses to people without any and 10 cases of people without one, as of now (the refresh's work)."""
    vaccine = Vaccine.objects.get(code="PFIZER")
    doses = list(
        Person.objects.filter(unit_path__startswith=province.path)
        .exclude(doses__isnull=False)
        .values_list("id", "unit_path")[:100]
    )
    now = django_now()
    Dose.objects.bulk_create(
        Dose(person_id=pid, unit_path=path, dose_number=1, vaccine=vaccine, given_on=DAY, age_band="18-49")
        for pid, path in doses
    )
    people = list(
        Person.objects.filter(unit_path__startswith=province.path)
        .exclude(cases__isnull=False)
        .values_list("id", "unit_id", "unit_path")[:10]
    )
    base = Case.objects.count() + 1_000_000
    Case.objects.bulk_create(
        Case(
            number=f"LCN{base + i}",
            person_id=pid,
            unit_id=uid,
            unit_path=path,
            detection_way="community",
            detected_at=now - dt.timedelta(minutes=30),
            reported_at=now,
            infectious_from=DAY - dt.timedelta(days=2),
        )
        for i, (pid, uid, path) in enumerate(people)
    )


def django_now() -> dt.datetime:
    from chihuy.core import clock

    return clock.now()


def bench_refresh(province: Unit) -> dict[str, Any]:
    samples: list[float] = []
    units: list[int] = []
    growth: dict[str, int] = {}
    for _ in range(SIZE["refresh_runs"]):
        with transaction.atomic():
            before = facts_mod.facts_cumulative(unit_ids=[province.pk], metrics=["dose_1", *facts_mod.NEW_F0])
            add_new_rows(province)
            profiler = cProfile.Profile() if ARGS.profile and not samples else None
            if profiler:
                profiler.enable()
            ms, result = timed(facts_mod.facts_refresh)
            if profiler:
                profiler.disable()
                buffer = io.StringIO()
                pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
                print(f"--- profile: facts_refresh\n{buffer.getvalue()}", file=sys.stderr)
            after = facts_mod.facts_cumulative(unit_ids=[province.pk], metrics=["dose_1", *facts_mod.NEW_F0])
            growth = {
                "dose_1": after[province.pk].get("dose_1", 0) - before[province.pk].get("dose_1", 0),
                "new_f0": sum(after[province.pk].get(m, 0) - before[province.pk].get(m, 0) for m in facts_mod.NEW_F0),
            }
            samples.append(ms)
            units.append(result.units)
            transaction.set_rollback(True)
    return summary(samples) | {"units_recomputed": units[-1], "province_growth": growth}


# --- Main ---------------------------------------------------------------------------------------------------


def functions() -> dict[str, Callable[..., Any] | None]:
    found: dict[str, Callable[..., Any] | None] = {}
    for module, name in (
        ("chihuy.reports.dashboard", "dashboard_build"),
        ("chihuy.reports.assess", "levels_assess_all"),
        ("chihuy.reports.daily", "report_consolidate"),
    ):
        try:
            found[name] = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            found[name] = None
    return found


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def main() -> None:
    wall = time.perf_counter()
    reset_peak()
    setup = prepare()
    setup["peak_rss_mb"] = peak_mb()
    if not setup["reused"]:
        record_meta()
    province = Unit.objects.get(path=f"{BENCH_PROVINCE}/")
    commander = User.objects.filter(username="bench-chihuy").first() or user_create(
        actor=None, username="bench-chihuy", password=PASSWORD, unit=province, roles=[Role.COMMANDER]
    )
    found = functions()
    result: dict[str, Any] = {"bench": "reports", "size": SIZE_NAME, "database": connection.vendor}
    result["database_version"] = (
        connection.pg_version if POSTGRES else __import__("sqlite3").sqlite_version  # type: ignore[attr-defined]
    )
    result["functions"] = {name: "real" if fn else "stand-in" for name, fn in found.items()}
    log(f"functions: {result['functions']}")

    out: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    with time_machine.travel(NOW, tick=True):
        # 1. Facts (rebuilt anyway when there are none: everything else reads them).
        if "facts" in PARTS or facts_mod.facts_updated_at() is None:
            reset_peak()
            ms, rebuilt = timed(facts_mod.facts_rebuild)
            rebuild = {"seconds": round(ms / 1000, 2), "units": rebuilt.units, "rows": rebuilt.rows}
            out["facts_rebuild"] = rebuild | {"peak_rss_mb": peak_mb()}
            if POSTGRES:
                with connection.cursor() as cur:
                    cur.execute(f"ANALYZE {qn(Fact)}")
            log(f"facts_rebuild: {out['facts_rebuild']}")
        if "facts" in PARTS:
            refresh = bench_refresh(province)
            out["facts_refresh_100_doses_10_cases"] = refresh
            checks["refresh_adds_100_doses"] = refresh["province_growth"].get("dose_1") == 100
            checks["refresh_adds_10_f0"] = refresh["province_growth"].get("new_f0") == 10
            log(f"facts_refresh: {refresh}")

        # 2. Dashboard.
        if "dashboard" in PARTS:
            build = found["dashboard_build"]
            ours = (lambda: build(actor=commander, unit=province, day=DAY)) if build else dashboard_stand_in(province)
            out["dashboard"], _ = measure(ours, SIZE["dashboard_runs"], name="dashboard")
            out["dashboard_peer"], peer_value = measure(
                lambda: dashboard_peer(province), SIZE["peer_runs"], name="dashboard peer"
            )
            checks |= check_dashboard(province, peer_value)
            log(f"dashboard: {out['dashboard']} peer: {out['dashboard_peer']}")

        # 3. Assessment of every unit of the tree.
        if "assess" in PARTS:
            assess_fn = found["levels_assess_all"]
            assess_call = (lambda: assess_fn(week_end=DAY)) if assess_fn else assess_stand_in()
            out["assess_all"], _ = measure(rolled_back(assess_call), SIZE["assess_runs"], name="assess")
            out["assess_all_peer"], peer_levels = measure(assess_peer, SIZE["assess_runs"], name="assess peer")
            fact_units = Unit.objects.filter(level__in=facts_mod.FACT_LEVELS).count()
            checks["assess_peer_units"] = peer_levels["units"] == fact_units
            log(f"assess: {out['assess_all']} peer: {out['assess_all_peer']}")

        # 4. Consolidation of the province daily report.
        if "consolidate" in PARTS:
            out["daily_reports_seeded"] = seed_reports(province, commander)
            consolidate_fn = found["report_consolidate"]
            consolidate_call = (
                (lambda: consolidate_fn(actor=commander, unit=province, day=DAY))
                if consolidate_fn
                else consolidate_stand_in(province)
            )
            out["consolidate"], _ = measure(rolled_back(consolidate_call), SIZE["consolidate_runs"], name="consolidate")
            out["consolidate_peer"], _ = measure(
                lambda: consolidate_peer(province), SIZE["peer_runs"], name="consolidate peer"
            )
            log(f"consolidate: {out['consolidate']} peer: {out['consolidate_peer']}")

    counts = {
        "units": Unit.objects.count(),
        "provinces": Unit.objects.filter(level=UnitLevel.PROVINCE).count(),
        "districts": Unit.objects.filter(level=UnitLevel.DISTRICT).count(),
        "communes": Unit.objects.filter(level=UnitLevel.COMMUNE).count(),
        "bench_province_communes": Unit.objects.filter(path__startswith=province.path, level=UnitLevel.COMMUNE).count(),
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "doses": Dose.objects.count(),
        "samples": Sample.objects.count(),
        "f1_f2_found": LevelChange.objects.count(),
        "populations": Population.objects.count(),
        "facts": Fact.objects.count(),
    }

    def p(part: str, key: str) -> Any:
        return out.get(part, {}).get(key)

    def below(part: str, key: str, limit: float) -> bool | None:
        value = p(part, key)
        return None if value is None else value < limit

    result |= {
        "sizes": counts,
        "day": DAY.isoformat(),
        "setup": setup,
        **out,
        "peers": {
            "dashboard_peer": "raw GROUP BY over the province's rows: cases by reporting day and way, closures, "
            "F1/F2 found, samples by day/method/result with turnaround, doses cumulative by band, populations, "
            "community cases per commune for the map",
            "assess_all_peer": "raw GROUP BY unit_path over the whole tree (week's community cases, first/full "
            "doses by band, populations), rolled up in Python, the 4800 level; writes nothing",
            "consolidate_peer": "raw GROUP BY unit_path of the province: the day's cases, F1/F2, tests, the "
            "case stocks and doses, rolled up to districts; the reports of the day",
        },
        "ratios": {
            "dashboard_peer_p95_over_ours_p95": ratio(p("dashboard_peer", "p95_ms"), p("dashboard", "p95_ms")),
            "dashboard_peer_median_over_ours_median": ratio(
                p("dashboard_peer", "median_ms"), p("dashboard", "median_ms")
            ),
            "assess_peer_median_over_ours_median": ratio(
                p("assess_all_peer", "median_ms"), p("assess_all", "median_ms")
            ),
            "consolidate_peer_median_over_ours_median": ratio(
                p("consolidate_peer", "median_ms"), p("consolidate", "median_ms")
            ),
        },
        "targets": {
            "dashboard_p95_lt_300ms": below("dashboard", "p95_ms", TARGETS["dashboard_p95_ms"]),
            "assess_all_lt_5s": below("assess_all", "max_ms", TARGETS["assess_s"] * 1000),
            "consolidate_lt_2s": below("consolidate", "max_ms", TARGETS["consolidate_s"] * 1000),
        },
        "checks": checks,
        "database_settings": database_settings(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
    }
    if SIZE_NAME == "full" and not ARGS.only:
        path = ROOT / "bench" / "results" / f"reports-{connection.vendor}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(result, ensure_ascii=False))
    if not all(checks.values()):
        sys.exit(f"bench/reports: a check failed: {[k for k, v in checks.items() if not v]}")


def database_settings() -> dict[str, str]:
    with connection.cursor() as cur:
        if not POSTGRES:
            cur.execute("PRAGMA journal_mode")
            journal = str(cur.fetchone()[0])
            cur.execute("PRAGMA synchronous")
            return {"journal_mode": journal, "synchronous": str(cur.fetchone()[0])}
        out = {}
        for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit"):
            cur.execute("SELECT current_setting(%s)", [name])
            out[name] = str(cur.fetchone()[0])
        return out


if __name__ == "__main__":
    main()
