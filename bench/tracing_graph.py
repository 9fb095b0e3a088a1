"""Benchmark of the F-level cascade (issue 3, "Performance").

Generates a contact graph straight into the tables (the generator is not measured): N people in the
communes of Lai Châu, living in households of 3–6 (every member a contact of every other), each with a few
contacts outside the household (mostly in the same commune), 5 qualifying edges per person on average, and
some thousands of active F0. Classifications come from the generator's own breadth-first walk (the same
order as `recompute_all`) and are checked against the peers. Then the real code is timed:

- `levels.propagate` after an F1 turns F0 (seed: the new F0 at level 0, as `case_report` does), each sample
  in a transaction rolled back, so that every sample sees the same graph;
- `levels.recompute_all` over the whole graph;
- `graph.cluster_graph` of a ~20,000-node cluster, when chihuy/cases/graph.py exists.

Peers measured in the same run on the same data: networkx (the graph loaded from the database, then a
breadth-first walk to the policy's depth) and a recursive SQL CTE (WITH RECURSIVE over the contact table).
Both only compute levels — no comparison with the stored ones, no write — so they are lower bounds of
what a re-levelling built on them would cost.

    CHIHUY_BENCH_SIZE=tiny|small|full   (default full: 1,000,000 people, 5,000,000 contacts)
    DATABASE_URL=postgres://…          PostgreSQL instead of SQLite (CHIHUY_SQLITE_PATH, default
                                        var/bench-tracing-<size>.sqlite3). The bench database is rebuilt each run
    CHIHUY_BENCH_REUSE=1                keep the generated graph of an earlier run of the same size

The last line printed is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import os
import random
import resource
import statistics
import sys
import time
from array import array
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

SIZES = {
    # people, contact edges, active F0, samples per timed operation, samples per peer operation, cluster nodes
    "tiny": {
        "people": 5_000,
        "edges": 25_000,
        "f0": 25,
        "samples": 20,
        "peer_samples": 10,
        "cluster": 1_000,
        "graph_samples": 10,
    },
    "small": {
        "people": 100_000,
        "edges": 500_000,
        "f0": 500,
        "samples": 100,
        "peer_samples": 30,
        "cluster": 5_000,
        "graph_samples": 10,
    },
    "full": {
        "people": 1_000_000,
        "edges": 5_000_000,
        "f0": 5_000,
        "samples": 200,
        "peer_samples": 40,
        "cluster": 20_000,
        "graph_samples": 10,
    },
}
SIZE_NAME = os.environ.get("CHIHUY_BENCH_SIZE", "full")
if SIZE_NAME not in SIZES:
    sys.exit(f"CHIHUY_BENCH_SIZE must be one of {', '.join(SIZES)}")
SIZE = SIZES[SIZE_NAME]
os.environ.setdefault("CHIHUY_SQLITE_PATH", str(ROOT / "var" / f"bench-tracing-{SIZE_NAME}.sqlite3"))
REUSE = os.environ.get("CHIHUY_BENCH_REUSE") == "1"
TARGET_UPGRADE_P95_MS = 200.0
TARGET_RECOMPUTE_S = 60.0
TARGET_GRAPH_S = 1.0


def log(message: str) -> None:
    print(f"[bench/tracing_graph {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def reset_database() -> None:
    """A clean bench database, before Django opens it."""
    if REUSE or os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return  # PostgreSQL: dropped after connecting, see drop_pg_schema
    path = Path(os.environ["CHIHUY_SQLITE_PATH"])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


reset_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # as in production: no per-query log in memory

import networkx as nx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import peak_mb, reset_peak, summary  # noqa: E402
from chihuy.accounts.models import User  # noqa: E402
from chihuy.accounts.roles import Role  # noqa: E402
from chihuy.accounts.services import user_create  # noqa: E402
from chihuy.cases import levels  # noqa: E402
from chihuy.cases.enums import CaseStatus, DetectionWay, LevelCause, Setting, TraceStatus  # noqa: E402
from chihuy.cases.models import Case, Classification, Cluster, Contact  # noqa: E402
from chihuy.cases.rules import max_level  # noqa: E402
from chihuy.core.bulk import insert_rows  # noqa: E402
from chihuy.core.text import fold  # noqa: E402
from chihuy.people.models import Person  # noqa: E402
from chihuy.places.enums import UnitLevel  # noqa: E402
from chihuy.places.models import Unit  # noqa: E402
from chihuy.places.services import units_load_province  # noqa: E402

SURNAMES = ["Lò", "Tòng", "Giàng", "Vàng", "Sùng", "Nguyễn", "Chảo", "Tẩn", "Lường", "Quàng", "Thào", "Pờ"]
MIDDLES = {"M": ["Văn", "A", "Seo", "Láo"], "F": ["Thị", "Seo", "Mẩy", "Mé"]}
GIVEN = ["An", "Bình", "Chinh", "Dế", "Dua", "Chư", "Pó", "Sử", "Xiêng", "Khăm", "Ún", "Lả", "Mỷ", "Chà", "Sua"]
GIVEN += ["Mái", "Say", "Chài", "Lở", "San", "Phin", "Hà", "Lan", "Mai"]
PERSON_TAIL = ("", "[]", False, True, True)  # occupation, chronic_conditions, is_pregnant, is_demo, is_active
OUTSIDE = [Setting.WORKPLACE, Setting.SCHOOL, Setting.VENUE, Setting.VEHICLE, Setting.HEALTHCARE, Setting.OTHER]


# --- Memory -------------------------------------------------------------------------------------------------


# --- Generating the graph -----------------------------------------------------------------------------------


def drop_pg_schema() -> None:
    if connection.vendor == "postgresql" and not REUSE:
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def communes_of_province() -> list[Unit]:
    root = Unit.objects.filter(parent__isnull=True, code="12").first()
    if root is None:
        root = units_load_province(province="Lai Châu").root
    return list(Unit.objects.filter(path__under=root.path, level=UnitLevel.COMMUNE).order_by("path"))


def _db_time(value: dt.datetime) -> Any:
    """A datetime as the raw cursor wants it (SQLite: Django's text form in UTC)."""
    return value if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(value)


def _insert(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        insert_rows(model._meta.db_table, columns, rows)


def generate(communes: list[Unit]) -> dict[str, Any]:
    """People, households, contacts, F0 cases and their classifications, straight into the tables."""
    if REUSE and Person.objects.count() == SIZE["people"] and Contact.objects.count() >= SIZE["edges"] * 0.95:
        return {"generated_seconds": 0.0, "reused": True}
    started = time.perf_counter()
    rng = random.Random(20211110)
    n = SIZE["people"]
    now = timezone.now()
    db_now = _db_time(now)

    # People 1..n, in households of 3–6 living in one commune; a commune is a run of consecutive households.
    weights = [rng.uniform(0.5, 1.5) for _ in communes]
    household_of = array("i", bytes(4 * (n + 1)))
    starts: list[int] = []  # first person of each household
    unit_of = array("i", bytes(4 * (n + 1)))
    commune_index = rng.choices(range(len(communes)), weights=weights, k=n // 3)
    pid, h = 1, 0
    while pid <= n:
        size = min(rng.randint(3, 6), n - pid + 1)
        c = commune_index[h % len(commune_index)]
        starts.append(pid)
        for member in range(pid, pid + size):
            household_of[member] = h
            unit_of[member] = c
        pid += size
        h += 1
    starts.append(n + 1)
    by_commune: dict[int, list[int]] = {}
    for person in range(1, n + 1):
        by_commune.setdefault(unit_of[person], []).append(person)

    columns = ["id", "created_at", "updated_at", "full_name", "name_folded", "birth_year", "sex", "national_id"]
    columns += ["phone", "address_text", "unit_id", "unit_path", "occupation", "chronic_conditions", "is_pregnant"]
    columns += ["is_demo", "is_active"]
    rows: list[tuple[Any, ...]] = []
    for person in range(1, n + 1):
        sex = "M" if person % 2 else "F"
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES[sex])} {rng.choice(GIVEN)}"
        unit = communes[unit_of[person]]
        rows.append(
            (
                person,
                db_now,
                db_now,
                name,
                fold(name),
                1940 + person % 80,
                sex,
                "",
                "",
                unit.name,
                unit.pk,
                unit.path,
                *PERSON_TAIL,
            )
        )
        if len(rows) == 50_000 or person == n:
            _insert(Person, columns, rows)
            rows = []
    log(f"{n:,} people in {len(starts) - 1:,} households")

    # Contacts, source by source (so edge ids run in source order): the household, then outside.
    household_edges = sum((b - a) * (b - a - 1) for a, b in itertools.pairwise(starts))
    outside_mean = max(0.0, (SIZE["edges"] - household_edges) / n)
    times = [now - dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 23)) for _ in range(200)]
    db_times = [_db_time(t) for t in times]
    dst_of = array("i")
    offsets = array("q", [0, 0])  # edges of person p: offsets[p] .. offsets[p + 1]
    exposure_of = array("h")  # index into times
    edge_columns = ["id", "created_at", "updated_at", "source_person_id", "source_unit_path", "contact_person_id"]
    edge_columns += ["unit_path", "relation", "setting", "exposure_at", "distance_m", "masked", "physical_contact"]
    edge_columns += ["note", "qualifies", "qualify_reason", "rule_source", "is_active", "deactivated_reason"]
    reason = "Tiếp xúc gần (< 2 m), không khẩu trang"
    tails = {flag: (1.0, False, flag, "", True, reason, "11042/BYT-DP", True, "") for flag in (False, True)}
    edge_id, next_log = 0, 1_000_000
    for src in range(1, n + 1):
        hh = household_of[src]
        targets: list[tuple[int, str]] = [
            (dst, Setting.HOUSEHOLD) for dst in range(starts[hh], starts[hh + 1]) if dst != src
        ]
        k = min(40, round(rng.expovariate(1 / outside_mean))) if outside_mean else 0
        local = by_commune[unit_of[src]]
        for _ in range(k):
            dst = rng.choice(local) if rng.random() < 0.8 else rng.randint(1, n)
            if dst != src:
                targets.append((dst, rng.choice(OUTSIDE)))
        src_path = communes[unit_of[src]].path
        for dst, setting in targets:
            edge_id += 1
            t = rng.randrange(len(times))
            dst_of.append(dst)
            exposure_of.append(t)
            rows.append(
                (edge_id, db_now, db_now, src, src_path, dst, communes[unit_of[dst]].path, "", setting, db_times[t])
                + (tails[setting == Setting.HOUSEHOLD])
            )
        offsets.append(edge_id)
        if len(rows) >= 100_000 or src == n:
            _insert(Contact, edge_columns, rows)
            rows = []
            if edge_id >= next_log or src == n:
                log(f"contacts of {src:,}/{n:,} people: {edge_id:,} edges")
                next_log += 1_000_000
    del by_commune

    # Active F0: random people, detected over the last days (the order recompute_all takes its roots in).
    f0_people = rng.sample(range(1, n + 1), SIZE["f0"])
    cases = []
    for i, person in enumerate(f0_people, start=1):
        unit = communes[unit_of[person]]
        detected = now - dt.timedelta(days=rng.randint(0, 10), minutes=i)
        cases.append(
            Case(
                number=f"BN{100000 + i}",
                person_id=person,
                unit=unit,
                unit_path=unit.path,
                detection_way=DetectionWay.COMMUNITY,
                detected_at=detected,
                reported_at=detected,
                sample_date=detected.date(),
                infectious_from=detected.date() - dt.timedelta(days=2),
                is_demo=True,
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    roots = list(
        Case.objects.filter(status=CaseStatus.ACTIVE).order_by("detected_at", "id").values_list("id", "person_id")
    )

    # Classifications: the multi-source breadth-first walk recompute_all makes (roots in detection order,
    # edges in id order, first reached wins).
    depth = max_level()
    level = array("b", [-1]) * (n + 1)
    root_of = array("i", bytes(4 * (n + 1)))
    via = array("i", bytes(4 * (n + 1)))
    parent = array("i", bytes(4 * (n + 1)))
    queue: deque[int] = deque()
    for case_id, person in roots:
        if level[person] < 0:
            level[person], root_of[person] = 0, case_id
            queue.append(person)
    while queue:
        src = queue.popleft()
        if level[src] >= depth:
            continue
        for e in range(offsets[src], offsets[src + 1]):
            dst = dst_of[e]
            if level[dst] < 0:
                level[dst], root_of[dst], via[dst], parent[dst] = level[src] + 1, root_of[src], e + 1, src
                queue.append(dst)
    class_columns = ["person_id", "created_at", "updated_at", "unit_path", "level", "root_case_id", "via_id", "path"]
    class_columns += ["exposure_at", "level_since", "trace_status"]
    classified = 0
    for person in range(1, n + 1):
        if level[person] < 0:
            continue
        path = [person]
        while level[path[-1]] > 0:
            path.append(parent[path[-1]])
        path.reverse()
        exposure = db_times[exposure_of[via[person] - 1]] if via[person] else None
        rows.append(
            (
                person,
                db_now,
                db_now,
                communes[unit_of[person]].path,
                level[person],
                root_of[person],
                via[person] or None,
                json.dumps(path),
                exposure,
                db_now,
                TraceStatus.PENDING,
            )
        )
        classified += 1
        if len(rows) == 50_000:
            _insert(Classification, class_columns, rows)
            rows = []
    _insert(Classification, class_columns, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for model in (Person, Contact, Classification):
                table = model._meta.db_table
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    log(f"{len(roots):,} F0, {classified:,} classified")
    return {"generated_seconds": round(time.perf_counter() - started, 1), "reused": False}


def analyze() -> float:
    started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA optimize")
    return round(time.perf_counter() - started, 1)


# --- Timing -------------------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def cte_levels(seed_sql: str, params: list[Any], depth: int) -> dict[int, int]:
    """The peer: every person within `depth` qualifying edges of the seeds, with the shortest distance."""
    contact = Contact._meta.db_table
    sql = (
        f"WITH RECURSIVE reach(pid, lvl) AS ({seed_sql} UNION "
        f"SELECT c.contact_person_id, r.lvl + 1 FROM reach r JOIN {contact} c ON c.source_person_id = r.pid "
        f"AND c.is_active AND c.qualifies WHERE r.lvl < %s) SELECT pid, MIN(lvl) FROM reach GROUP BY pid"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, depth])
        return dict(cur.fetchall())


def active_f0_sql() -> str:
    return f"SELECT person_id, 0 FROM {Case._meta.db_table} WHERE status = 'active' AND person_id IS NOT NULL"


def stored_levels() -> dict[int, int]:
    return dict(Classification.objects.exclude(level=None).values_list("person_id", "level").iterator(50_000))


def new_case(person_id: int, number: str) -> Case:
    person = Person.objects.get(pk=person_id)
    now = timezone.now()
    return Case.objects.create(
        number=number,
        person=person,
        unit_id=person.unit_id,
        unit_path=person.unit_path,
        detection_way=DetectionWay.QUARANTINE,
        detected_at=now,
        reported_at=now,
        sample_date=now.date(),
        infectious_from=now.date() - dt.timedelta(days=2),
        is_demo=True,
    )


def bench_upgrade(rng: random.Random, f1: list[int]) -> tuple[dict[str, Any], list[int]]:
    """An F1 turns F0: case_report's propagate, each sample rolled back."""
    samples: list[float] = []
    changed: list[int] = []
    picks = rng.sample(f1, min(SIZE["samples"], len(f1)))
    for i, pid in enumerate(picks):
        with transaction.atomic():
            case = new_case(pid, f"BENCH{i}")
            ms, outcome = timed(
                lambda pid=pid, case=case: levels.propagate(
                    {pid: levels.State(0, case.pk, None, [pid], None)},
                    cause=LevelCause.CASE_REPORTED,
                    reason=f"Ca F0 {case.number} được xác nhận",
                    case=case,
                )
            )
            transaction.set_rollback(True)
        samples.append(ms)
        changed.append(len(outcome.changed))
    ordered = sorted(changed)
    return summary(samples) | {
        "people_changed_median": statistics.median(ordered),
        "people_changed_max": ordered[-1],
    }, picks


def bench_recompute(depth: int) -> dict[str, Any]:
    reset_peak()
    started = time.perf_counter()
    outcome = levels.recompute_all(reason="Kiểm tra hằng đêm")
    seconds = time.perf_counter() - started
    if outcome.changed:
        raise SystemExit(f"recompute_all changed {len(outcome.changed)} levels of a consistent graph")
    return {"seconds": round(seconds, 3), "levels_changed": len(outcome.changed), "peak_rss_mb": peak_mb()}


def bench_peers(picks: list[int], depth: int, stored: dict[int, int]) -> dict[str, Any]:
    peer: dict[str, Any] = {}
    # Recursive CTE.
    samples = [
        timed(lambda pid=pid: cte_levels("SELECT CAST(%s AS BIGINT), 0", [pid], depth))[0]
        for pid in picks[: SIZE["peer_samples"]]
    ]
    peer["cte_upgrade_reach"] = summary(samples)
    started = time.perf_counter()
    found = cte_levels(active_f0_sql(), [], depth)
    peer["cte_recompute"] = {
        "seconds": round(time.perf_counter() - started, 3),
        "levels_differing_from_ours": sum(1 for p, lvl in found.items() if stored.get(p) != lvl)
        + sum(1 for p in stored if p not in found),
    }
    log(f"CTE peer done: {peer['cte_recompute']}")
    # networkx: load, build, walk.
    reset_peak()
    started = time.perf_counter()
    graph = nx.DiGraph()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT source_person_id, contact_person_id FROM {Contact._meta.db_table} WHERE is_active AND qualifies"
        )
        while rows := cur.fetchmany(100_000):
            graph.add_edges_from(rows)
    build = time.perf_counter() - started
    sources = list(Case.objects.filter(status=CaseStatus.ACTIVE).values_list("person_id", flat=True))
    started = time.perf_counter()
    reached: dict[int, int] = {}
    for distance, layer in enumerate(nx.bfs_layers(graph, [s for s in sources if s in graph])):
        if distance > depth:
            break
        for node in layer:
            reached[node] = distance
    walk = time.perf_counter() - started
    for s in sources:
        reached.setdefault(s, 0)
    peer["networkx_recompute"] = {
        "seconds": round(build + walk, 3),
        "load_and_build_seconds": round(build, 2),
        "bfs_seconds": round(walk, 2),
        "levels_differing_from_ours": sum(1 for p, lvl in reached.items() if stored.get(p) != lvl)
        + sum(1 for p in stored if p not in reached),
        "peak_rss_mb": peak_mb(),
    }
    samples = [
        timed(lambda pid=pid: nx.single_source_shortest_path_length(graph, pid, cutoff=depth))[0]
        for pid in picks[: SIZE["peer_samples"]]
    ]
    peer["networkx_upgrade_reach"] = summary(samples)
    log(f"networkx peer done: {peer['networkx_recompute']}")
    return peer


def pick_cluster(rng: random.Random) -> tuple[Cluster, int] | None:
    """A cluster of F0 whose chains hold at most SIZE['cluster'] nodes (the F0 and everyone classified from
    them), filled up close to it."""
    roots = list(
        Classification.objects.exclude(level=None).values_list("root_case_id").annotate(n=Count("id")).order_by()
    )
    rng.shuffle(roots)
    chosen: list[int] = []
    total = 0
    for case_id, count in roots:
        if total + count <= SIZE["cluster"]:
            chosen.append(case_id)
            total += count
    if not chosen:
        return None
    first = Case.objects.get(pk=chosen[0])
    cluster, _ = Cluster.objects.get_or_create(
        unit_id=first.unit_id,
        name="Ổ dịch bench",
        defaults={"unit_path": first.unit_path, "opened_on": first.detected_at.date()},
    )
    Case.objects.filter(cluster=cluster).update(cluster=None)
    Case.objects.filter(pk__in=chosen).update(cluster=cluster)
    return cluster, total


def main() -> None:
    wall = time.perf_counter()
    drop_pg_schema()
    call_command("migrate", verbosity=0)
    log(f"{connection.vendor}, size {SIZE_NAME}: setting up Lai Châu")
    communes = communes_of_province()
    reset_peak()
    generation = generate(communes) | {"peak_rss_mb": peak_mb()}
    analyze_seconds = analyze()
    depth = max_level()
    stored = stored_levels()
    log(f"data ready ({generation}); analyze {analyze_seconds}s; {len(stored):,} classified")
    rng = random.Random(7)
    f1 = [p for p, lvl in stored.items() if lvl == 1]

    ours: dict[str, Any] = {}
    reset_peak()
    ours["upgrade_f1_to_f0"], picks = bench_upgrade(rng, f1)
    ours["upgrade_f1_to_f0"]["peak_rss_mb"] = peak_mb()
    log(f"upgrade done: {ours['upgrade_f1_to_f0']}")
    ours["recompute_all"] = bench_recompute(depth)
    log(f"recompute done: {ours['recompute_all']}")
    peer = bench_peers(picks, depth, stored)

    graph_result: dict[str, Any] | None = None
    try:
        cases_graph: Any = importlib.import_module("chihuy.cases.graph")
    except ImportError:
        cases_graph = None
    if cases_graph is not None and hasattr(cases_graph, "cluster_graph"):
        graph_result = bench_cluster_graph(rng, cases_graph)
        log(f"cluster graph done: {graph_result}")
    else:
        log("chihuy/cases/graph.py has no cluster_graph: not measured")

    up, rec = ours["upgrade_f1_to_f0"], ours["recompute_all"]
    ratios = {
        "upgrade_cte_over_ours": {
            "median": round(peer["cte_upgrade_reach"]["median_ms"] / max(up["median_ms"], 0.01), 3),
            "p95": round(peer["cte_upgrade_reach"]["p95_ms"] / max(up["p95_ms"], 0.01), 3),
        },
        "upgrade_networkx_over_ours": {
            "median": round(peer["networkx_upgrade_reach"]["median_ms"] / max(up["median_ms"], 0.01), 3),
            "p95": round(peer["networkx_upgrade_reach"]["p95_ms"] / max(up["p95_ms"], 0.01), 3),
        },
        "recompute_cte_over_ours": round(peer["cte_recompute"]["seconds"] / max(rec["seconds"], 0.01), 3),
        "recompute_networkx_over_ours": round(peer["networkx_recompute"]["seconds"] / max(rec["seconds"], 0.01), 3),
    }
    targets: dict[str, bool | None] = {
        "upgrade_p95_lt_200ms": up["p95_ms"] < TARGET_UPGRADE_P95_MS,
        "recompute_lt_60s": rec["seconds"] < TARGET_RECOMPUTE_S,
        "cluster_graph_lt_1s": graph_result["total"]["p95_ms"] < TARGET_GRAPH_S * 1000 if graph_result else None,
    }
    result = {
        "bench": "tracing_graph",
        "size": SIZE_NAME,
        "database": connection.vendor,
        "database_version": connection.pg_version
        if connection.vendor == "postgresql"
        else __import__("sqlite3").sqlite_version,
        "database_settings": database_settings(),
        "sizes": {
            "people": Person.objects.count(),
            "contacts": Contact.objects.count(),
            "active_f0": Case.objects.filter(status=CaseStatus.ACTIVE).count(),
            "classified": len(stored),
            "by_level": {str(k): v for k, v in sorted(_count_levels(stored).items())},
            "max_level": depth,
            "samples_per_operation": SIZE["samples"],
            "peer_samples_per_operation": SIZE["peer_samples"],
        },
        "setup": generation | {"analyze_seconds": analyze_seconds},
        "ours": ours,
        "cluster_graph": graph_result,
        "peers": "networkx 3 (DiGraph loaded from the contact table, bfs_layers / single_source_shortest_path_length "
        "to the policy depth) and a recursive CTE (WITH RECURSIVE over active qualifying contacts, MIN level per "
        "person); both compute levels only: no comparison with stored levels, no write",
        "peer_results": peer,
        "ratios_peer_over_ours": ratios,
        "targets_met": targets,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result, ensure_ascii=False))


def database_settings() -> dict[str, str]:
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        names = ["shared_buffers", "work_mem", "fsync", "synchronous_commit"]
        return {name: _show(cur, name) for name in names}


def _show(cur: Any, name: str) -> str:
    cur.execute("SELECT current_setting(%s)", [name])
    return str(cur.fetchone()[0])


def _count_levels(stored: dict[int, int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for lvl in stored.values():
        counts[lvl] = counts.get(lvl, 0) + 1
    return counts


def bench_cluster_graph(rng: random.Random, cases_graph: Any) -> dict[str, Any] | None:
    """cluster_graph of a ~SIZE['cluster']-node cluster as the API asks it (its node limit), read by a
    provincial health officer; the JSON the API sends (graph_json) timed separately."""
    picked = pick_cluster(rng)
    if picked is None:
        return None
    cluster, expected = picked
    root = Unit.objects.get(parent__isnull=True, code="12")
    actor = User.objects.filter(username="bench-tinh").first() or user_create(
        actor=None, username="bench-tinh", password="Bench-Pass-2021!", unit=root, roles=[Role.HEALTH_OFFICER]
    )
    limit = max(cases_graph.graph_limit("api"), SIZE["cluster"])
    samples: list[float] = []
    json_samples: list[float] = []
    payload: Any = None
    for _ in range(SIZE["graph_samples"]):
        ms, payload = timed(lambda: cases_graph.cluster_graph(actor=actor, cluster=cluster, max_nodes=limit))
        samples.append(ms)
        json_samples.append(timed(lambda payload=payload: cases_graph.graph_json(payload))[0])
    if payload.truncated:
        raise SystemExit(f"cluster graph refused: {payload.message}")
    total = [a + b for a, b in zip(samples, json_samples, strict=True)]
    return {
        "nodes": len(payload.nodes),
        "edges": len(payload.edges),
        "expected_nodes": expected,
        "node_limit": limit,
        "cluster_graph": summary(samples),
        "json": summary(json_samples),
        "total": summary(total),
    }


if __name__ == "__main__":
    main()
