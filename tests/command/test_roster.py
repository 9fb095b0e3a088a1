# ruff: noqa: F811  (pytest fixtures imported by name from centre_fixtures)
"""Centres, members and the duty roster: overlap errors name the shift, a plan writes all or nothing, gaps,
swaps and hand-overs through their states, the gap sweep alerting once with a pinned clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.command import selectors, services
from chihuy.command.models import Handover, Position, RosterGapAlert, Shift, SwapState
from chihuy.core.errors import ApplicationError
from chihuy.notify.models import Delivery, Message
from tests.command.centre_fixtures import (  # noqa: F401
    NOW,
    add_member,
    at,
    commune_centre,
    district_centre,
    make_centre,
    pinned,
    province_admin,
)

pytestmark = pytest.mark.usefixtures("pinned")


def test_one_active_commander_per_centre(commune_centre: Any, add_member: Any) -> None:
    add_member(commune_centre, "Lò Văn Chủ", position=Position.COMMANDER, role=Role.COMMANDER)
    with pytest.raises(ApplicationError) as err:
        add_member(commune_centre, "Tẩn Văn Hai", position=Position.COMMANDER)
    assert err.value.code == "conflict"
    assert err.value.details[0]["field"] == "position"
    assert "Lò Văn Chủ" in err.value.message


def test_member_phone_is_normalised_and_checked(commune_centre: Any, province_admin: Any) -> None:
    member = services.member_add(actor=province_admin, centre=commune_centre, full_name="A", phone="+84 912 345 678")
    assert member.phone == "0912345678"
    with pytest.raises(ApplicationError) as err:
        services.member_add(actor=province_admin, centre=commune_centre, full_name="B", phone="12345")
    assert err.value.details[0]["field"] == "phone"


def test_overlapping_shift_is_refused_and_the_error_names_the_shift(
    commune_centre: Any, add_member: Any, province_admin: Any
) -> None:
    officer = add_member(commune_centre, "Vàng Thị Mai")
    first = services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 7), ends_at=at(15, 15)
    )
    with pytest.raises(ApplicationError) as err:
        services.shift_create(
            actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 14), ends_at=at(15, 22)
        )
    assert err.value.code == "conflict"
    assert err.value.message == (
        f"Vàng Thị Mai bị trùng ca: đã có ca #{first.pk} của Vàng Thị Mai tại {commune_centre.name} "
        "từ 07:00 15/11/2021 đến 15:00 15/11/2021."
    )
    assert err.value.details[0]["shift_id"] == first.pk
    # Back to back is not an overlap.
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 15), ends_at=at(15, 23)
    )


def test_shift_must_end_after_it_starts(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    officer = add_member(commune_centre, "Vàng Thị Mai")
    with pytest.raises(ApplicationError) as err:
        services.shift_create(
            actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 15), ends_at=at(15, 7)
        )
    assert err.value.details[0]["field"] == "ends_at"
    assert Shift.objects.count() == 0


def test_plan_from_the_3x8_template_rotates_people(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    a, b, c = (add_member(commune_centre, n) for n in ("An", "Bình", "Chi"))
    shifts = services.roster_plan(
        actor=province_admin,
        centre=commune_centre,
        template="3x8",
        start_date=dt.date(2021, 11, 15),
        weeks=1,
        people=[a, b, c],
    )
    assert len(shifts) == 21
    stored = list(Shift.objects.order_by("starts_at"))
    assert [(s.member.full_name, s.starts_at, s.ends_at) for s in stored[:4]] == [
        ("An", at(15, 7), at(15, 15)),
        ("Bình", at(15, 15), at(15, 23)),
        ("Chi", at(15, 23), at(16, 7)),
        ("An", at(16, 7), at(16, 15)),
    ]
    assert stored[-1].ends_at == at(22, 7)
    assert selectors.roster_gaps(commune_centre, hours=72, start=at(15, 7)) == []


def test_plan_writes_nothing_when_one_shift_conflicts(
    commune_centre: Any, district_centre: Any, add_member: Any, province_admin: Any
) -> None:
    a = add_member(commune_centre, "An")
    b = add_member(commune_centre, "Bình")
    # Bình already has a shift on Wednesday night — at another centre, under the same account.
    district_member = services.member_add(
        actor=province_admin, centre=district_centre, full_name="Bình", user=b.user, phone="0912345678"
    )
    busy = services.shift_create(
        actor=province_admin, centre=district_centre, member=district_member, starts_at=at(17, 20), ends_at=at(17, 22)
    )
    with pytest.raises(ApplicationError) as err:
        services.roster_plan(
            actor=province_admin,
            centre=commune_centre,
            template="2x12",
            start_date=dt.date(2021, 11, 15),
            weeks=2,
            people=[a, b],
        )
    assert err.value.details[0]["shift_id"] == busy.pk
    assert f"ca #{busy.pk} của Bình" in err.value.message
    assert Shift.objects.filter(centre=commune_centre).count() == 0


def test_gaps_are_the_uncovered_intervals(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    a = add_member(commune_centre, "An")
    b = add_member(commune_centre, "Bình")
    for member, start, end in [(a, at(15, 7), at(15, 19)), (b, at(15, 12), at(16, 1)), (a, at(16, 7), at(16, 19))]:
        services.shift_create(actor=province_admin, centre=commune_centre, member=member, starts_at=start, ends_at=end)
    assert selectors.roster_gaps(commune_centre, hours=24, start=at(15, 7)) == [(at(16, 1), at(16, 7))]
    assert selectors.roster_gaps(commune_centre, hours=72, start=at(15, 7)) == [
        (at(16, 1), at(16, 7)),
        (at(16, 19), at(18, 7)),
    ]


def test_on_duty_now_and_alert_recipients(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    chief = add_member(commune_centre, "Chủ tịch", position=Position.COMMANDER, role=Role.COMMANDER)
    officer = add_member(commune_centre, "Trực ban")
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 7), ends_at=at(15, 15)
    )
    assert selectors.on_duty_now(commune_centre) == [officer.user]
    assert selectors.on_duty_now(commune_centre, at=at(15, 15)) == []
    assert selectors.centre_alert_recipients(commune_centre) == [officer.user, chief.user]
    assert selectors.centre_for_unit(commune_centre.unit) == commune_centre


def test_swap_accepted_by_the_other_officer(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    a = add_member(commune_centre, "An")
    b = add_member(commune_centre, "Bình")
    mine = services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(16, 7), ends_at=at(16, 15)
    )
    theirs = services.shift_create(
        actor=province_admin, centre=commune_centre, member=b, starts_at=at(17, 7), ends_at=at(17, 15)
    )
    swap = services.swap_request(actor=a.user, shift=mine, to_member=b, counter_shift=theirs, reason="Họp huyện")
    assert swap.state == SwapState.REQUESTED
    with pytest.raises(ApplicationError) as err:
        services.swap_accept(actor=a.user, swap=swap)
    assert err.value.code == "permission_denied"
    services.swap_accept(actor=b.user, swap=swap)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.member_id, mine.user_id, theirs.member_id, theirs.user_id) == (b.pk, b.user.pk, a.pk, a.user.pk)
    with pytest.raises(ApplicationError) as err:
        services.swap_approve(actor=province_admin, swap=swap)
    assert err.value.code == "invalid_transition"


def test_swap_approved_by_commander_refused_on_overlap(
    commune_centre: Any, add_member: Any, province_admin: Any
) -> None:
    a = add_member(commune_centre, "An")
    b = add_member(commune_centre, "Bình")
    mine = services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(16, 7), ends_at=at(16, 15)
    )
    clash = services.shift_create(
        actor=province_admin, centre=commune_centre, member=b, starts_at=at(16, 13), ends_at=at(16, 20)
    )
    swap = services.swap_request(actor=a.user, shift=mine, to_member=b)
    with pytest.raises(ApplicationError) as err:
        services.swap_approve(actor=province_admin, swap=swap)
    assert err.value.details[0]["shift_id"] == clash.pk
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert (swap.state, mine.member_id) == (SwapState.REQUESTED, a.pk)
    services.swap_decline(actor=b.user, swap=swap)
    swap.refresh_from_db()
    assert swap.state == SwapState.DECLINED


def test_handover_acknowledged_once_by_the_incoming_officer(
    commune_centre: Any, add_member: Any, province_admin: Any
) -> None:
    a = add_member(commune_centre, "An")
    b = add_member(commune_centre, "Bình")
    out = services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(15, 7), ends_at=at(15, 15)
    )
    nxt = services.shift_create(
        actor=province_admin, centre=commune_centre, member=b, starts_at=at(15, 15), ends_at=at(15, 23)
    )
    handover = services.handover_create(
        actor=a.user, from_shift=out, notes="2 phiếu chờ xác minh", open_items="Gọi lại bà Lò Thị Xuân"
    )
    assert handover.to_shift_id == nxt.pk
    with pytest.raises(ApplicationError) as err:
        services.handover_acknowledge(actor=a.user, handover=handover)
    assert err.value.code == "permission_denied"
    services.handover_acknowledge(actor=b.user, handover=handover)
    assert Handover.objects.get().acknowledged_by_id == b.user.pk
    with pytest.raises(ApplicationError) as err:
        services.handover_acknowledge(actor=b.user, handover=handover)
    assert err.value.code == "invalid_transition"


def test_gap_sweep_alerts_the_commander_once(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    chief = add_member(commune_centre, "Chủ tịch", position=Position.COMMANDER, role=Role.COMMANDER)
    a = add_member(commune_centre, "An")
    services.shift_create(actor=province_admin, centre=commune_centre, member=a, starts_at=at(15, 7), ends_at=at(16, 7))
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(16, 19), ends_at=at(17, 19)
    )
    assert services.roster_gap_alerts() == 2  # 16/11 07–19 and 17/11 19:00 → the horizon
    messages = list(Message.objects.filter(template="command.roster_gap").order_by("id"))
    assert [m.subject for m in messages] == [
        f"[Lịch trực] {commune_centre.name}: chưa có người trực 07:00 16/11/2021 – 19:00 16/11/2021",
        f"[Lịch trực] {commune_centre.name}: chưa có người trực 19:00 17/11/2021 – 09:00 18/11/2021",
    ]
    assert set(Delivery.objects.filter(message__in=messages).values_list("user_id", flat=True)) == {chief.user.pk}
    # An hour later the open-ended gap has grown with the horizon: it is the same gap, not alerted again.
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert services.roster_gap_alerts() == 0
    assert Message.objects.filter(template="command.roster_gap").count() == 2
    assert RosterGapAlert.objects.get(starts_at=at(17, 19)).ends_at == at(18, 10)


def test_deactivated_member_loses_future_shifts(commune_centre: Any, add_member: Any, province_admin: Any) -> None:
    a = add_member(commune_centre, "An")
    past = services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(14, 7), ends_at=at(14, 15)
    )
    future = services.shift_create(
        actor=province_admin, centre=commune_centre, member=a, starts_at=at(16, 7), ends_at=at(16, 15)
    )
    services.member_deactivate(actor=province_admin, member=a)
    past.refresh_from_db()
    future.refresh_from_db()
    assert (past.is_active, future.is_active) == (True, False)
