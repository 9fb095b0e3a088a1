"""Demo doses for the demo people of Tam Đường (Lai Châu), a realistic picture of early November 2021: most adults
with one dose (AstraZeneca or Vero Cell from mid-July), many with two, a first Pfizer dose for some 12–17 year olds
in early November, and a share of people ≥ 50 in Bản Giang's villages still unvaccinated, so that the priority list
has work in it. Two campaign targets (Bản Giang ≥ 50 with ≥ 1 dose; Tam Đường ≥ 18 fully vaccinated).

Every dose goes through `dose_record` (source DEMO, is_demo=True); the draw is seeded, so the same people get the
same doses. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from chihuy.accounts.models import User
from chihuy.people.models import Person
from chihuy.places.models import Unit
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.models import CampaignTarget, Dose, Vaccine
from chihuy.vaccination.services import dose_record, target_set

DISTRICT_PATH = "12/106/"  # Huyện Tam Đường
COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
ON = dt.date(2021, 11, 9)  # the last day a demo dose is given
SITE_NAME = "Trạm Y tế xã {commune} (demo)"
# Names of the demo story (demo_data.py): who is vaccinated how.
FIXED = {"Nguyễn Văn An": 2, "Nguyễn Văn Anh": 1, "Lò Thị Mai": 2, "Giàng A Páo": 0}


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _plan(person: Person, rng: random.Random) -> tuple[str, int]:
    """(vaccine code, doses) for one person."""
    if person.full_name in FIXED and person.unit_path.startswith(COMMUNE_PATH):
        return "AZ", FIXED[person.full_name]
    age = person.age(ON)
    if age is None or age < 12:
        return "", 0
    if age < 18:
        return ("PFIZER", 1) if rng.random() < 0.35 else ("", 0)
    # People ≥ 50 of Bản Giang's villages lag behind (far from the commune's health station).
    unvaccinated = 0.3 if age >= 50 and person.unit_path.startswith(COMMUNE_PATH) else 0.15
    if rng.random() < unvaccinated:
        return "", 0
    code = "AZ" if rng.random() < 0.6 else "SINOPHARM"
    return code, 2 if rng.random() < 0.45 else 1


@transaction.atomic
def seed_vaccination() -> dict[str, Any]:
    if Dose.objects.filter(is_demo=True).exists():
        return {"doses_created": 0, "targets_created": 0}
    vaccines = {v.code: v for v in Vaccine.objects.all()}
    communes = {u.path: u.name for u in Unit.objects.filter(path__startswith=DISTRICT_PATH, level="commune")}
    created = 0
    people = Person.objects.filter(unit_path__startswith=DISTRICT_PATH, is_demo=True, is_active=True).order_by("pk")
    for person in people.iterator(chunk_size=500):
        rng = random.Random(f"vaccination-{person.pk}")
        code, doses = _plan(person, rng)
        if not doses:
            continue
        vaccine = vaccines[code]
        commune = next((name for path, name in communes.items() if person.unit_path.startswith(path)), "")
        site = SITE_NAME.format(commune=commune.removeprefix("Xã "))
        if code == "PFIZER":  # children from November 2021
            given = _day(rng, dt.date(2021, 11, 1), ON)
        else:
            given = _day(rng, max(vaccine.available_from, dt.date(2021, 7, 15)), dt.date(2021, 9, 30))
        for number in range(1, doses + 1):
            if number > 1:
                given = given + dt.timedelta(days=vaccine.min_interval_days + rng.randint(0, 20))
                if given > ON:
                    break
            dose_record(
                actor=None,
                person=person,
                dose_number=number,
                vaccine=vaccine,
                given_on=given,
                lot=f"{code[:2]}{given:%m%d}",
                site_name=site,
                source=DoseSource.DEMO,
                source_ref="demo",
                is_demo=True,
            )
            created += 1
    targets = 0
    planner = User.objects.filter(username="tinh_quantri").first()
    if planner is not None and not CampaignTarget.objects.exists():
        for path, group, kind, pct in ((COMMUNE_PATH, "50+", "first", 95), (DISTRICT_PATH, "18+", "full", 70)):
            unit = Unit.objects.filter(path=path).first()
            if unit is not None:
                target_set(
                    actor=planner,
                    unit=unit,
                    age_group=group,
                    kind=kind,
                    target_pct=pct,
                    due_on=dt.date(2021, 12, 31),
                    note="Chiến dịch tiêm chủng cuối năm 2021 (demo)",
                )
                targets += 1
    return {"doses_created": created, "targets_created": targets}
