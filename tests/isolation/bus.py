"""The bus of issue 6's walk: 24 F1 off one bus exposed on 08/11/2021 — a household of four (father, mother, two
children) for a family room, two brothers, a 70-year-old man for an oxygen room, ten men and seven women —
made through the real people services (shared by the service, web and browser tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chihuy.people.models import Person
from chihuy.people.services import household_create, person_create
from chihuy.places.models import Unit

EXPOSED_ON = dt.date(2021, 11, 8)


@dataclass
class Bus:
    people: list[Person]
    family: list[Person]
    brothers: list[Person]
    elder: Person


def make_bus(actor: Any, unit_path: str, *, phone_base: int = 913000000) -> Bus:
    unit = Unit.objects.get(path=unit_path)
    n = iter(range(100))

    def person(name: str, sex: str, year: int) -> Person:
        i = next(n)
        return person_create(
            actor=actor,
            confirm_new=True,
            full_name=name,
            sex=sex,
            birth_year=year,
            unit=unit,
            phone=f"0{phone_base + i}",
            national_id=f"0{phone_base % 1000:03d}{i:05d}",
        )

    family = [
        person("Lò Văn Hùng", "M", 1980),
        person("Tao Thị Hoa", "F", 1983),
        person("Lò Văn Nam", "M", 2010),
        person("Lò Thị Mai", "F", 2013),
    ]
    household_create(actor=actor, unit=unit, address="Bản Nà Bỏ, nhà số 12", members=family)
    brothers = [person("Giàng A Páo", "M", 1995), person("Giàng A Dính", "M", 1998)]
    household_create(actor=actor, unit=unit, address="Bản Nà Bỏ, nhà số 30", members=brothers)
    elder = person("Lò Văn Khởi", "M", 1951)
    men = [person(f"Nguyễn Văn Nam {i + 1}", "M", 1985 + i) for i in range(10)]
    women = [person(f"Trần Thị Lan {i + 1}", "F", 1988 + i) for i in range(7)]
    people = [*family, *brothers, elder, *men, *women]
    for p in family + brothers:
        p.refresh_from_db()
    people = [Person.objects.get(pk=p.pk) for p in people]
    by_pk = {p.pk: p for p in people}
    return Bus(
        people=people,
        family=[by_pk[p.pk] for p in family],
        brothers=[by_pk[p.pk] for p in brothers],
        elder=by_pk[elder.pk],
    )
