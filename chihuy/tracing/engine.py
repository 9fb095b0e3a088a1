"""The exposure engine: who was at the same venue around the same time as an F0.

A visit is [t_in, t_out] in minutes. An exposed check-in c of a source visit f (same venue) is one whose presence
falls inside f's time widened by the policy's window W, for at least the policy's minimum:

    near(c, f) = min(c.out, f.out + W) − max(c.in, f.in − W) ≥ min_overlap

Because every visit is at most D minutes long (the longest dwell any rule allowed), c.in lies in
[f.in − W − D, f.out + W]: with the venue fixed this is a one-sided range on the check-in time. The index is led by
the check-in's day (times.day_of; see models.CheckIn), so each visit is sent once per day its range covers (one to
three) and each (visit, day) is a range scan of the (day, venue, t_in, t_out, visitor) index (covering: the table is
never read) — the plan DuckDB's best one follows too (a hash join on venue and day). The source visits go to the
database joined to the check-ins — on SQLite a VALUES list, 500 visits at a time; on PostgreSQL arrays unnested,
5,000 at a time, each (visit, day) a LATERAL index-only range scan — so a thousand F0 cost a few statements, not
twenty thousand. The exact test (and `overlap`, the minutes actually together) is in the same statement.

`brute_force` is the same definition by plain enumeration: the reference the tests and the benchmark assert
against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection

from chihuy.core.memory import cycle_gc_paused
from chihuy.tracing.models import CheckIn
from chihuy.tracing.times import DAY

CHUNK = 500
PG_CHUNK = 5000  # visits per statement on PostgreSQL (arrays: no limit of parameters)


@dataclass(frozen=True, slots=True)
class Visit:
    """A check-in of a source person (an F0, or whoever is looked up). `source` is the source person's id."""

    source: int
    visitor: int
    venue: int
    t_in: int
    t_out: int


class Hit(NamedTuple):
    """A check-in of `visitor` near the source's visit. A named tuple, not a frozen dataclass: a batch of F0 makes
    hundreds of thousands, and a tuple is built several times faster."""

    source: int
    visitor: int
    venue: int
    source_in: int
    source_out: int
    exposed_in: int
    exposed_out: int
    near: int  # minutes of presence inside the source's visit ± window
    overlap: int  # minutes actually there together (0 when only within the window)


@dataclass(slots=True)
class Exposure:
    """Everything a source and an exposed visitor had in common: the closest visit and how many."""

    best: Hit
    visits: int


def source_visits(windows: dict[int, tuple[int, int]], visitors: dict[int, set[int]]) -> list[Visit]:
    """The check-ins of each source person (through their visitor records) that start inside their window
    [from, to] (minutes). One statement per 500 visitors, on the (day, visitor, t_in) index."""
    owner: dict[int, list[int]] = {}
    for source, ids in visitors.items():
        for visitor in ids:
            owner.setdefault(visitor, []).append(source)
    found: list[Visit] = []
    ordered = sorted(owner)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        lo = min(windows[s][0] for v in chunk for s in owner[v])
        hi = max(windows[s][1] for v in chunk for s in owner[v])
        rows = (
            CheckIn.objects.starting_between(lo, hi)
            .filter(visitor_id__in=chunk)
            .values_list("visitor_id", "venue_id", "t_in", "t_out")
        )
        for visitor, venue, t_in, t_out in rows:
            for source in owner[visitor]:
                w_from, w_to = windows[source]
                if w_from <= t_in <= w_to:
                    found.append(Visit(source, visitor, venue, t_in, t_out))
    found.sort(key=lambda v: (v.source, v.t_in, v.venue))
    return found


def _chunks(visits: Sequence[Visit], size: int = CHUNK) -> Iterator[Sequence[Visit]]:
    for start in range(0, len(visits), size):
        yield visits[start : start + size]


def near_checkins(
    visits: Sequence[Visit],
    *,
    window: int,
    min_overlap: int,
    max_dwell: int,
    exclude: set[int] | frozenset[int] = frozenset(),
) -> list[Hit]:
    """Every check-in near each visit (see the module docstring), except those of `exclude` (the sources' own
    visitor records). A check-in near two visits of the same source gives two hits; `aggregate` folds them."""
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    postgres = connection.vendor == "postgresql"
    least, greatest = ("LEAST", "GREATEST") if postgres else ("MIN", "MAX")
    # The hit's columns in `Hit`'s order: the exact test, `near` and `overlap` are computed by the database.
    select = (
        f"SELECT f.source, c.visitor_id, f.venue, f.f_in, f.f_out, c.t_in, c.t_out, "
        f"{least}(c.t_out, f.f_out + %(w)s) - {greatest}(c.t_in, f.f_in - %(w)s) AS near, "
        f"{greatest}(0, {least}(c.t_out, f.f_out) - {greatest}(c.t_in, f.f_in)) AS overlap"
    )
    bounds = {"w": window, "m": min_overlap, "d": max_dwell}
    hits: list[Hit] = []
    append = hits.append
    new = tuple.__new__  # a Hit straight from the row, without the named tuple's Python-level __new__
    with cycle_gc_paused(), connection.cursor() as cur:
        for chunk in _chunks(visits, PG_CHUNK if postgres else CHUNK):
            if postgres:
                # Arrays, not a VALUES list of 5 × n parameters (the driver's parsing of those cost more than the
                # scans); LATERAL keeps the plan a nested loop of index-only range scans, one per (visit, day).
                rows = _by_day(chunk, window, min_overlap, max_dwell)
                params: dict[str, Any] = bounds | {
                    "source": [r[0] for r in rows],
                    "venue": [r[1] for r in rows],
                    "f_in": [r[2] for r in rows],
                    "f_out": [r[3] for r in rows],
                    "day": [r[4] for r in rows],
                }
                cur.execute(
                    f"{select} FROM unnest(%(source)s::bigint[], %(venue)s::bigint[], %(f_in)s::int[], "
                    "%(f_out)s::int[], %(day)s::int[]) AS f(source, venue, f_in, f_out, day) CROSS JOIN LATERAL ("
                    f"SELECT c.visitor_id, c.t_in, c.t_out FROM {table} c WHERE (c.t_in / {DAY}) = f.day "
                    "AND c.venue_id = f.venue "
                    "AND c.t_in >= f.f_in - %(w)s - %(d)s AND c.t_in <= f.f_out + %(w)s - %(m)s "
                    "AND c.t_out >= f.f_in - %(w)s + %(m)s) c "
                    f"WHERE {least}(c.t_out, f.f_out + %(w)s) - {greatest}(c.t_in, f.f_in - %(w)s) >= %(m)s",
                    params,
                )
            else:
                values: list[str] = []
                params = dict(bounds)
                for k, (source, venue, f_in, f_out, day) in enumerate(_by_day(chunk, window, min_overlap, max_dwell)):
                    values.append(f"(%(s{k})s, %(v{k})s, %(i{k})s, %(o{k})s, %(d{k})s)")
                    params |= {f"s{k}": source, f"v{k}": venue, f"i{k}": f_in, f"o{k}": f_out, f"d{k}": day}
                cur.execute(
                    f"WITH f(source, venue, f_in, f_out, day) AS (VALUES {', '.join(values)}) "
                    f"{select} FROM f JOIN {table} c ON (c.t_in / {DAY}) = f.day AND c.venue_id = f.venue "
                    "AND c.t_in >= f.f_in - %(w)s - %(d)s AND c.t_in <= f.f_out + %(w)s - %(m)s "
                    "WHERE c.t_out >= f.f_in - %(w)s + %(m)s "
                    f"AND {least}(c.t_out, f.f_out + %(w)s) - {greatest}(c.t_in, f.f_in - %(w)s) >= %(m)s",
                    params,
                )
            for row in cur.fetchall():
                if row[1] not in exclude:
                    append(new(Hit, row))
    return hits


def _by_day(
    visits: Sequence[Visit], window: int, min_overlap: int, max_dwell: int
) -> list[tuple[int, int, int, int, int]]:
    """Each visit once per day bucket its range of check-in times [in − W − D, out + W − m] covers: (source, venue,
    in, out, day). A check-in belongs to one day, so no hit comes twice."""
    rows = []
    for f in visits:
        first, last = (f.t_in - window - max_dwell) // DAY, (f.t_out + window - min_overlap) // DAY
        for day in range(first, last + 1):
            rows.append((f.source, f.venue, f.t_in, f.t_out, day))
    return rows


def aggregate(hits: Iterable[Hit]) -> dict[tuple[int, int], Exposure]:
    """(source, exposed visitor) → the closest hit (most minutes together, then nearest) and the number of hits."""
    result: dict[tuple[int, int], Exposure] = {}
    get = result.get
    with cycle_gc_paused():
        for hit in hits:
            key = (hit[0], hit[1])  # (source, visitor): by index, the named fields cost an attribute lookup each
            seen = get(key)
            if seen is None:
                result[key] = Exposure(hit, 1)
                continue
            seen.visits += 1
            best = seen.best
            if (hit[8], hit[7], -hit[5]) > (best[8], best[7], -best[5]):  # overlap, near, earliest exposed_in
                seen.best = hit
    return result


def sources_per_visitor(exposures: dict[tuple[int, int], Exposure]) -> dict[int, int]:
    """How many distinct sources each exposed visitor was near."""
    counts: dict[int, int] = {}
    for _source, visitor in exposures:
        counts[visitor] = counts.get(visitor, 0) + 1
    return counts


def brute_force(
    visits: Iterable[Visit],
    checkins: Iterable[tuple[int, int, int, int]],
    *,
    window: int,
    min_overlap: int,
    exclude: set[int] | frozenset[int] = frozenset(),
) -> set[tuple[int, int, int, int, int]]:
    """The reference: every (source, visitor, venue, source t_in, exposed t_in) pair meeting the definition, by
    enumeration over `checkins` = (venue, visitor, t_in, t_out) rows. No index, no range bound, no dwell bound."""
    by_venue: dict[int, list[tuple[int, int, int]]] = {}
    for venue, visitor, t_in, t_out in checkins:
        by_venue.setdefault(venue, []).append((visitor, t_in, t_out))
    found: set[tuple[int, int, int, int, int]] = set()
    for f in visits:
        for visitor, c_in, c_out in by_venue.get(f.venue, ()):
            if visitor in exclude:
                continue
            if min(c_out, f.t_out + window) - max(c_in, f.t_in - window) >= min_overlap:
                found.add((f.source, visitor, f.venue, f.t_in, c_in))
    return found


def as_keys(hits: Iterable[Hit]) -> set[tuple[int, int, int, int, int]]:
    """Hits in `brute_force`'s terms, to compare the two."""
    return {(h.source, h.visitor, h.venue, h.source_in, h.exposed_in) for h in hits}
