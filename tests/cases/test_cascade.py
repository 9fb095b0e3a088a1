"""The F-level cascade: levels are the shortest chain to an active F0, upgrades and downgrades cascade, and
every change keeps its reason."""

from __future__ import annotations

import itertools
from typing import Any

from chihuy.cases import services
from chihuy.cases.enums import CaseStatus, LevelCause, RuleOutReason
from chihuy.cases.levels import recompute_all
from chihuy.cases.models import Classification, LevelChange
from tests.cases.conftest import at


def level(person: Any) -> int | None:
    row = Classification.objects.filter(person=person).first()
    return row.level if row else None


def test_contacts_of_an_f0_are_f1_and_theirs_f2(make_person: Any, report: Any, expose: Any) -> None:
    f0, a, b, c = (make_person(full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba", "Lò Văn Bốn"))
    case = report(f0)
    expose(f0, a)
    expose(a, b)
    expose(b, c)

    assert [level(p) for p in (f0, a, b, c)] == [0, 1, 2, 3]
    row = Classification.objects.get(person=b)
    assert row.path == [f0.pk, a.pk, b.pk]
    assert row.root_case_id == case.pk


def test_depth_stops_at_the_policy_max(make_person: Any, report: Any, expose: Any) -> None:
    people = [make_person(full_name=f"Người Thứ {i}") for i in range(6)]
    report(people[0])
    for src, dst in itertools.pairwise(people):
        expose(src, dst)

    assert [level(p) for p in people] == [0, 1, 2, 3, None, None]


def test_an_f1_turning_f0_moves_its_contacts_up_one_level(make_person: Any, report: Any, expose: Any) -> None:
    f0, a, b, c = (make_person(full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba", "Lò Văn Bốn"))
    report(f0)
    expose(f0, a)
    expose(a, b)
    expose(b, c)

    second = report(a, detected_at=at(9), sample_date=at(9).date())

    assert [level(p) for p in (f0, a, b, c)] == [0, 0, 1, 2]
    change = LevelChange.objects.filter(classification__person=b).first()
    assert change is not None
    assert (change.from_level, change.to_level, change.cause) == (2, 1, LevelCause.CASE_REPORTED)
    assert second.number in change.reason
    assert Classification.objects.get(person=b).trace_status == "pending"


def test_ruling_out_an_f0_moves_dependent_levels_down_or_off(
    make_person: Any, report: Any, expose: Any, officer: Any
) -> None:
    f0, other, a, b = (make_person(full_name=n) for n in ("Lò Văn Một", "Tòng Thị Hai", "Lò Văn Ba", "Lò Văn Bốn"))
    case = report(f0)
    report(other)
    expose(f0, a)
    expose(a, b)
    expose(other, b)  # b is also a direct contact of the other F0: it stays F1

    assert [level(a), level(b)] == [1, 1]
    services.case_transition(
        actor=officer, case=case, to=CaseStatus.RULED_OUT, rule_out_reason=RuleOutReason.NEGATIVE_CONFIRMATORY
    )

    assert level(f0) is None
    assert level(a) is None
    assert level(b) == 1
    assert Classification.objects.get(person=b).path[0] == other.pk
    change = LevelChange.objects.filter(classification__person=a).first()
    assert change is not None and change.cause == LevelCause.CASE_RULED_OUT and case.number in change.reason


def test_removing_a_contact_re_levels_through_another_path(
    make_person: Any, report: Any, expose: Any, officer: Any
) -> None:
    f0, a, b, c = (make_person(full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba", "Lò Văn Bốn"))
    report(f0)
    direct = expose(f0, c)
    expose(f0, a)
    expose(a, b)
    expose(b, c, exposure_at=at(6))

    assert level(c) == 1
    services.contact_deactivate(actor=officer, contact=direct, reason="Nhập nhầm người")

    assert level(c) == 3
    assert Classification.objects.get(person=c).path == [f0.pk, a.pk, b.pk, c.pk]


def test_full_recompute_agrees_with_the_incremental_levels(
    make_person: Any, report: Any, expose: Any, officer: Any
) -> None:
    people = [make_person(full_name=f"Người Số {i}") for i in range(8)]
    case = report(people[0])
    report(people[5])
    for src, dst in [(0, 1), (1, 2), (2, 3), (5, 3), (3, 4), (5, 6), (6, 7), (1, 7)]:
        expose(people[src], people[dst])
    services.case_transition(actor=officer, case=case, to=CaseStatus.RECOVERED)
    before = {p.pk: level(p) for p in people}

    outcome = recompute_all(reason="kiểm tra")

    assert outcome.changed == {}
    assert {p.pk: level(p) for p in people} == before
    assert [before[p.pk] for p in people] == [None, None, None, 1, 2, 0, 1, 2]


def test_recompute_command_repairs_a_level_changed_behind_the_services_back(
    make_person: Any, report: Any, expose: Any
) -> None:
    import io

    from django.core.management import call_command

    f0, a = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Văn Hai")
    report(f0)
    expose(f0, a)
    Classification.objects.filter(person=a).update(level=3)
    out = io.StringIO()

    call_command("recompute_levels", stdout=out)

    assert level(a) == 1
    assert out.getvalue().startswith("1 thay đổi cấp F (1 tăng, 0 giảm)")
    assert LevelChange.objects.filter(classification__person=a, cause=LevelCause.RECOMPUTE).count() == 1


def test_full_recompute_takes_the_earliest_detected_f0_among_equally_close_ones(
    make_person: Any, report: Any, expose: Any
) -> None:
    a, b, x, y = (make_person(full_name=n) for n in ("Lò Văn Một", "Tòng Thị Hai", "Lò Văn Ba", "Lò Văn Bốn"))
    later = report(b, detected_at=at(9), sample_date=at(9).date())
    earlier = report(a, detected_at=at(8))
    from_b = expose(b, x, exposure_at=at(7, 10))  # inside both infectious windows (from 7/11 and 5/11)
    from_a = expose(a, x, exposure_at=at(7, 8))
    expose(x, y)
    assert Classification.objects.get(person=x).root_case_id == later.pk  # first reported, kept by propagate

    outcome = recompute_all(reason="kiểm tra")

    assert outcome.changed == {}
    row = Classification.objects.get(person=x)
    assert (row.level, row.root_case_id, row.via_id, row.path) == (1, earlier.pk, from_a.pk, [a.pk, x.pk])
    assert row.exposure_at == at(7, 8)
    assert from_b.qualifies and from_b.pk < from_a.pk
    below = Classification.objects.get(person=y)
    assert (below.level, below.root_case_id, below.path) == (2, earlier.pk, [a.pk, x.pk, y.pk])
    assert LevelChange.objects.filter(cause=LevelCause.RECOMPUTE).count() == 0


def test_full_recompute_walks_only_to_the_policy_depth_and_resets_the_rest(
    make_person: Any, report: Any, expose: Any
) -> None:
    people = [make_person(full_name=f"Người Thứ {i}") for i in range(6)]
    report(people[0])
    for src, dst in itertools.pairwise(people):
        expose(src, dst)
    stray = Classification.objects.get(person=people[3])
    Classification.objects.create(person=people[4], unit_path=stray.unit_path, level=2, level_since=stray.level_since)
    Classification.objects.filter(person=people[2]).delete()

    outcome = recompute_all(reason="kiểm tra")

    assert outcome.changed == {people[4].pk: (2, None), people[2].pk: (None, 2)}  # beyond the depth: reset
    assert [level(p) for p in people] == [0, 1, 2, 3, None, None]
    assert Classification.objects.get(person=people[2]).path == [p.pk for p in people[:3]]
