"""The demo outbreak of seed 001: 15 cases in xã Bản Giang (Tam Đường) in early November 2021, 3 of them found
in the community with unknown source, told through the real services: F0 reports, contact lists (household
members were F1 automatically under 3638/QĐ-BYT then), F1 who turned positive (the cascade), tracing outcomes,
the cluster, an itinerary and a public exposure-site notice approved by the commune commander.

The people are demo residents of Bản Giang (Person.is_demo); the cases are marked is_demo. Running it twice
adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from chihuy.accounts.models import User
from chihuy.cases import services
from chihuy.cases.enums import ClinicalState, DetectionWay, NoticeStatus, Setting, TraceStatus
from chihuy.cases.models import Case, Classification
from chihuy.people.models import Person
from chihuy.places.models import Unit

COMMUNE_PATH = "12/106/03418/"
NEEDED = 3 + 3 * 8 + 12  # index cases, their contacts, the F2
TREATMENT = "Trung tâm Y tế huyện Tam Đường (khu điều trị COVID-19)"


def _at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 11, day, hour, minute))


@transaction.atomic
def build_outbreak() -> dict[str, Any]:
    if Case.objects.filter(is_demo=True).exists():
        return {"cases_created": 0}
    officer = User.objects.get(username="xa_yte")
    commander = User.objects.get(username="xa_chihuy")
    commune = Unit.objects.get(path=COMMUNE_PATH)
    residents = list(Person.objects.filter(unit_path__startswith=COMMUNE_PATH, is_demo=True).order_by("pk")[:120])
    rng = random.Random(1108)
    pool = residents[4:]  # the first four residents are the ones the README and tests name
    if len(pool) < NEEDED:
        return {"cases_created": 0}
    rng.shuffle(pool)
    take = iter(pool)

    def report(person: Person, day: int, way: str, **values: Any) -> Case:
        return services.case_report(
            actor=officer,
            person=person,
            detection_way=way,
            detected_at=_at(day, 10),
            sample_date=dt.date(2021, 11, day - 1),
            treatment_place=TREATMENT,
            clinical_state=values.pop("clinical_state", ClinicalState.MILD),
            is_demo=True,
            **values,
        )

    def contact(source: Person, person: Person, setting: str, day: int, **values: Any) -> None:
        values.setdefault("distance_m", 1)
        values.setdefault("masked", False)
        services.contact_add(
            actor=officer,
            source_person=source,
            contact_person=person,
            setting=setting,
            exposure_at=_at(day, 18),
            **values,
        )

    # Three community cases of unknown source, found by screening at the commune health station.
    index = [next(take) for _ in range(3)]
    cases = [
        report(index[0], 2, DetectionWay.COMMUNITY, place_detected="Trạm Y tế xã Bản Giang"),
        report(index[1], 3, DetectionWay.COMMUNITY, place_detected="Trạm Y tế xã Bản Giang", asymptomatic=True),
        report(
            index[2],
            3,
            DetectionWay.HOSPITAL,
            place_detected="Trung tâm Y tế huyện Tam Đường",
            onset_date=dt.date(2021, 11, 1),
            clinical_state=ClinicalState.MODERATE,
        ),
    ]
    # Their contacts: households (F1 automatically then), workplaces, the market — some too far to count.
    f1: dict[int, list[Person]] = {}
    for src in index:
        f1[src.pk] = []
        for i in range(8):
            person = next(take)
            if i < 3:
                contact(src, person, Setting.HOUSEHOLD, 1, relation="người nhà", distance_m=None, masked=None)
            elif i < 6:
                contact(src, person, Setting.WORKPLACE, 1, relation="cùng làm nương", duration_minutes=60)
            elif i == 6:
                contact(
                    src,
                    person,
                    Setting.VENUE,
                    1,
                    relation="gặp ở chợ",
                    masked=True,
                    duration_minutes=10,
                    distance_m=1.5,
                )
                continue  # masked, 10 minutes: not an F1 — the reason says so
            else:
                contact(src, person, Setting.VENUE, 1, relation="gặp ở chợ", distance_m=5)
                continue
            f1[src.pk].append(person)
    # Contacts of the F1: F2 (a neighbour, a classmate).
    for people in f1.values():
        for person in people[:4]:
            contact(person, next(take), Setting.OTHER, 2, relation="hàng xóm")
    # Twelve F1 test positive in the following days: each F0 report moves its contacts up a level.
    positives = [p for people in f1.values() for p in people][:12]
    by_source = {p.pk: src for src, people in f1.items() for p in people}
    case_of = {c.person_id: c for c in cases}
    for n, person in enumerate(positives):
        day = 4 + n // 3
        cases.append(
            report(
                person,
                day,
                DetectionWay.QUARANTINE if n % 2 else DetectionWay.LOCKDOWN,
                source_case_ids=[case_of[by_source[person.pk]].pk],
            )
        )
    # The tracers' work: most contacts reached and isolated, some still pending.
    for row in Classification.objects.filter(unit_path__startswith=COMMUNE_PATH, level__gte=1).order_by("pk"):
        outcome = rng.choice([TraceStatus.QUARANTINED, TraceStatus.QUARANTINED, TraceStatus.HOME_ISOLATION, None])
        if outcome is not None:
            services.trace_attempt_record(actor=officer, classification=row, outcome=outcome)
    cluster = services.cluster_create(
        actor=officer,
        name="Ổ dịch xã Bản Giang (11/2021)",
        unit=commune,
        kind="community",
        case_ids=[c.pk for c in cases],
        note="Seed 001: 15 ca tại xã Bản Giang, 3 ca cộng đồng không rõ nguồn lây.",
        is_demo=True,
    )
    stops = [
        services.itinerary_add(
            actor=officer,
            case=cases[0],
            place="Chợ Bản Giang",
            address="Xã Bản Giang",
            start_at=_at(1, 6, 30),
            end_at=_at(1, 8, 30),
        ),
        services.itinerary_add(
            actor=officer,
            case=cases[0],
            place="Quán phở đầu bản",
            address="Bản 2, xã Bản Giang",
            start_at=_at(1, 8, 45),
            end_at=_at(1, 9, 15),
        ),
    ]
    notice = services.notice_draft(
        actor=officer,
        case=cases[0],
        title="Thông báo khẩn: các địa điểm liên quan ca COVID-19 tại xã Bản Giang",
        stop_ids=[s.pk for s in stops],
        advice="Người đã đến các địa điểm trên trong khung giờ nêu trên liên hệ ngay Trạm Y tế xã Bản Giang "
        "hoặc đường dây nóng để được hướng dẫn.",
    )
    services.notice_transition(actor=commander, notice=notice, to=NoticeStatus.APPROVED)
    return {"cases_created": len(cases), "cluster": cluster.name}
