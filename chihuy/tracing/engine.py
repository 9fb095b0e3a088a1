"""The exposure engine: who was at the same venue around the same time as an F0.

A visit is [t_in, t_out] in minutes. An exposed check-in c of a source visit f (same venue) is one whose presence
falls inside f's time widened by the policy's window W, for at least the policy's minimum:

    near(c, f) = min(c.out, f.out + W) − max(c.in, f.in − W) ≥ min_overlap

Because every visit is at most D minutes long (the longest dwell any rule allowed), c.in lies in
[f.in − W − D, f.out + W]: with the venue fixed this is a one-sided range on the check-in time, answered by range
scans of the (venue, t_in, t_out, visitor) index (covering: the table is never read). The source visits go to
the database as a VALUES list joined to the check-ins, 500 at a time, so a thousand F0 cost a few statements,
not twenty thousand. The exact test (and `overlap`, the minutes actually together) is done here, in Python.

`brute_force` is the same definition by plain enumeration: the reference the tests and the benchmark assert
against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection

from chihuy.tracing.models import CheckIn

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Visit:
    """A check-in of a source person (an F0, or whoever is looked up). `source` is the source person's id."""

    source: int
    visitor: int
    venue: int
    t_in: int
    t_out: int


@dataclass(frozen=True, slots=True)
class Hit:
    """A check-in of `visitor` near the source's visit."""

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
    [from, to] (minutes). One statement per 500 visitors, on the (visitor, t_in) index."""
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
        rows = CheckIn.objects.filter(visitor_id__in=chunk, t_in__gte=lo, t_in__lte=hi).values_list(
            "visitor_id", "venue_id", "t_in", "t_out"
        )
        for visitor, venue, t_in, t_out in rows:
            for source in owner[visitor]:
                w_from, w_to = windows[source]
                if w_from <= t_in <= w_to:
                    found.append(Visit(source, visitor, venue, t_in, t_out))
    found.sort(key=lambda v: (v.source, v.t_in, v.venue))
    return found


def _hit(f: Visit, visitor: int, c_in: int, c_out: int, window: int, min_overlap: int) -> Hit | None:
    near = min(c_out, f.t_out + window) - max(c_in, f.t_in - window)
    if near < min_overlap:
        return None
    overlap = max(0, min(c_out, f.t_out) - max(c_in, f.t_in))
    return Hit(f.source, visitor, f.venue, f.t_in, f.t_out, c_in, c_out, near, overlap)


def _chunks(visits: Sequence[Visit]) -> Iterator[Sequence[Visit]]:
    for start in range(0, len(visits), CHUNK):
        yield visits[start : start + CHUNK]


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
    hits: list[Hit] = []
    with connection.cursor() as cur:
        for chunk in _chunks(visits):
            marks = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            params: list[int] = []
            for k, f in enumerate(chunk):
                params += [
                    k,
                    f.venue,
                    f.t_in - window - max_dwell,
                    f.t_out + window - min_overlap,
                    f.t_in - window + min_overlap,
                ]
            cur.execute(
                f"WITH f(k, venue, lo, hi, reach) AS (VALUES {marks}) "
                f"SELECT f.k, c.visitor_id, c.t_in, c.t_out FROM f JOIN {table} c "
                "ON c.venue_id = f.venue AND c.t_in >= f.lo AND c.t_in <= f.hi WHERE c.t_out >= f.reach",
                params,
            )
            for k, visitor, c_in, c_out in cur.fetchall():
                if visitor in exclude:
                    continue
                hit = _hit(chunk[k], visitor, c_in, c_out, window, min_overlap)
                if hit is not None:
                    hits.append(hit)
    return hits


def aggregate(hits: Iterable[Hit]) -> dict[tuple[int, int], Exposure]:
    """(source, exposed visitor) → the closest hit (most minutes together, then nearest) and the number of hits."""
    result: dict[tuple[int, int], Exposure] = {}
    for hit in hits:
        key = (hit.source, hit.visitor)
        seen = result.get(key)
        if seen is None:
            result[key] = Exposure(hit, 1)
            continue
        seen.visits += 1
        if (hit.overlap, hit.near, -hit.exposed_in) > (seen.best.overlap, seen.best.near, -seen.best.exposed_in):
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
