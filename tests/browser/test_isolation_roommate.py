"""Issue 6 in a real browser: a roommate turning positive restarts the room's clocks. Three F1 of one exposure cohort
share room 101 of the Tam Đường quarantine area from 10/11/2021 (5599: 14 days, release from 24/11). On 13/11 the lab
enters a positive result for one of them: the F0 is created, their stay ends POSITIVE, and the district's facility
manager sees on the room map and on each roommate's page that the clock restarted on 13/11 (release from 27/11),
with the reason naming the roommate and the case; the release button says why not yet.

The clock is moved to November 2021 for the live server and the data (time-machine moves it for every thread)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases.models import Case
from chihuy.isolation.enums import Cohort, FacilityKind, StayKind, StayStatus
from chihuy.isolation.models import Bed, Stay, Zone
from chihuy.isolation.services import facilities as facility_services
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.people.services import person_create
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from chihuy.response import labs as response_labs
from tests.conftest import BAN_GIANG, LAI_CHAU, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICT = dt.timezone(dt.timedelta(hours=7))
ADMITTED = dt.datetime(2021, 11, 10, 9, 0, tzinfo=ICT)
POSITIVE_DAY = dt.datetime(2021, 11, 13, 8, 0, tzinfo=ICT)


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


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_roommate_turning_positive_restarts_the_rooms_clocks(page: Any, live_server: Any, lai_chau: None) -> None:
    with time_machine.travel(ADMITTED, tick=True) as traveller:
        manager = _user("ql.tamduong", Role.FACILITY_MANAGER, TAM_DUONG)
        officer = _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
        technician = _user("ktv.cdc", Role.LAB_TECHNICIAN, LAI_CHAU)
        admin = _user("quantri", Role.SYSADMIN, LAI_CHAU)
        commune = Unit.objects.get(path=BAN_GIANG)
        lab_site = Site.objects.create(
            kind=SiteKind.LAB,
            name="Phòng xét nghiệm CDC Lai Châu",
            unit=Unit.objects.get(path=LAI_CHAU),
            unit_path=LAI_CHAU,
        )
        lab = lab_services.lab_upsert(actor=admin, site=lab_site, daily_capacity=2000, member_ids=[technician.pk])
        site = Site.objects.create(
            kind=SiteKind.QUARANTINE_FACILITY, name="Khu cách ly tập trung Tam Đường", unit=commune, unit_path=BAN_GIANG
        )
        facility = facility_services.facility_create(
            actor=manager, site=site, kind=FacilityKind.QUARANTINE, opened_on=dt.date(2021, 11, 1)
        )
        zone = facility_services.zone_create(actor=manager, facility=facility, name="Nhà A")
        facility_services.rooms_bulk_create(actor=manager, zone=zone, first=101, last=102, beds_per_room=4, floor=1)
        people = [
            person_create(
                actor=admin,
                confirm_new=True,
                full_name=name,
                sex="M",
                birth_year=1985 + i,
                phone=f"091300001{i}",
                unit=commune,
            )
            for i, name in enumerate(["Lò Văn An", "Lò Văn Bình", "Lò Văn Cường"])
        ]
        beds = list(Bed.objects.filter(room__code="101", facility=facility).order_by("position"))
        stays = stays_admit(
            actor=manager,
            kind=StayKind.FACILITY,
            facility=facility,
            admissions=[
                Admission(person=p, cohort=Cohort.F1, cohort_on=dt.date(2021, 11, 9), bed=beds[i])
                for i, p in enumerate(people)
            ],
        )
        assert {s.release_on for s in stays} == {dt.date(2021, 11, 24)}

        # 13/11: Bình's single tube is positive.
        traveller.move_to(POSITIVE_DAY)
        lab_services.sample_take(actor=officer, code="CLTD-0013", person_ids=[people[1].pk])
        shipment = lab_services.shipment_create(actor=officer, lab=lab, sample_codes=["CLTD-0013"])
        lab_services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["CLTD-0013"])
        response_labs.result_record(
            actor=technician, sample=Sample.objects.get(code="CLTD-0013"), result=Result.POSITIVE, ct_values={"E": 20.5}
        )
        case = Case.objects.get(person=people[1])
        assert Stay.objects.get(pk=stays[1].pk).status == StayStatus.POSITIVE

        traveller.move_to(POSITIVE_DAY + dt.timedelta(hours=2))
        _login(page, live_server, "ql.tamduong")

        # The room map: room 101 is an F1 room on day 1 of its new clock, ending 27/11.
        zone_id = Zone.objects.get(facility=facility).pk
        page.goto(f"{live_server.url}/cach-ly/khu/{zone_id}/so-do/")
        tile = page.locator('[data-room="101"]')
        assert tile.get_attribute("data-state") == "f1"
        assert tile.locator(".occupancy").inner_text() == "2/4"
        assert tile.locator(".day-count").inner_text() == "Ngày 1 · hết 27/11"

        # The stays list of the facility: the two roommates on day 1, release 27/11; Bình no longer holding.
        page.goto(f"{live_server.url}/cach-ly/luot/?facility={facility.pk}")
        rows = page.locator("#stays-table tbody tr")
        assert rows.count() == 2
        for i in range(2):
            assert rows.nth(i).locator(".stay-release").inner_text() == "27/11/2021"
            assert rows.nth(i).locator(".stay-day").inner_text() == "Ngày 1 (từ 13/11/2021)"

        # An's page: the restarted clock, the reason naming Bình and the case, the release explained.
        page.click("#stays-table >> text=Lò Văn An")
        page.wait_for_url(f"{live_server.url}/cach-ly/luot/{stays[0].pk}/")
        assert page.inner_text("#stay-day") == "Ngày 1/14"
        assert page.inner_text("#clock-start") == "13/11/2021"
        assert page.inner_text("#release-on") == "27/11/2021"
        restart = page.locator("#events .event-clock_restarted .event-reason")
        assert restart.inner_text() == (
            f"Lò Văn Bình (cùng phòng 101) dương tính, ca {case.number} ngày 13/11/2021: tính lại thời gian cách ly."
        )
        assert page.locator("#tests-table tbody tr").count() == 3
        assert page.locator("#tests-table tr[data-day='7'] td").nth(1).inner_text() == "19/11/2021"
        assert "sớm nhất ngày 27/11/2021" in page.inner_text("#release-why")
        assert page.locator("#release-form button").is_disabled()

        # Bình's page: ended POSITIVE with the case named.
        page.goto(f"{live_server.url}/cach-ly/luot/{stays[1].pk}/")
        assert page.inner_text("#stay-status") == "Dương tính — chuyển điều trị F0"
        assert f"Dương tính, ca {case.number}: chuyển điều trị F0." in page.inner_text("#stay-end")
        assert page.locator("#release-form").count() == 0
