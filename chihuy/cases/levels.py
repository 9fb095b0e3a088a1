"""The F-level cascade: every person's level is the shortest chain of qualifying contacts to any active F0.

Three ways in, each writing only what changed, each change kept with its cause and reason (`LevelChange`):

- `propagate`: something got closer to an F0 (a new F0, a new qualifying contact). Levels only go down
  (F2 → F1), so a breadth-first walk from the improved people, layer by layer, touches only their
  neighbourhood up to the policy's depth.
- `withdraw`: an F0 was ruled out or closed, or a contact was removed. Only the people whose chain ran
  through it (same root case, or below the removed edge) can change: they are reset and re-levelled from
  the edges that enter them from outside, the rest of the graph untouched (the textbook decremental
  shortest-path repair).
- `recompute_all`: one multi-source breadth-first walk from every active F0 (a nightly check, or after a
  bulk import), reading only the edges out of the people it reaches.

Reads go straight to `values_list` tuples in chunks; writes are bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection
from django.db.models import Field

from chihuy.cases.enums import ISOLATED_STATUSES, CaseStatus, TraceStatus
from chihuy.cases.models import Case, Classification, Contact, LevelChange
from chihuy.cases.rules import max_level
from chihuy.core import clock
from chihuy.people.models import Person

CHUNK = 5000


@dataclass
class State:
    level: int | None
    root: int | None  # root case id
    via: int | None  # contact id
    path: list[int]
    exposure_at: dt.datetime | None


@dataclass
class Outcome:
    """What a cascade changed: person id → (old level, new level)."""

    changed: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def upgraded(self) -> list[int]:
        return [p for p, (old, new) in self.changed.items() if new is not None and (old is None or new < old)]

    @property
    def downgraded(self) -> list[int]:
        return [p for p, (old, new) in self.changed.items() if old is not None and (new is None or new > old)]


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = list(ids)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _load(person_ids: Iterable[int]) -> dict[int, State]:
    states: dict[int, State] = {}
    for chunk in _chunks(person_ids):
        rows = Classification.objects.filter(person_id__in=chunk).values_list(
            "person_id", "level", "root_case_id", "via_id", "path", "exposure_at"
        )
        for pid, level, root, via, path, exposure_at in rows:
            states[pid] = State(level, root, via, list(path or []), exposure_at)
    return states


def _edges_out(sources: Iterable[int]) -> list[tuple[int, int, int, dt.datetime]]:
    edges: list[tuple[int, int, int, dt.datetime]] = []
    for chunk in _chunks(sources):
        edges.extend(
            Contact.objects.filter(source_person_id__in=chunk, is_active=True, qualifies=True).values_list(
                "id", "source_person_id", "contact_person_id", "exposure_at"
            )
        )
    return edges


def _better(new: State, old: State | None) -> bool:
    return old is None or old.level is None or (new.level is not None and new.level < old.level)


def propagate(
    seeds: dict[int, State],
    *,
    cause: str,
    reason: str,
    case: Case | None = None,
    on: dt.date | None = None,
    case_of_root: bool = False,
) -> Outcome:
    """Apply `seeds` (person id → proposed state) where they improve a level, then walk outwards. With many new
    F0 as seeds at once, `case_of_root` records on each change the case its new chain starts from."""
    depth = max_level(on)
    current = _load(seeds)
    updates: dict[int, State] = {}
    frontier: dict[int, State] = {}
    for pid, state in seeds.items():
        if _better(state, current.get(pid)):
            updates[pid] = state
            frontier[pid] = state
    while frontier:
        proposals: dict[int, State] = {}
        for edge_id, src, dst, exposure_at in _edges_out(frontier):
            parent = frontier[src]
            assert parent.level is not None
            level = parent.level + 1
            if level > depth or dst in parent.path:
                continue
            candidate = State(level, parent.root, edge_id, [*parent.path, dst], exposure_at)
            known = proposals.get(dst)
            if known is None or (known.level, known.exposure_at) > (level, exposure_at):
                proposals[dst] = candidate
        known_states = _load(pid for pid in proposals if pid not in updates)
        frontier = {}
        for pid, candidate in proposals.items():
            old = updates.get(pid) or known_states.get(pid)
            if _better(candidate, old):
                updates[pid] = candidate
                frontier[pid] = candidate
    return _write(updates, cause=cause, reason=reason, case=case, case_of_root=case_of_root)


def withdraw(
    affected: set[int], *, cause: str, reason: str, case: Case | None = None, on: dt.date | None = None
) -> Outcome:
    """Re-level the people of `affected` (whose chain ran through what was removed) from outside."""
    if not affected:
        return Outcome()
    depth = max_level(on)
    # Seeds: people in the set who are themselves active F0, and edges entering the set from outside.
    seeds: dict[int, State] = {}
    for chunk in _chunks(affected):
        for case_id, pid in (
            Case.objects.filter(person_id__in=chunk, status=CaseStatus.ACTIVE)
            .order_by("detected_at", "id")
            .values_list("id", "person_id")
        ):
            seeds.setdefault(pid, State(0, case_id, None, [pid], None))
    entering: list[tuple[int, int, int, dt.datetime]] = []
    internal: dict[int, list[tuple[int, int, dt.datetime]]] = {}
    for chunk in _chunks(affected):
        for edge_id, src, dst, exposure_at in Contact.objects.filter(
            contact_person_id__in=chunk, is_active=True, qualifies=True
        ).values_list("id", "source_person_id", "contact_person_id", "exposure_at"):
            if src in affected:
                internal.setdefault(src, []).append((edge_id, dst, exposure_at))
            else:
                entering.append((edge_id, src, dst, exposure_at))
    outside = _load({src for _e, src, _d, _x in entering})
    for edge_id, src, dst, exposure_at in entering:
        parent = outside.get(src)
        if parent is None or parent.level is None or parent.level + 1 > depth or dst in parent.path:
            continue
        candidate = State(parent.level + 1, parent.root, edge_id, [*parent.path, dst], exposure_at)
        if _better(candidate, seeds.get(dst)):
            seeds[dst] = candidate
    # Unit weights: a breadth-first walk in level order from the seeds, inside the set only.
    result: dict[int, State] = {}
    buckets: dict[int, list[int]] = {}
    for pid, state in seeds.items():
        buckets.setdefault(state.level or 0, []).append(pid)
    best = dict(seeds)
    for level in range(depth + 1):
        for pid in buckets.get(level, []):
            if pid in result or best[pid].level != level:
                continue
            result[pid] = best[pid]
            if level + 1 > depth:
                continue
            for edge_id, dst, exposure_at in internal.get(pid, []):
                if dst in result or dst in best[pid].path:
                    continue
                candidate = State(level + 1, best[pid].root, edge_id, [*best[pid].path, dst], exposure_at)
                if _better(candidate, best.get(dst)):
                    best[dst] = candidate
                    buckets.setdefault(level + 1, []).append(dst)
    updates = {pid: result.get(pid, State(None, None, None, [], None)) for pid in affected}
    return _write(updates, cause=cause, reason=reason, case=case)


def descendants_of_case(case: Case) -> set[int]:
    return set(Classification.objects.filter(root_case=case).values_list("person_id", flat=True))


def descendants_of_edge(contact: Contact) -> set[int]:
    """The people whose chain runs through this edge: its target if it came that way, and all below."""
    start = set(
        Classification.objects.filter(person_id=contact.contact_person_id, via=contact).values_list(
            "person_id", flat=True
        )
    )
    found = set(start)
    frontier = start
    while frontier:
        nxt: set[int] = set()
        for chunk in _chunks(frontier):
            nxt.update(
                Classification.objects.filter(via__source_person_id__in=chunk)
                .exclude(level=None)
                .values_list("person_id", flat=True)
            )
        frontier = nxt - found
        found |= frontier
    return found


def recompute_all(*, reason: str, on: dt.date | None = None, progress: Any = None) -> Outcome:
    """One multi-source breadth-first walk from every active F0; writes only the differences.

    The walk goes level by level, reading only the edges out of the people it reaches below the policy's
    depth (chunked look-ups on the partial index of active qualifying edges), never the whole contact table:
    on a million people with five million edges and some thousands of F0 that is a few hundred thousand
    edges. Roots in detection order, each person's edges in id order: the first to reach a person wins."""
    depth = max_level(on)
    roots: dict[int, int] = {}
    for case_id, pid in (
        Case.objects.filter(status=CaseStatus.ACTIVE, person__isnull=False)
        .order_by("detected_at", "id")
        .values_list("id", "person_id")
    ):
        roots.setdefault(pid, case_id)
    result: dict[int, State] = {pid: State(0, case_id, None, [pid], None) for pid, case_id in roots.items()}
    frontier = list(result)
    for level in range(1, depth + 1):
        if not frontier:
            break
        out: dict[int, list[tuple[int, int]]] = {}
        for chunk in _chunks(frontier):
            for edge_id, src, dst in Contact.objects.filter(
                source_person_id__in=chunk, is_active=True, qualifies=True
            ).values_list("id", "source_person_id", "contact_person_id"):
                out.setdefault(src, []).append((edge_id, dst))
        reached: list[int] = []
        for pid in frontier:
            parent = result[pid]
            for edge_id, dst in sorted(out.get(pid, ())):
                if dst not in result:
                    result[dst] = State(level, parent.root, edge_id, [*parent.path, dst], None)
                    reached.append(dst)
        frontier = reached
    # Only what decides a difference is read back: no path, no exposure time.
    stored: dict[int, tuple[int | None, int | None, int | None]] = {
        pid: (level, root, via)
        for pid, level, root, via in Classification.objects.exclude(level=None)
        .values_list("person_id", "level", "root_case_id", "via_id")
        .iterator(chunk_size=20_000)
    }
    updates: dict[int, State] = {}
    for pid, state in result.items():
        if stored.get(pid) != (state.level, state.root, state.via):
            updates[pid] = state
    # Exposure times only of the edges written (not parsed for every edge walked).
    by_edge = {state.via: state for state in updates.values() if state.via is not None}
    for chunk in _chunks(by_edge):
        for edge_id, exposure_at in Contact.objects.filter(pk__in=chunk).values_list("id", "exposure_at"):
            by_edge[edge_id].exposure_at = exposure_at
    for pid in stored.keys() - result.keys():
        updates[pid] = State(None, None, None, [], None)
    return _write(updates, cause="recompute", reason=reason, case=None)


_UPDATED = ["level", "root_case", "via", "path", "exposure_at", "level_since", "trace_status", "updated_at"]


def _update(rows: list[Classification]) -> None:
    """One UPDATE by primary key per row, sent as one batch (psycopg pipelines it; SQLite runs it in process).
    bulk_update's CASE WHEN over every field costs O(rows × fields) expressions to build and to run."""
    if not rows:
        return
    fields = [cast("Field[Any, Any]", Classification._meta.get_field(name)) for name in _UPDATED]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {qn(Classification._meta.db_table)} SET {sets} WHERE id = %s"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(
                sql,
                [
                    [*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields), row.pk]
                    for row in rows[start : start + CHUNK]
                ],
            )


def _write(
    updates: dict[int, State], *, cause: str, reason: str, case: Case | None, case_of_root: bool = False
) -> Outcome:
    now = clock.now()
    outcome = Outcome()
    existing = {
        c.person_id: c for chunk in _chunks(updates) for c in Classification.objects.filter(person_id__in=chunk)
    }
    new_ids = [pid for pid in updates if pid not in existing]
    paths: dict[int, str] = {}
    for chunk in _chunks(new_ids):
        paths.update(Person.objects.filter(pk__in=chunk).values_list("pk", "unit_path"))
    to_create: list[Classification] = []
    to_update: list[Classification] = []
    for pid, state in updates.items():
        row = existing.get(pid)
        old_level = row.level if row is not None else None
        if row is None:
            if state.level is None:
                continue
            row = Classification(person_id=pid, unit_path=paths.get(pid, ""), trace_status=TraceStatus.PENDING)
            to_create.append(row)
        else:
            same = (row.level, row.root_case_id, row.via_id, row.path) == (
                state.level,
                state.root,
                state.via,
                state.path,
            )
            if same:
                continue
            to_update.append(row)
            closer = state.level is not None and (old_level is None or state.level < old_level)
            if closer and row.trace_status not in ISOLATED_STATUSES:
                row.trace_status = TraceStatus.PENDING  # closer to an F0: a new task for the tracers
        if old_level != state.level:
            outcome.changed[pid] = (old_level, state.level)
            row.level_since = now
        elif row.pk is None:
            row.level_since = now
        row.level = state.level
        row.root_case_id = state.root
        row.via_id = state.via
        row.path = state.path
        row.exposure_at = state.exposure_at
        row.updated_at = now
    for start in range(0, len(to_create), CHUNK):
        Classification.objects.bulk_create(to_create[start : start + CHUNK])
    _update(to_update)
    by_person = {row.person_id: row for row in (*to_create, *to_update)}
    changes = [
        LevelChange(
            classification_id=by_person[pid].pk,
            at=now,
            from_level=old,
            to_level=new,
            cause=cause,
            case_id=updates[pid].root if case_of_root and new is not None else (case.pk if case else None),
            reason=reason[:400],
        )
        for pid, (old, new) in outcome.changed.items()
    ]
    for start in range(0, len(changes), CHUNK):
        LevelChange.objects.bulk_create(changes[start : start + CHUNK])
    return outcome
