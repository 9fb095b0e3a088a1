"""Issue 6's walk in a real browser: 24 F1 off one bus arrive at Tam Đường's quarantine area on 10/11/2021. The
district facility manager pastes their phone numbers, the proposer places them on the map — the family of four in
the family room, the two brothers together, the 70-year-old in the oxygen room, men and women apart, and nobody
in room 101 where two F1 of an earlier exposure are — and the manager admits them all. The room map then shows
every room as a tile by state with the day count, and no room holds two exposure cohorts.

The quarantine rule in force today (1909/BYT-DP) no longer quarantines F1, so the walk runs on 10/11/2021 under
5599/BYT-MT: the live server's clock travels there (time-machine moves it for the live server's thread too), and
the session and CSRF cookies are browser-session cookies so that the real-time browser keeps them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.isolation.enums import StayStatus
from chihuy.isolation.models import Room, Stay
from chihuy.isolation.services import facilities as facility_services
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.people.services import person_create
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import BAN_GIANG, LAI_CHAU, PASSWORD, TAM_DUONG
from tests.isolation.bus import EXPOSED_ON, make_bus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARRIVAL = dt.datetime(2021, 11, 10, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def _user(username: str, role: str, path: str) -> Any:
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=Unit.objects.get(path=path),
        roles=[role],
        full_name=username,
        phone=f"09120{len(username):05d}",
    )


def test_24_f1_from_one_bus_assigned_on_the_map_without_mixing_cohorts(
    page: Any, live_server: Any, lai_chau: None, settings: Any
) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(ARRIVAL, tick=True):
        admin = _user("quantri.laichau", Role.SYSADMIN, LAI_CHAU)
        manager = _user("cachly.tamduong", Role.FACILITY_MANAGER, TAM_DUONG)
        commune = Unit.objects.get(path=BAN_GIANG)
        site = Site.objects.create(
            kind=SiteKind.QUARANTINE_FACILITY, name="Khu cách ly tập trung Tam Đường", unit=commune, unit_path=BAN_GIANG
        )
        facility = facility_services.facility_create(actor=manager, site=site, kind="quarantine")
        nha_a = facility_services.zone_create(actor=manager, facility=facility, name="Nhà A")
        facility_services.rooms_bulk_create(actor=manager, zone=nha_a, first=101, last=104, beds_per_room=4)
        facility_services.rooms_bulk_create(
            actor=manager, zone=nha_a, first=105, last=105, beds_per_room=4, is_family=True
        )
        facility_services.rooms_bulk_create(
            actor=manager, zone=nha_a, first=106, last=106, beds_per_room=2, oxygen_point=True
        )
        nha_b = facility_services.zone_create(actor=manager, facility=facility, name="Nhà B")
        facility_services.rooms_bulk_create(actor=manager, zone=nha_b, first=201, last=206, beds_per_room=4)
        # Two F1 of an earlier exposure (30/10) already in room 101.
        earlier = [
            person_create(actor=admin, confirm_new=True, full_name=name, sex="M", birth_year=1980, unit=commune)
            for name in ("Lò Văn Cũ", "Lò Văn Xưa")
        ]
        beds = list(Room.objects.get(facility=facility, code="101").beds.order_by("position"))
        stays_admit(
            actor=manager,
            kind="facility",
            facility=facility,
            admissions=[
                Admission(person=p, cohort="f1", cohort_on=dt.date(2021, 10, 30), bed=beds[i])
                for i, p in enumerate(earlier)
            ],
        )
        bus = make_bus(admin, BAN_GIANG)

        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "cachly.tamduong")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        # 1. From the facility list to the group admission.
        page.goto(f"{live_server.url}/cach-ly/co-so/")
        page.click(f"#facility-table [data-facility='{facility.pk}'] a")
        page.wait_for_url(re.compile(rf"/cach-ly/co-so/{facility.pk}/$"))
        page.click("#admit-group")
        page.fill("#id_numbers", "\n".join(p.phone for p in bus.people))
        page.fill("#id_cohort_on", EXPOSED_ON.isoformat())
        page.click("#propose-submit")
        page.wait_for_selector("#proposal-rows")

        # 2. The proposal on the map: everyone placed, nobody proposed into 101.
        assert page.locator("#proposal-summary").inner_text().startswith("24 người có giường, 0 người chưa xếp được.")
        assert page.locator("#proposal-rows tbody tr").count() == 24
        proposed_rooms = page.locator(".proposal-map .room-tile.has-proposed").evaluate_all(
            "tiles => tiles.map(t => t.dataset.room)"
        )
        assert "101" not in proposed_rooms and {"105", "106"} <= set(proposed_rooms)
        family_tile = page.locator(".proposal-map [data-room='105'] .proposed-names").inner_text()
        assert all(p.full_name in family_tile for p in bus.family)
        assert bus.elder.full_name in page.locator(".proposal-map [data-room='106'] .proposed-names").inner_text()

        # 3. Accept: admitted now.
        page.click("#accept-admit")
        page.wait_for_url(re.compile(rf"/cach-ly/co-so/{facility.pk}/$"))
        assert "Đã tiếp nhận 24 người." in page.content()
        assert page.locator("#beds-free").inner_text() == str(46 - 26)

        # 4. The room map of each zone: tiles by state, the day count, and no cohort mixing.
        page.click(f"#zone-list [data-zone='{nha_a.pk}']")
        page.wait_for_selector("#room-grid")
        tiles = dict(
            page.locator("#room-grid .room-tile").evaluate_all(
                "tiles => tiles.map(t => [t.dataset.room, t.dataset.state])"
            )
        )
        assert tiles == {"101": "f1", "102": "f1", "103": "f1", "104": "f1", "105": "f1", "106": "f1"}
        assert page.locator("[data-room='101'] .occupancy").inner_text() == "2/4"
        assert page.locator("[data-room='105'] .occupancy").inner_text() == "4/4"
        assert page.locator("[data-room='101'] .day-count").inner_text().startswith("Ngày 1")
        assert page.locator("[data-room='101'] .cohort-on").inner_text() == "Phơi nhiễm 30/10 · Nam"
        assert page.locator("[data-room='105'] .cohort-on").inner_text() == "Phơi nhiễm 08/11 · Nam, Nữ"
        assert page.locator("#map-legend li").count() == 5
        page.goto(f"{live_server.url}/cach-ly/khu/{nha_b.pk}/so-do/")
        states = page.locator("#room-grid .room-tile").evaluate_all("tiles => tiles.map(t => t.dataset.state)")
        assert states == ["f1", "f1", "empty", "empty", "empty", "empty"]  # two rooms opened in Nhà B

    stays = Stay.objects.filter(facility=facility, status=StayStatus.ACTIVE).select_related("room", "person")
    assert stays.count() == 26
    by_room: dict[str, set[dt.date]] = {}
    sexes: dict[str, set[str]] = {}
    for stay in stays:
        by_room.setdefault(stay.room.code, set()).add(stay.cohort_on)  # type: ignore[union-attr]
        if not stay.room.is_family:  # type: ignore[union-attr]
            sexes.setdefault(stay.room.code, set()).add(stay.person.sex)  # type: ignore[union-attr]
    assert all(len(dates) == 1 for dates in by_room.values()), by_room
    assert all(len(s) == 1 for s in sexes.values()), sexes
    assert by_room["101"] == {dt.date(2021, 10, 30)}
    assert {s.room.code for s in stays if s.person_id in {p.pk for p in bus.family}} == {"105"}  # type: ignore[union-attr]
