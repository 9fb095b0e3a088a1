"""The venue check-in demo of issue 7: the venues of xã Bản Giang (the market, the commune health station, a shop, a
restaurant, the Tam Đường – Lai Châu bus route) registered through the service by the commune's health officer
(xa_yte), and the scans of early November 2021 around the demo F0s' market mornings: the F0s themselves, residents
of Bản Giang who were there at the same time (some for minutes, some for an hour), a few travellers not in the
registry, and scans elsewhere that meet nobody. The check-ins are written as rows (the ingest refuses data older
than the retention window relative to today, and 2021 is long past it); then the engine runs for the demo F0s, so
the tracers' queue has its F1 candidates. Running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from chihuy.accounts.models import User
from chihuy.cases.enums import CaseStatus
from chihuy.cases.models import Case
from chihuy.people.models import Person
from chihuy.places.models import Unit
from chihuy.response.exposure import exposures_for_cases
from chihuy.tracing import times
from chihuy.tracing.enums import Channel, VenueCategory
from chihuy.tracing.models import CheckIn, ExposureCandidate, Venue, Visitor
from chihuy.tracing.services.venues import venue_register

COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
EVENT_PREFIX = "demo:"
VENUES = [
    ("Chợ Bản Giang", VenueCategory.MARKET, "Trung tâm xã Bản Giang", "Ban quản lý chợ Bản Giang", "0912345001"),
    ("Trạm Y tế xã Bản Giang", VenueCategory.HEALTH_STATION, "Trung tâm xã Bản Giang", "", ""),
    ("Tạp hóa Lò Thị Hoa", VenueCategory.SHOP, "Bản 2, xã Bản Giang", "Lò Thị Hoa", "0912345002"),
    ("Quán phở đầu bản", VenueCategory.RESTAURANT, "Bản 2, xã Bản Giang", "Tao Văn Phở", "0912345003"),
    (
        "Tuyến xe khách Tam Đường – Lai Châu",
        VenueCategory.BUS_ROUTE,
        "Bến xe Tam Đường – Bến xe khách Lai Châu",
        "Hợp tác xã vận tải Tam Đường",
        "0912345004",
    ),
]
TRAVELLERS = [
    ("0977100201", "Vàng Thị Dua"),
    ("0977100202", "Hoàng Văn Khánh"),
    ("0977100203", "Giàng A Páo"),
    ("0977100204", "Nguyễn Thị Thu"),
]
F0_WITH_SCANS = 6  # the first demo F0s (by detection) whose market mornings were scanned


def _venues(officer: User) -> dict[str, Venue]:
    commune = Unit.objects.get(path=COMMUNE_PATH)
    found: dict[str, Venue] = {}
    for name, category, address, owner, owner_phone in VENUES:
        venue = Venue.objects.filter(unit=commune, site__name=name).first() or venue_register(
            actor=officer,
            unit=commune,
            name=name,
            category=category,
            address=address,
            owner_name=owner,
            owner_phone=owner_phone,
        )
        found[str(category)] = venue
    return found


def _visitor(phone: str, name: str, person: Person | None = None) -> Visitor:
    found = Visitor.objects.filter(phone=phone).first()
    if found is not None:
        return found
    return Visitor.objects.create(
        phone=phone,
        name=name,
        person=person,
        token=secrets.token_hex(16),
        created_at=timezone.make_aware(dt.datetime(2021, 10, 25, 7, 0)),
    )


@transaction.atomic
def seed_tracing() -> dict[str, int]:
    officer = User.objects.filter(username="xa_yte").first()
    if officer is None:
        return {"venues": 0, "checkins_created": 0, "candidates_created": 0}
    venues = _venues(officer)
    if CheckIn.objects.filter(event_key__startswith=EVENT_PREFIX).exists():
        return {"venues": len(venues), "checkins_created": 0, "candidates_created": 0}

    cases = list(
        Case.objects.filter(is_demo=True, status=CaseStatus.ACTIVE, unit_path__startswith=COMMUNE_PATH)
        .exclude(person=None)
        .select_related("person")
        .order_by("detected_at", "id")[:F0_WITH_SCANS]
    )
    f0_ids = set(Case.objects.filter(is_demo=True).values_list("person_id", flat=True))
    residents = list(
        Person.objects.filter(unit_path__startswith=COMMUNE_PATH, is_demo=True, is_active=True)
        .exclude(phone="")
        .exclude(pk__in=f0_ids)
        .order_by("pk")[:40]
    )
    rng = random.Random(20211101)
    market = venues[VenueCategory.MARKET]
    rows: list[CheckIn] = []

    def scan(venue: Venue, who: Visitor, start: dt.datetime, minutes: int, channel: str = Channel.QR) -> None:
        t_in = times.to_minute(start)
        rows.append(
            CheckIn(
                venue=venue,
                visitor=who,
                unit_path=venue.unit_path,
                t_in=t_in,
                t_out=t_in + minutes,
                checked_out=channel != Channel.QR or minutes != 60,
                channel=channel,
                event_key=f"{EVENT_PREFIX}{len(rows) + 1}",
            )
        )

    people = iter(residents)
    for n, case in enumerate(cases):
        person = case.person
        assert person is not None
        # The market morning the day before detection, within the infectious window (the first F0's is the
        # morning of its itinerary: 01/11 06:30).
        day = _market_day(case)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(6, 30)) + dt.timedelta(minutes=10 * n))
        own = _visitor(person.phone or f"09990{person.pk:05d}"[-10:], person.full_name, person)
        scan(market, own, start, 120 if n == 0 else 75)
        # Residents there with them: 3 each, from a few minutes to the whole morning.
        for _k in range(3):
            resident = next(people, None)
            if resident is None:
                break
            offset = rng.choice([-40, -20, 0, 15, 30, 50])
            scan(market, _visitor(resident.phone, resident.full_name), start + dt.timedelta(minutes=offset), 60)
        # Each F0's way home: the health station or the shop, and one bus ride, met by nobody.
        scan(venues[VenueCategory.SHOP], own, start + dt.timedelta(hours=3), 15, Channel.STAFF)
    # Travellers off the Lai Châu bus who stopped at the market during the first F0's morning.
    if cases:
        first = timezone.make_aware(dt.datetime.combine(_market_day(cases[0]), dt.time(7, 0)))
        for i, (phone, name) in enumerate(TRAVELLERS):
            who = _visitor(phone, name)
            scan(venues[VenueCategory.BUS_ROUTE], who, first - dt.timedelta(hours=2), 90, Channel.STAFF)
            scan(market, who, first + dt.timedelta(minutes=15 * i), 45)
    # Residents elsewhere the other days (nobody to meet).
    for resident in list(people)[:10]:
        day = timezone.make_aware(dt.datetime(2021, 11, rng.randint(1, 7), rng.randint(13, 17), 0))
        scan(venues[VenueCategory.RESTAURANT], _visitor(resident.phone, resident.full_name), day, 40)
    CheckIn.objects.bulk_create(rows, batch_size=500)

    before = ExposureCandidate.objects.count()
    exposures_for_cases(actor=officer, case_ids=[c.pk for c in cases])
    return {
        "venues": len(venues),
        "checkins_created": len(rows),
        "candidates_created": ExposureCandidate.objects.count() - before,
    }


def _market_day(case: Case) -> dt.date:
    return max(case.infectious_from, timezone.localdate(case.detected_at) - dt.timedelta(days=1))
