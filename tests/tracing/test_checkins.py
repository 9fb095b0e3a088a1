"""Check-ins one at a time (services): the visitor remembered by phone, a rescan within 10 minutes is the same
visit, closed venues refused, the check-out's bounds, the staff scan of a personal QR, and the audited, scoped
read of a person's check-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.tracing import times
from chihuy.tracing.enums import Channel, VenueStatus
from chihuy.tracing.models import CheckIn, Visitor
from chihuy.tracing.services import checkins as services
from chihuy.tracing.services.venues import venue_transition
from tests.conftest import BAN_GIANG, MUONG_SO, TAM_DUONG

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 5, 8, 0, tzinfo=VN)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _field(exc: pytest.ExceptionInfo[ApplicationError]) -> str:
    return str(exc.value.details[0]["field"])


def test_visitor_remembered_by_phone_and_name_updated(clock: Any) -> None:
    first = services.visitor_remember(phone="+84 912 345 678", name="  Lò  Thị Mai ")
    assert (first.phone, first.name, len(first.token)) == ("0912345678", "Lò Thị Mai", 32)
    again = services.visitor_remember(phone="0912345678", name="Lò Thị Mai Anh", national_id="")
    assert again.pk == first.pk and again.token == first.token
    # Someone typing this phone number cannot rewrite the name: it only fills a missing one.
    assert Visitor.objects.get(pk=first.pk).name == "Lò Thị Mai"
    # No name given: the remembered one stays.
    services.visitor_remember(phone="0912345678")
    assert Visitor.objects.get(pk=first.pk).name == "Lò Thị Mai"
    assert Visitor.objects.count() == 1
    with pytest.raises(ApplicationError) as bad:
        services.visitor_remember(phone="12345", name="X")
    assert _field(bad) == "phone"


def test_checkin_counts_the_policy_dwell_and_a_rescan_within_10_minutes_is_the_same_visit(
    clock: Any, market: Any
) -> None:
    scan = services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    assert not scan.repeated
    checkin = scan.checkin
    assert (checkin.t_in, checkin.t_out) == (times.to_minute(NOW), times.to_minute(NOW) + 60)
    assert (checkin.channel, checkin.unit_path, checkin.checked_out) == (Channel.QR, market.unit_path, False)

    clock.shift(dt.timedelta(minutes=10))
    again = services.checkin_remembered(venue=market, token=scan.visitor.token)
    assert again.repeated and again.checkin.pk == checkin.pk
    assert CheckIn.objects.count() == 1

    clock.shift(dt.timedelta(minutes=1))  # 11 minutes later: a new visit
    later = services.checkin_remembered(venue=market, token=scan.visitor.token)
    assert not later.repeated and later.checkin.pk != checkin.pk
    assert CheckIn.objects.count() == 2


def test_rescan_at_another_venue_is_a_new_visit(clock: Any, market: Any, shop: Any) -> None:
    a = services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    b = services.checkin_public(venue=shop, phone="0912345678", name="Lò Thị Mai")
    assert not b.repeated and a.checkin.pk != b.checkin.pk


def test_checkin_form_errors_name_the_field(clock: Any, market: Any) -> None:
    with pytest.raises(ApplicationError) as no_name:
        services.checkin_public(venue=market, phone="0912345678", name="  ")
    assert _field(no_name) == "name"
    with pytest.raises(ApplicationError) as bad_phone:
        services.checkin_public(venue=market, phone="0912", name="Lò Thị Mai")
    assert _field(bad_phone) == "phone"
    with pytest.raises(ApplicationError) as bad_id:
        services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai", national_id="12ab")
    assert _field(bad_id) == "national_id"
    assert CheckIn.objects.count() == 0


def test_inactive_and_pending_venues_refuse_checkins(clock: Any, market: Any, venue_officer: Any) -> None:
    visitor = services.visitor_remember(phone="0912345678", name="Lò Thị Mai")
    venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason="Chợ tạm đóng cửa")
    market.refresh_from_db()
    with pytest.raises(ApplicationError) as closed:
        services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    assert _field(closed) == "venue"
    with pytest.raises(ApplicationError):
        services.checkin_remembered(venue=market, token=visitor.token)
    with pytest.raises(ApplicationError):
        services.checkin_by_staff(venue=market, personal_code=visitor.token)
    market.status = VenueStatus.PENDING
    with pytest.raises(ApplicationError):
        services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    assert CheckIn.objects.count() == 0


def test_checkout_ends_the_visit_now_within_bounds(clock: Any, market: Any, shop: Any) -> None:
    scan = services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    token = scan.visitor.token
    start = scan.checkin.t_in

    clock.shift(dt.timedelta(minutes=35))
    done = services.checkout(token=token, checkin_id=scan.checkin.pk)
    assert (done.t_out - start, done.checked_out) == (35, True)
    # A second tap changes nothing.
    clock.shift(dt.timedelta(minutes=20))
    assert services.checkout(token=token, checkin_id=scan.checkin.pk).t_out - start == 35

    # Past the longest dwell (12 h): the visit is cut at 12 h.
    long = services.checkin_remembered(venue=shop, token=token)
    clock.shift(dt.timedelta(hours=20))
    assert services.checkout(token=token, checkin_id=long.checkin.pk).t_out - long.checkin.t_in == 720

    # A phone clock behind the visit's start: never before the check-in.
    early = services.checkin_remembered(venue=market, token=token)
    clock.shift(dt.timedelta(minutes=-30))
    assert services.checkout(token=token, checkin_id=early.checkin.pk).t_out == early.checkin.t_in


def test_checkout_only_with_the_visitors_own_token(clock: Any, market: Any) -> None:
    scan = services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    other = services.visitor_remember(phone="0987654321", name="Tẩn A Sử")
    for token in (other.token, "", "x" * 32):
        with pytest.raises(ApplicationError) as exc:
            services.checkout(token=token, checkin_id=scan.checkin.pk)
        assert (exc.value.code, _field(exc)) == (ErrorCode.NOT_FOUND, "checkin")
    assert CheckIn.objects.get(pk=scan.checkin.pk).checked_out is False


def test_remembered_with_an_unknown_token(clock: Any, market: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.checkin_remembered(venue=market, token="0" * 32)
    assert (exc.value.code, _field(exc)) == (ErrorCode.NOT_FOUND, "token")


def test_staff_scan_of_a_personal_qr(clock: Any, market: Any) -> None:
    visitor = services.visitor_remember(phone="0912345678", name="Lò Thị Mai")
    scan = services.checkin_by_staff(venue=market, personal_code=f"  {visitor.token.upper()} ")
    assert (scan.checkin.visitor_id, scan.checkin.channel, scan.repeated) == (visitor.pk, Channel.STAFF, False)
    assert services.checkin_by_staff(venue=market, personal_code=visitor.token).repeated
    with pytest.raises(ApplicationError) as exc:
        services.checkin_by_staff(venue=market, personal_code="khong-co")
    assert (exc.value.code, _field(exc)) == (ErrorCode.NOT_FOUND, "code")


def test_person_checkins_are_audited_and_scoped(
    clock: Any, market: Any, shop: Any, make_user: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    person = make_person(full_name="Lò Thị Mai", phone="0912345678", birth_year=1990, sex="F")
    services.checkin_public(venue=market, phone="0912345678", name="Lò Thị Mai")
    clock.shift(dt.timedelta(hours=2))
    services.checkin_public(venue=shop, phone="0912345678", name="Lò Thị Mai")
    services.checkin_public(venue=shop, phone="0987654321", name="Người khác")

    tracer = make_user(Role.TRACER, TAM_DUONG)
    visits = services.person_checkins(
        actor=tracer, person=person, date_from=dt.date(2021, 11, 5), date_to=dt.date(2021, 11, 5)
    )
    assert [(v.venue_code, v.checked_in_at.astimezone(VN).hour) for v in visits] == [(market.code, 8), (shop.code, 10)]
    event = AuditEvent.objects.get(action="checkin.read")
    assert (event.actor_id, event.object_id) == (tracer.pk, str(person.pk))
    assert event.details == {"from": "2021-11-05", "to": "2021-11-05", "rows": 2}

    # Another day: nothing, and still audited.
    assert (
        services.person_checkins(
            actor=tracer, person=person, date_from=dt.date(2021, 11, 6), date_to=dt.date(2021, 11, 7)
        )
        == []
    )
    assert AuditEvent.objects.filter(action="checkin.read").count() == 2

    # Outside the officer's area: not found; without checkin.view: refused. Neither is audited as a read.
    outsider = make_user(Role.TRACER, MUONG_SO)
    with pytest.raises(ApplicationError) as far:
        services.person_checkins(actor=outsider, person=person, date_from=NOW.date(), date_to=NOW.date())
    assert far.value.code == ErrorCode.NOT_FOUND
    duty = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    with pytest.raises(ApplicationError) as denied:
        services.person_checkins(actor=duty, person=person, date_from=NOW.date(), date_to=NOW.date())
    assert denied.value.code == ErrorCode.PERMISSION_DENIED
    with pytest.raises(ApplicationError) as too_long:
        services.person_checkins(
            actor=tracer, person=person, date_from=dt.date(2021, 9, 1), date_to=dt.date(2021, 11, 5)
        )
    assert _field(too_long) == "date_to"
    assert AuditEvent.objects.filter(action="checkin.read").count() == 2
