"""Results: the one check of a result against its tube (used by the form and by every row of a file), the
bulk application of checked results, and their effects inside the labs domain — follow-up tubes for the people
of a positive pool, the people and the commune told through the outbox. Individual positives are returned to
`response`, which turns them into F0 reports (labs does not know cases)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.labs import policies
from chihuy.labs.enums import (
    RESULT_TRANSITIONS,
    Result,
    SampleKind,
    SampleStatus,
    TargetReason,
    TargetStatus,
    TestMethod,
)
from chihuy.labs.models import Campaign, CampaignTarget, Sample, SampleMember
from chihuy.labs.services._common import commune_recipients, lab_ids_of, lab_recipients, require_lab_member
from chihuy.notify.services import BulkItem, message_enqueue_many
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

_CHUNK = 1000

# What lab machines and people write for "no Ct": treated as empty.
_NO_CT = {"", "-", "--", "n/a", "na", "nd", "undetermined", "undet", "undet.", "khong phat hien", "không phát hiện"}

RESULT_WORDS = {
    "positive": Result.POSITIVE,
    "pos": Result.POSITIVE,
    "duong tinh": Result.POSITIVE,
    "dương tính": Result.POSITIVE,
    "+": Result.POSITIVE,
    "negative": Result.NEGATIVE,
    "neg": Result.NEGATIVE,
    "am tinh": Result.NEGATIVE,
    "âm tính": Result.NEGATIVE,
    "-": Result.NEGATIVE,
    "inconclusive": Result.INCONCLUSIVE,
    "khong xac dinh": Result.INCONCLUSIVE,
    "không xác định": Result.INCONCLUSIVE,
    "invalid": Result.INCONCLUSIVE,
}


@dataclass
class ResultInput:
    """One result to record: from the form, or one row of a file (`row` is its number there)."""

    code: str
    result: str
    ct_values: dict[str, float] = field(default_factory=dict)
    pool_size: int | None = None
    note: str = ""
    row: int | None = None


@dataclass
class Positive:
    """An individual positive (a single tube): `response` decides whether it makes an F0."""

    sample_id: int
    code: str
    person_id: int
    test_method: str
    collected_at: dt.datetime
    ct_min: float | None
    campaign_kind: str | None
    unit_path: str


@dataclass
class Effects:
    changed_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    positives: list[Positive] = field(default_factory=list)
    follow_ups: int = 0
    notified: int = 0


def parse_result(raw: str) -> str | None:
    from chihuy.core.text import fold

    text = " ".join(str(raw or "").strip().lower().split())
    return RESULT_WORDS.get(text) or RESULT_WORDS.get(fold(text)) or (text if text in Result.values else None)


def parse_ct(
    raw: Mapping[str, Any], *, on: dt.date | None = None, rule: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """Ct per gene from {gene: text or number}; empty markers dropped; unknown genes and values out of the
    policy's range raise with the field `ct.<gene>`. A file passes the rule it read once (`rule`)."""
    rule = rule if rule is not None else policies.ct_rule(on)
    genes = {str(g).lower(): str(g) for g in rule["genes"]}
    low, high = float(rule["min"]), float(rule["max"])
    out: dict[str, float] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and value.strip().lower() in _NO_CT):
            continue
        gene = genes.get(str(key).strip().lower())
        if gene is None:
            raise ApplicationError.field(
                f"ct.{key}",
                _("Gen “%(g)s” không có trong danh mục: %(all)s.") % {"g": key, "all": ", ".join(genes.values())},
            )
        try:
            number = float(str(value).replace(",", ".")) if not isinstance(value, int | float) else float(value)
        except ValueError:
            raise ApplicationError.field(
                f"ct.{gene}", _("Ct gen %(g)s “%(v)s” không phải số.") % {"g": gene, "v": value}
            ) from None
        if math.isnan(number) or not low < number <= high:
            raise ApplicationError.field(
                f"ct.{gene}",
                _("Ct gen %(g)s = %(v)s ngoài khoảng %(lo)s–%(hi)s.") % {"g": gene, "v": value, "lo": low, "hi": high},
            )
        out[gene] = round(number, 2)
    return out


@dataclass
class _Tube:
    """The fields of a tube the check needs (read in bulk for files)."""

    id: int
    code: str
    status: str
    result: str
    lab_id: int | None
    kind: str
    test_method: str
    members: int


def check_result(tube: _Tube, item: ResultInput, lab_ids: set[int]) -> tuple[str, str] | None:
    """None if the result may be applied; ("unchanged", "") if the tube already has this very result; else
    (field, message) naming what is wrong. The same check for a form and for every row of a file."""
    if tube.lab_id is None or tube.lab_id not in lab_ids:
        return ("code", _("Không có mẫu %(c)s trong các mẫu gửi đến phòng xét nghiệm.") % {"c": item.code})
    if tube.test_method != TestMethod.RT_PCR:
        return ("code", _("Mẫu %(c)s là test nhanh, đã có kết quả tại chỗ.") % {"c": item.code})
    if tube.status in (SampleStatus.COLLECTED, SampleStatus.SHIPPED):
        return ("code", _("Mẫu %(c)s chưa được nhận tại phòng xét nghiệm (quét nhận trước).") % {"c": item.code})
    if item.result not in (Result.POSITIVE, Result.NEGATIVE, Result.INCONCLUSIVE):
        return ("result", _("Kết quả phải là dương tính, âm tính hoặc không xác định."))
    if item.pool_size is not None and item.pool_size != tube.members:
        kind = _("gộp %(n)s") % {"n": tube.members} if tube.kind == SampleKind.POOLED else _("đơn")
        return (
            "pool_size",
            _("Mẫu %(c)s là mẫu %(k)s; tệp ghi %(m)s mẫu.") % {"c": item.code, "k": kind, "m": item.pool_size},
        )
    if item.result == Result.NEGATIVE and item.ct_values:
        return ("ct", _("Mẫu âm tính không ghi giá trị Ct."))
    if tube.result == item.result:
        return ("unchanged", "")
    if item.result not in RESULT_TRANSITIONS[tube.result]:
        return (
            "result",
            _("Mẫu %(c)s đã có kết quả %(a)s; không đổi thành %(b)s (lấy mẫu mới để xét nghiệm lại).")
            % {"c": item.code, "a": Result(tube.result).label.lower(), "b": Result(item.result).label.lower()},
        )
    return None


def tubes_by_code(codes: Sequence[str]) -> dict[str, _Tube]:
    """The tubes of these codes with their member counts, read in chunks."""
    found: dict[str, _Tube] = {}
    codes = list(codes)
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        rows = Sample.objects.filter(code__in=chunk).values_list(
            "pk", "code", "status", "result", "lab_id", "kind", "test_method"
        )
        tubes = {r[0]: r for r in rows}
        counts: dict[int, int] = {}
        for sample_id in SampleMember.objects.filter(sample_id__in=list(tubes)).values_list("sample_id", flat=True):
            counts[sample_id] = counts.get(sample_id, 0) + 1
        for pk, code, status, result, lab_id, kind, method in tubes.values():
            found[code] = _Tube(pk, code, status, result, lab_id, kind, method, counts.get(pk, 0))
    return found


def apply_results(*, actor: Any, checked: Sequence[tuple[_Tube, ResultInput]], source: str) -> Effects:
    """Write checked results in bulk (one UPDATE per chunk of plain negatives; the others one by one in a bulk
    update) and run their effects. Callers hold the transaction."""
    now = clock.now()
    effects = Effects()
    plain: list[int] = []
    detailed: list[Sample] = []
    for tube, item in checked:
        effects.changed_ids.append(tube.id)
        if item.result == Result.NEGATIVE and not item.note:
            plain.append(tube.id)
            continue
        detailed.append(
            Sample(
                pk=tube.id,
                result=item.result,
                ct_values=item.ct_values,
                ct_min=min(item.ct_values.values()) if item.ct_values else None,
                result_note=item.note[:300],
            )
        )
    common = {
        "status": SampleStatus.RESULTED,
        "resulted_at": now,
        "result_by": actor if getattr(actor, "is_authenticated", False) else None,
        "result_source": source[:40],
        "updated_at": now,
    }
    for start in range(0, len(plain), _CHUNK):
        Sample.objects.filter(pk__in=plain[start : start + _CHUNK]).update(
            result=Result.NEGATIVE, ct_values={}, ct_min=None, result_note="", **common
        )
    ids = [s.pk for s in detailed]
    for start in range(0, len(ids), _CHUNK):
        Sample.objects.filter(pk__in=ids[start : start + _CHUNK]).update(**common)
    _update_each(detailed, ["result", "ct_values", "ct_min", "result_note"])
    result_effects(effects, effects.changed_ids)
    return effects


def _update_each(samples: Sequence[Sample], names: Sequence[str]) -> None:
    """The fields of each tube that differ from tube to tube (result, Ct …): one UPDATE run for every row
    (executemany). Django's bulk_update builds a CASE per field and row, seconds per thousand tubes."""
    if not samples:
        return
    fields = [cast(Field, Sample._meta.get_field(n)) for n in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(Sample._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"
    params = [[*(f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields), s.pk] for s in samples]
    with connection.cursor() as cursor:
        for start in range(0, len(params), _CHUNK):
            cursor.executemany(sql, params[start : start + _CHUNK])


@dataclass
class _Resulted:
    """What the effects of a result need of its tube, read as plain values (no model instances for 100,000 rows)."""

    pk: int
    code: str
    kind: str
    test_method: str
    result: str
    collected_at: dt.datetime
    ct_min: float | None
    unit_path: str
    campaign_id: int | None
    campaign_kind: str | None
    campaign_code: str
    unit_name: str
    commune_path: str


def _resulted(ids: list[int]) -> list[_Resulted]:
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _CHUNK):
        rows += list(
            Sample.objects.filter(pk__in=ids[start : start + _CHUNK]).values_list(
                "pk",
                "code",
                "kind",
                "test_method",
                "result",
                "collected_at",
                "ct_min",
                "unit_path",
                "campaign_id",
                "unit_id",
            )
        )
    # In the order given (the file's rows): the F0 numbers follow it. Without this the database's row order decides,
    # which on PostgreSQL is where each updated row landed in the heap.
    position = {pk: i for i, pk in enumerate(ids)}
    rows.sort(key=lambda r: position[r[0]])
    units = {u.pk: u for u in Unit.objects.filter(pk__in={r[9] for r in rows}).only("pk", "name", "path", "level")}
    campaigns: dict[int, tuple[str, str]] = {
        pk: (kind, code)
        for pk, kind, code in Campaign.objects.filter(pk__in={r[8] for r in rows if r[8]}).values_list(
            "pk", "kind", "code"
        )
    }
    return [
        _Resulted(
            pk=pk,
            code=code,
            kind=kind,
            test_method=method,
            result=result,
            collected_at=collected_at,
            ct_min=ct_min,
            unit_path=unit_path,
            campaign_id=campaign_id,
            campaign_kind=campaigns[campaign_id][0] if campaign_id else None,
            campaign_code=campaigns[campaign_id][1] if campaign_id else "",
            unit_name=units[unit_id].name,
            commune_path=units[unit_id].commune_path,
        )
        for pk, code, kind, method, result, collected_at, ct_min, unit_path, campaign_id, unit_id in rows
    ]


def result_effects(effects: Effects, sample_ids: Sequence[int]) -> Effects:
    """What results mean inside labs: a positive or inconclusive pool → a single retest for each person in it;
    an inconclusive single tube → a repeat; an individual positive → returned for `response`; the people (every
    positive, negatives per policy) and the commune (positives, urgent) told through the outbox."""
    ids = list(sample_ids)
    samples = _resulted(ids)
    members: dict[int, list[tuple[int, str, str]]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = SampleMember.objects.filter(sample_id__in=ids[start : start + _CHUNK]).values_list(
            "sample_id", "person_id", "unit_path", "person__phone"
        )
        for sample_id, person_id, path, phone in rows:
            members.setdefault(sample_id, []).append((person_id, path, phone))
    now = clock.now()
    follow_ups: list[CampaignTarget] = []
    person_items: dict[str, list[BulkItem]] = {"plain": [], "urgent": []}
    commune_items: list[tuple[_Resulted, str]] = []
    tell_negatives = policies.notify_negatives()
    for sample in samples:
        people = members.get(sample.pk, [])
        pooled = sample.kind == SampleKind.POOLED
        if sample.result in (Result.POSITIVE, Result.INCONCLUSIVE) and (pooled or sample.result == Result.INCONCLUSIVE):
            reason = TargetReason.RETEST if pooled else TargetReason.INCONCLUSIVE
            follow_ups += [
                CampaignTarget(
                    campaign_id=sample.campaign_id,
                    person_id=pid,
                    unit_path=path,
                    reason=reason,
                    source_sample_id=sample.pk,
                    created_at=now,
                    updated_at=now,
                )
                for pid, path, _phone in people
            ]
        if sample.result == Result.POSITIVE and not pooled and people:
            pid, path, _phone = people[0]
            effects.positives.append(
                Positive(
                    sample_id=sample.pk,
                    code=sample.code,
                    person_id=pid,
                    test_method=sample.test_method,
                    collected_at=sample.collected_at,
                    ct_min=sample.ct_min,
                    campaign_kind=sample.campaign_kind,
                    unit_path=path,
                )
            )
        if sample.result == Result.POSITIVE:
            action = (
                _("Lấy lại mẫu đơn cho %(n)s người trong ống.") % {"n": len(people)}
                if pooled
                else _("Xử lý ca nghi F0 theo 5S ngay.")
            )
            commune_items.append((sample, action))
        if sample.result == Result.NEGATIVE and not tell_negatives:
            continue
        if sample.result == Result.INCONCLUSIVE:
            advice = _("Cơ quan y tế sẽ lấy lại mẫu.")
        elif sample.result == Result.POSITIVE:
            advice = (
                _("Mẫu gộp dương tính: cơ quan y tế sẽ lấy lại mẫu đơn. Hạn chế tiếp xúc, đeo khẩu trang.")
                if pooled
                else _("Cách ly tại chỗ, không tiếp xúc người khác; trạm y tế sẽ liên hệ ngay.")
            )
        else:
            advice = ""
        context = {
            "code": sample.code,
            "method": TestMethod(sample.test_method).label,
            "collected": clock.local(sample.collected_at).strftime("%d/%m/%Y"),
            "result": (
                _("gộp %(r)s") % {"r": Result(sample.result).label} if pooled else Result(sample.result).label
            ).upper(),
            "advice": advice,
            "unit": sample.unit_name,
        }
        addresses = [("sms", phone) for _pid, _path, phone in people if phone]
        if addresses:
            bucket = "urgent" if sample.result == Result.POSITIVE else "plain"
            person_items[bucket].append(
                BulkItem(
                    context=context, addresses=addresses, unit_path=sample.unit_path, source=f"labs.sample:{sample.pk}"
                )
            )
    if follow_ups:
        # A tube re-resulted (inconclusive, then positive) already has its retests: count only the new ones
        # (bulk_create with ignore_conflicts returns every object, the skipped ones too).
        sources = sorted({t.source_sample_id for t in follow_ups if t.source_sample_id is not None})
        existing: set[tuple[int, int]] = set()
        for start in range(0, len(sources), _CHUNK):
            existing |= set(
                CampaignTarget.objects.filter(source_sample_id__in=sources[start : start + _CHUNK]).values_list(
                    "source_sample_id", "person_id"
                )
            )
        new = [t for t in follow_ups if (t.source_sample_id, t.person_id) not in existing]
        CampaignTarget.objects.bulk_create(new, batch_size=_CHUNK, ignore_conflicts=True)
        effects.follow_ups += len(new)
    effects.notified += message_enqueue_many(template="labs.result_person", items=person_items["plain"])
    effects.notified += message_enqueue_many(template="labs.result_person", items=person_items["urgent"], urgent=True)
    effects.notified += _tell_communes(commune_items)
    return effects


def _tell_communes(items: Iterable[tuple[_Resulted, str]]) -> int:
    items = list(items)
    if not items:
        return 0
    # The commune that took the tube, and the communes where its people live (a list campaign of a cluster's F1
    # takes people of other communes): each is told once per tube.
    homes: dict[int, set[str]] = {}
    member_units = SampleMember.objects.filter(sample_id__in=[s.pk for s, _a in items]).values_list(
        "sample_id", "person__unit__path", "person__unit__level"
    )
    for sample_id, path, level in member_units:
        homes.setdefault(sample_id, set()).add(path.rsplit("/", 2)[0] + "/" if level == UnitLevel.VILLAGE else path)
    targets = [(s, action, path) for s, action in items for path in sorted({s.commune_path} | homes.get(s.pk, set()))]
    users = commune_recipients(path for _s, _a, path in targets)
    bulk = [
        BulkItem(
            context={
                "code": s.code,
                "kind": SampleKind(s.kind).label,
                "method": TestMethod(s.test_method).label,
                "collected": clock.local(s.collected_at).strftime("%d/%m/%Y"),
                "campaign": s.campaign_code,
                "ct": s.ct_min,
                "unit": s.unit_name,
                "action": action,
            },
            users=users.get(path, []),
            unit_path=path,
            source=f"labs.sample:{s.pk}",
        )
        for s, action, path in targets
    ]
    return message_enqueue_many(template="labs.positive_commune", items=bulk, urgent=True)


def tube_of(sample: Sample) -> _Tube:
    return tubes_by_code([sample.code])[sample.code]


@transaction.atomic
def result_record(
    *, actor: Any, sample: Sample, result: str, ct_values: Mapping[str, Any] | None = None, note: str = ""
) -> Effects:
    """Enter one RT-PCR result by form. Recording the same result again changes nothing (`unchanged`)."""
    from chihuy.labs import notifications  # noqa: F401  (registers the templates)

    require_perm(actor, Perm.LAB_WORK)
    # of=self: the lab is a nullable join, and PostgreSQL refuses FOR UPDATE on the nullable side of one.
    sample = Sample.objects.select_for_update(of=("self",)).select_related("lab").get(pk=sample.pk)
    if sample.lab is None:
        raise ApplicationError.field("code", _("Mẫu %(c)s chưa gửi đến phòng xét nghiệm.") % {"c": sample.code})
    require_lab_member(actor, sample.lab, field="code")
    item = ResultInput(
        code=sample.code,
        result=parse_result(result) or result,
        ct_values=parse_ct(ct_values or {}),
        note=" ".join(note.split())[:300],
    )
    tube = tube_of(sample)
    problem = check_result(tube, item, lab_ids_of(actor) | {sample.lab.pk})
    if problem is not None:
        if problem[0] == "unchanged":
            return Effects(unchanged=1)
        raise ApplicationError.field(
            problem[0], problem[1], ErrorCode.CONFLICT if problem[0] == "result" else ErrorCode.VALIDATION
        )
    effects = apply_results(actor=actor, checked=[(tube, item)], source="form")
    audit_record(
        actor=actor,
        action="update",
        obj=sample,
        before={"result": tube.result},
        after={"result": item.result, "ct_values": item.ct_values, "note": item.note},
    )
    return effects


def rapid_effects(sample: Sample) -> Effects:
    """The effects of a rapid test recorded on the spot (`rapid_test_take`)."""
    from chihuy.labs import notifications  # noqa: F401  (registers the templates)

    effects = Effects(changed_ids=[sample.pk])
    return result_effects(effects, [sample.pk])


def follow_up_create(*, sample: Sample, person_id: int, unit_path: str, reason: str) -> bool:
    """A follow-up tube for one person (e.g. the RT-PCR that confirms a positive rapid test); False if the
    person already has it for this sample. Called inside the caller's transaction."""
    if reason not in TargetReason.values or reason == TargetReason.PLANNED:
        raise ApplicationError.field("reason", _("Lý do lấy mẫu tiếp không hợp lệ."))
    _target, created = CampaignTarget.objects.get_or_create(
        source_sample=sample,
        person_id=person_id,
        defaults={"campaign_id": sample.campaign_id, "unit_path": unit_path, "reason": reason},
    )
    return created


def sample_link_case(*, sample_id: int, case_number: str) -> None:
    """Remember the F0 a tube confirmed (written by `response` in the same transaction as the case)."""
    Sample.objects.filter(pk=sample_id).update(case_number=case_number[:30], updated_at=clock.now())


def samples_link_cases(links: Sequence[tuple[int, int, str]]) -> None:
    """For many (tube, person, F0 number) at once: each tube remembers its case, and each person's open
    follow-ups (retests, confirmations, repeats) are answered by that tube — an F0 needs no more of them."""
    if not links:
        return
    from chihuy.labs.services.samples import FOLLOW_UP_REASONS

    now = clock.now()
    qn = connection.ops.quote_name
    table = qn(Sample._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {qn('case_number')} = %s, {qn('updated_at')} = %s WHERE id = %s",
            [(number[:30], now, sample_id) for sample_id, _person, number in links],
        )
    tube_of_person = {person_id: sample_id for sample_id, person_id, _number in links}
    people = list(tube_of_person)
    open_targets: list[tuple[int, int]] = []
    for start in range(0, len(people), _CHUNK):
        open_targets += list(
            CampaignTarget.objects.filter(
                person_id__in=people[start : start + _CHUNK],
                status=TargetStatus.PENDING,
                reason__in=FOLLOW_UP_REASONS,
            ).values_list("pk", "person_id")
        )
    if open_targets:
        targets = qn(CampaignTarget._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {targets} SET {qn('status')} = %s, {qn('sample_id')} = %s, {qn('done_at')} = %s, "
                f"{qn('updated_at')} = %s WHERE id = %s",
                [(TargetStatus.SAMPLED, tube_of_person[pid], now, now, pk) for pk, pid in open_targets],
            )


@transaction.atomic
def overdue_alert(*, now: dt.datetime | None = None) -> int:
    """Tubes past their turnaround target without a result, not alerted yet: one urgent message per lab (to its
    technicians) and per commune (to its health staff), each tube alerted once. Returns the tubes alerted."""
    from chihuy.labs import notifications  # noqa: F401  (registers the templates)

    now = now or clock.now()
    tubes = list(
        Sample.objects.select_for_update(of=("self",))
        .filter(result=Result.PENDING, overdue_alerted_at__isnull=True, due_at__lt=now)
        .select_related("unit", "lab")
        .order_by("collected_at")[:20000]
    )
    if not tubes:
        return 0
    hours = int(policies.turnaround_hours())
    by_lab: dict[int, list[Sample]] = {}
    by_commune: dict[str, list[Sample]] = {}
    for tube in tubes:
        if tube.lab is not None:
            by_lab.setdefault(tube.lab.pk, []).append(tube)
        by_commune.setdefault(tube.unit.commune_path, []).append(tube)

    def context(group: list[Sample], place: str) -> dict[str, Any]:
        first = group[0]
        return {
            "count": len(group),
            "place": place,
            "hours": hours,
            "first_code": first.code,
            "first_at": clock.local(first.collected_at).strftime("%H:%M %d/%m"),
        }

    lab_users = lab_recipients(by_lab)
    commune_users = commune_recipients(by_commune)
    items = [
        BulkItem(
            context=context(group, group[0].lab.name),  # type: ignore[union-attr]
            users=lab_users.get(lab_id, []),
            unit_path=group[0].lab.unit_path,  # type: ignore[union-attr]
            source=f"labs.lab:{lab_id}",
        )
        for lab_id, group in by_lab.items()
    ]
    items += [
        BulkItem(
            context=context(group, group[0].unit.name),
            users=commune_users.get(path, []),
            unit_path=path,
            source=f"labs.overdue:{path}",
        )
        for path, group in by_commune.items()
    ]
    message_enqueue_many(template="labs.overdue", items=items, urgent=True)
    ids = [t.pk for t in tubes]
    for start in range(0, len(ids), _CHUNK):
        Sample.objects.filter(pk__in=ids[start : start + _CHUNK]).update(overdue_alerted_at=now)
    return len(tubes)
