"""The 12-hour turnaround: a tube past it without a result is alerted once to the lab and the commune, a
resulted tube never; the turnaround figures on a small known set."""

from __future__ import annotations

import datetime as dt

import pytest

from chihuy.labs import selectors, services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.notify.models import Delivery, Message
from chihuy.response import labs as response
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_pending_tube_is_alerted_once_after_12_hours(
    officer, technician, lab, residents, ship_and_receive, pinned_clock
) -> None:
    # Given two tubes taken at 09:00 and received at the lab, one resulted negative at once
    services.sample_take(actor=officer, code="BG-O001", person_ids=[residents[0].pk, residents[1].pk])
    services.sample_take(actor=officer, code="BG-O002", person_ids=[residents[2].pk])
    ship_and_receive(["BG-O001", "BG-O002"])
    response.result_record(actor=technician, sample=Sample.objects.get(code="BG-O002"), result=Result.NEGATIVE)
    # At 12 h exactly nothing is overdue
    pinned_clock.move_to(NOW + dt.timedelta(hours=12))
    assert services.overdue_alert() == 0
    assert Message.objects.filter(template="labs.overdue").count() == 0
    # When the sweep runs at 12 h 1 min
    pinned_clock.move_to(NOW + dt.timedelta(hours=12, minutes=1))
    assert services.overdue_alert() == 1
    # Then the lab's technicians and the commune's staff are told, once
    messages = {m.source: m for m in Message.objects.filter(template="labs.overdue")}
    assert set(messages) == {f"labs.lab:{lab.pk}", f"labs.overdue:{officer.unit_path}"}
    assert all(m.urgent for m in messages.values())
    assert "1 mẫu" in messages[f"labs.lab:{lab.pk}"].subject and "12 giờ" in messages[f"labs.lab:{lab.pk}"].subject
    assert "BG-O001" in messages[f"labs.lab:{lab.pk}"].body
    assert set(Delivery.objects.filter(message=messages[f"labs.lab:{lab.pk}"]).values_list("user_id", flat=True)) == {
        technician.pk
    }
    commune = messages[f"labs.overdue:{officer.unit_path}"]
    assert set(Delivery.objects.filter(message=commune).values_list("user_id", flat=True)) == {officer.pk}
    assert Sample.objects.get(code="BG-O001").overdue_alerted_at == NOW + dt.timedelta(hours=12, minutes=1)
    assert Sample.objects.get(code="BG-O002").overdue_alerted_at is None
    # A second sweep tells nothing more
    pinned_clock.move_to(NOW + dt.timedelta(hours=13))
    assert services.overdue_alert() == 0
    assert Message.objects.filter(template="labs.overdue").count() == 2


def test_a_tube_not_yet_shipped_is_alerted_to_the_commune_only(officer, residents, pinned_clock) -> None:
    services.sample_take(actor=officer, code="BG-O003", person_ids=[residents[0].pk])
    pinned_clock.move_to(NOW + dt.timedelta(hours=13))
    assert services.overdue_alert() == 1
    assert list(Message.objects.filter(template="labs.overdue").values_list("source", flat=True)) == [
        f"labs.overdue:{officer.unit_path}"
    ]


def test_turnaround_stats_on_a_known_set(officer, technician, lab, residents, ship_and_receive, admin_user) -> None:
    # Given five tubes resulted now (10/11 09:00) after 6, 8, 10, 14 and 20 hours, and two pending: one taken
    # an hour ago, one taken 13 hours ago (overdue); the lab clears 4 tubes a day
    resulted = {"T-06": 6, "T-08": 8, "T-10": 10, "T-14": 14, "T-20": 20}
    pending = {"T-P1": 1, "T-P13": 13}
    for i, (code, hours) in enumerate({**resulted, **pending}.items()):
        services.sample_take(
            actor=officer,
            code=code,
            person_ids=[residents[i % 6].pk],
            collected_at=NOW - dt.timedelta(hours=hours),
        )
    ship_and_receive(list(resulted) + list(pending))
    for code in resulted:
        response.result_record(actor=technician, sample=Sample.objects.get(code=code), result=Result.NEGATIVE)
    services.lab_upsert(actor=admin_user, site=lab.site, daily_capacity=4, member_ids=[technician.pk])
    lab.refresh_from_db()
    # When the figures are read for the lab
    stats = selectors.turnaround_stats(actor=officer, lab=lab)
    # Then
    assert (stats.taken, stats.resulted, stats.median_hours, stats.p95_hours, stats.within_target_pct) == (
        7,
        5,
        10.0,
        20.0,
        60.0,
    )
    assert (stats.target_hours, stats.backlog, stats.in_lab, stats.overdue) == (12.0, 2, 2, 1)
    assert (stats.daily_capacity, stats.clearance_hours) == (4, 12.0)
    # The same figures without naming the lab (the labs holding the backlog give the capacity)
    whole = selectors.turnaround_stats(actor=officer)
    assert (whole.median_hours, whole.backlog, whole.daily_capacity, whole.clearance_hours) == (10.0, 2, 4, 12.0)
    # A window that holds only the tubes taken 14 and 20 hours ago
    early = selectors.turnaround_stats(
        actor=officer, start=NOW - dt.timedelta(hours=21), end=NOW - dt.timedelta(hours=13, minutes=30)
    )
    # (an even count: the median is the mean of the two middle values, as on the 5S board)
    assert (early.taken, early.resulted, early.median_hours, early.p95_hours, early.within_target_pct) == (
        2,
        2,
        17.0,
        20.0,
        0.0,
    )
    # Overdue list: the one pending tube past its 12 hours
    assert [s.code for s in selectors.overdue_list(actor=officer)] == ["T-P13"]
