"""Effective-dated rules: the row in force on a date, its boundaries, the seeded rows, policy_set."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
import time_machine

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent, Policy
from chihuy.core.policies import policy_get, policy_row, policy_set

D = dt.date


def test_quarantine_of_f1_on_2021_08_01_follows_5599(db: Any) -> None:
    rule = policy_get("quarantine.f1", on=D(2021, 8, 1))["default"]
    assert (rule["days"], rule["test_days"], rule["monitoring_days"]) == (14, [1, 7, 14], 14)
    assert policy_row("quarantine.f1", on=D(2021, 8, 1)).source_document == "Công văn 5599/BYT-MT 14/7/2021"


def test_quarantine_of_f1_on_2021_06_01_follows_600(db: Any) -> None:
    rule = policy_get("quarantine.f1", on=D(2021, 6, 1))["default"]
    assert (rule["days"], rule["test_days"], rule["monitoring_test_days"]) == (21, [1, 14, 20], [7])


@pytest.mark.parametrize(
    ("day", "days"),
    [
        (D(2021, 5, 4), 14),  # the last day of 2020 practice
        (D(2021, 5, 5), 21),  # 600/CĐ-BCĐ takes effect on its first day
        (D(2021, 7, 13), 21),
        (D(2021, 7, 14), 14),  # valid_to is exclusive
        (D(2022, 4, 14), 7),
        (D(2022, 4, 15), 0),
        (D(2030, 1, 1), 0),  # the open-ended last row
    ],
)
def test_boundaries_valid_from_inclusive_valid_to_exclusive(db: Any, day: dt.date, days: int) -> None:
    assert policy_get("quarantine.f1", on=day)["default"]["days"] == days


def test_seeded_rows_of_one_key_do_not_overlap_or_leave_gaps(db: Any) -> None:
    rows = list(Policy.objects.filter(key="quarantine.f1").order_by("valid_from"))
    assert len(rows) == 6
    assert all(a.valid_to == b.valid_from for a, b in itertools.pairwise(rows))
    assert rows[-1].valid_to is None


def test_seeded_verification_flags_follow_domain_md(db: Any) -> None:
    assert policy_row("level.4800", on=D(2021, 11, 1)).verified is False
    assert policy_row("level.rule_set", on=D(2021, 11, 1)).verified is True
    assert policy_get("level.rule_set", on=D(2021, 11, 1)) == {"rule_set": "4800"}
    assert policy_get("level.rule_set", on=D(2022, 1, 27)) == {"rule_set": "218"}


def test_before_any_row_it_raises_not_found_or_returns_the_default(db: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        policy_get("quarantine.f1", on=D(2019, 12, 31))
    assert exc.value.code == ErrorCode.NOT_FOUND
    assert "quarantine.f1" in exc.value.message
    assert policy_get("quarantine.f1", on=D(2019, 12, 31), default=None) is None
    assert policy_get("no.such.key", default={"x": 1}) == {"x": 1}


def test_without_a_date_it_reads_today(db: Any) -> None:
    with time_machine.travel(dt.datetime(2021, 11, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        assert policy_get("quarantine.f1")["default"]["days"] == 14
        assert "vaccinated" not in policy_get("quarantine.f1")
    with time_machine.travel(dt.datetime(2021, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        assert policy_get("quarantine.f1")["default"]["days"] == 21


def test_policy_set_closes_the_previous_row_the_day_the_new_one_starts(db: Any, admin_user: Any) -> None:
    first = policy_set(key="test.rule", value={"n": 1}, valid_from=D(2022, 1, 1), source_document="CV 1")
    second = policy_set(
        key="test.rule", value={"n": 2}, valid_from=D(2022, 6, 1), source_document="CV 2", actor=admin_user
    )
    first.refresh_from_db()
    assert (first.valid_to, second.valid_to) == (D(2022, 6, 1), None)
    assert policy_get("test.rule", on=D(2022, 5, 31)) == {"n": 1}
    assert policy_get("test.rule", on=D(2022, 6, 1)) == {"n": 2}
    event = AuditEvent.objects.filter(object_type="core.policy", object_id=str(second.pk)).get()
    assert (event.action, event.actor_username) == ("create", admin_user.username)
    assert event.after == {"key": "test.rule", "value": {"n": 2}, "valid_from": "2022-06-01"}


def test_policy_set_between_two_rows_fits_in(db: Any) -> None:
    first = policy_set(key="test.rule", value=1, valid_from=D(2022, 1, 1), source_document="CV 1")
    last = policy_set(key="test.rule", value=3, valid_from=D(2022, 6, 1), source_document="CV 3")
    middle = policy_set(key="test.rule", value=2, valid_from=D(2022, 3, 1), source_document="CV 2")
    first.refresh_from_db()
    last.refresh_from_db()
    assert [(r.valid_from, r.valid_to) for r in (first, middle, last)] == [
        (D(2022, 1, 1), D(2022, 3, 1)),
        (D(2022, 3, 1), D(2022, 6, 1)),
        (D(2022, 6, 1), None),
    ]
    assert [policy_get("test.rule", on=d) for d in (D(2022, 2, 28), D(2022, 3, 1), D(2022, 6, 1))] == [1, 2, 3]


def test_policy_set_on_an_existing_start_day_is_a_conflict_and_changes_nothing(db: Any) -> None:
    first = policy_set(key="test.rule", value=1, valid_from=D(2022, 1, 1), source_document="CV 1")
    following = policy_set(key="test.rule", value=2, valid_from=D(2022, 6, 1), source_document="CV 2")
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        policy_set(key="test.rule", value=9, valid_from=D(2022, 6, 1), source_document="CV 9")
    assert exc.value.code == ErrorCode.CONFLICT
    assert exc.value.details[0]["field"] == "valid_from"
    assert list(Policy.objects.filter(key="test.rule").values_list("pk", "value", "valid_from", "valid_to")) == [
        (first.pk, 1, D(2022, 1, 1), D(2022, 6, 1)),
        (following.pk, 2, D(2022, 6, 1), None),
    ]
    assert AuditEvent.objects.count() == events
