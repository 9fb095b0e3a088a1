"""Reads of the person registry, always scoped to the reader's jurisdiction."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from chihuy.accounts.access import in_jurisdiction, require_perm, scope_q, view_path
from chihuy.accounts.roles import Perm
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, not_found
from chihuy.core.pagination import Page, decode_cursor, encode_cursor
from chihuy.core.text import fold, name_keys
from chihuy.people.models import Person, PersonNameKey
from chihuy.people.validators import normalize_phone
from chihuy.places.models import Unit


def person_qs(actor: Any, *, within: str | None = None, include_inactive: bool = False) -> QuerySet[Person]:
    qs = Person.objects.filter(scope_q(actor, within=within)).select_related("unit")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def person_get(*, actor: Any, person_id: int, audit: bool = True) -> Person:
    """The person if inside the reader's jurisdiction (merged records too, to show where they went);
    404 otherwise. Every read of a person's record is audited."""
    require_perm(actor, Perm.PERSON_VIEW)
    person = (
        person_qs(actor, include_inactive=True)
        .select_related("unit__parent", "household", "merged_into")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise not_found()
    if audit:
        audit_record(actor=actor, action="view", obj=person)
    return person


def _digits(q: str) -> str:
    return "".join(ch for ch in q if ch.isdigit())


def person_search(
    *, actor: Any, q: str = "", within: str | None = None, cursor: str | None = None, limit: int = 25
) -> Page[Person]:
    """Search by name (diacritics- and case-insensitive, full, middle+given or given name), national ID
    or phone. Keyset-paginated: by name key for names, by id otherwise."""
    require_perm(actor, Perm.PERSON_VIEW)
    limit = max(1, min(limit, 100))
    query = q.strip()
    digits = _digits(query)
    base = person_qs(actor, within=within)
    # A number however it is written ("0912.345.678", "+84 912-345-678"): digits and separators only.
    compact = "".join(ch for ch in query if ch not in " +.-()")
    if query and digits and len(digits) >= 6 and len(digits) >= len(compact) - 1:
        return _search_number(base, query, digits, cursor, limit)
    folded = fold(query)
    if not folded:
        return _page_by_id(base, cursor, limit)
    return _search_name(actor, folded, within, cursor, limit)


def _page_by_id(qs: QuerySet[Person], cursor: str | None, limit: int) -> Page[Person]:
    if cursor:
        (last,) = decode_cursor(cursor, 1)
        qs = qs.filter(pk__lt=int(last))
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor([rows[-1].pk]) if more else None)


NUMBER_CAP = 1000  # people sharing one number (a family phone) listed at most


def _search_number(qs: QuerySet[Person], query: str, digits: str, cursor: str | None, limit: int) -> Page[Person]:
    variants = {digits}
    # The phone as the registry stores it, however it was written ("+84 (0) 912…", "0084 912…").
    with contextlib.suppress(ApplicationError):
        variants.add(normalize_phone(query))
    # Two look-ups, one per partial index, rather than one OR: SQLite uses a partial index only when the query
    # repeats its condition (`national_id <> ''`), and cannot do so inside an OR. Then the area, by id.
    people = Person.objects
    ids = {
        *people.filter(national_id__in=variants).exclude(national_id="").values_list("pk", flat=True)[:NUMBER_CAP],
        *people.filter(phone__in=variants).exclude(phone="").values_list("pk", flat=True)[:NUMBER_CAP],
    }
    return _page_by_id(qs.filter(pk__in=ids), cursor, limit)


# Name keys walked in page order before a search switches to unit-by-unit: a page of a province-wide or
# district-wide search is found well within it; a commune whose few matches lie far apart in name order
# ("nguyen" searched in a Mông commune) is answered from the area-first index instead.
KEY_WALK = 2000
_TOP = "\U0010ffff"  # sorts after every folded key: [prefix, prefix + _TOP) is "starts with prefix"


def _key_sql() -> str:
    """The name key as both indexes hold it (see SearchKey): byte order on both databases."""
    return '("key" COLLATE "C")' if connection.vendor == "postgresql" else '"key"'


def _search_name(actor: Any, folded: str, within: str | None, cursor: str | None, limit: int) -> Page[Person]:
    scope = view_path(actor, within)
    # Over-fetch keys: one person may match on two suffixes ("an an"); inactive ones are dropped.
    want = limit * 2 + 1
    table = PersonNameKey._meta.db_table
    key = _key_sql()
    where = f"{key} >= %s AND {key} < %s"
    params: list[Any] = [folded, folded + _TOP]
    if cursor:
        last_key, last_id = decode_cursor(cursor, 2)
        where += f" AND {key} >= %s AND NOT ({key} = %s AND person_id <= %s)"
        params += [str(last_key), str(last_key), int(last_id)]
    walk = f"SELECT {key} AS k, person_id, unit_path FROM {table} WHERE {where} ORDER BY {key}, person_id LIMIT %s"
    area = scope.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cur:
        # 1. Walk the matching keys in page order (index person_name_key_order), keep those of the area; each
        # row also says how many keys the walk read, so a short page needs no second query to know why.
        cur.execute(
            f"SELECT k, person_id, walked FROM (SELECT k, person_id, unit_path, count(*) OVER () AS walked "
            f"FROM ({walk}) AS w) AS counted WHERE unit_path LIKE %s ESCAPE '\\' ORDER BY k, person_id LIMIT %s",
            [*params, KEY_WALK, area, want],
        )
        rows = cur.fetchall()
        batch: list[tuple[str, int]] = [(k, pid) for k, pid, _walked in rows]
        if len(batch) < want:
            if rows:
                walk_full = rows[0][2] == KEY_WALK
            else:
                cur.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT %s) AS w", [*params, KEY_WALK]
                )
                walk_full = cur.fetchone()[0] == KEY_WALK
            if walk_full:
                # 2. More keys than the walk saw: look them up unit by unit (index person_name_key_unit).
                units = list(Unit.objects.filter(path__under=scope).values_list("path", flat=True))
                marks = ", ".join(["%s"] * len(units))
                cur.execute(
                    f"SELECT {key}, person_id FROM {table} WHERE unit_path IN ({marks}) AND {where} "
                    f"ORDER BY {key}, person_id LIMIT %s",
                    [*units, *params, want],
                )
                batch = cur.fetchall()
    people: list[Person] = []
    seen: set[int] = set()
    last: tuple[str, int] | None = None
    more = False
    ids = [pid for _, pid in batch]
    by_id = {p.pk: p for p in Person.objects.filter(pk__in=ids, is_active=True).select_related("unit")}
    for k, pid in batch:
        if len(people) == limit:
            more = True
            break
        last = (k, pid)
        if pid in seen or pid not in by_id or k != _first_key(by_id[pid].name_folded, folded, k):
            continue
        seen.add(pid)
        people.append(by_id[pid])
    if not more and len(batch) == want:
        more = True
    return Page(items=people, next_cursor=encode_cursor(list(last)) if more and last else None)


def _first_key(name_folded: str, folded: str, default: str) -> str:
    """The first of a person's name keys that starts with the query: a person matching on two keys ("Lò An
    Anh" for "an": "an anh" and "anh") is listed at that one only, so never on two pages."""
    return min((k for k in name_keys(name_folded) if k.startswith(folded)), default=default)


@dataclass
class Candidate:
    person: Person
    reasons: list[str]


@dataclass
class DuplicateCheck:
    candidates: list[Candidate]
    hidden_matches: int  # matches outside the reader's jurisdiction: counted, never shown


def _commune_path(unit_path: str) -> str:
    """The path of the commune containing `unit_path` (villages fold into their commune)."""
    unit = Unit.objects.filter(path=unit_path).only("level", "path").first()
    return unit.commune_path if unit is not None else unit_path


def similar_names(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    if not a or not b:
        return False
    if a == b or (a.split()[-1:] == b.split()[-1:] and SequenceMatcher(None, a, b).ratio() >= 0.6):
        return True
    return SequenceMatcher(None, a, b).ratio() >= 0.85


def duplicate_candidates(
    *,
    actor: Any,
    full_name: str,
    birth_year: int | None,
    national_id: str,
    phone: str,
    unit_path: str,
    exclude_id: int | None = None,
) -> DuplicateCheck:
    """People who are probably the same: same national ID; or same folded name + birth year + commune;
    or same phone + a similar name. Three indexed look-ups."""
    found: dict[int, Candidate] = {}
    hidden: set[int] = set()
    folded = fold(full_name)

    def note(p: Person, reason: str) -> None:
        if p.pk == exclude_id:
            return
        if not in_jurisdiction(actor, p.unit_path):
            hidden.add(p.pk)
            return
        found.setdefault(p.pk, Candidate(person=p, reasons=[])).reasons.append(reason)

    active = Person.objects.filter(is_active=True).select_related("unit")
    # `.exclude(x="")` repeats the partial indexes' condition: without it SQLite does not use them.
    if national_id:
        for p in active.filter(national_id=national_id).exclude(national_id="")[:20]:
            note(p, "national_id")
    if folded and birth_year:
        commune = _commune_path(unit_path) if unit_path else ""
        qs = active.filter(name_folded=folded, birth_year=birth_year)
        if commune:
            qs = qs.filter(unit_path__under=commune)
        for p in qs[:20]:
            note(p, "name_birth_commune")
    if phone:
        for p in active.filter(phone=phone).exclude(phone="")[:20]:
            if similar_names(p.full_name, full_name):
                note(p, "phone_name")
    return DuplicateCheck(candidates=list(found.values()), hidden_matches=len(hidden))


COUNT_CAP = 100_000


def person_count(*, actor: Any, within: str | None = None) -> tuple[int, bool]:
    """People in view, counted up to COUNT_CAP (a province-wide exact count is a full scan): (count, capped)."""
    count = person_qs(actor, within=within).values("pk")[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def person_merge_event(*, actor: Any, person: Person) -> Any:
    """The audit event of the merge that folded `person` into another record and is not undone yet,
    if inside the reader's jurisdiction; None otherwise. The "Hoàn tác gộp" button undoes it."""
    from chihuy.core.models import AuditEvent

    if person.merged_into_id is None:
        return None
    events = AuditEvent.objects.filter(
        scope_q(actor), action="merge", object_type="people.person", object_id=str(person.pk)
    ).order_by("-at", "-id")
    for event in events[:5]:
        if not (event.details or {}).get("undone_by"):
            return event
    return None
