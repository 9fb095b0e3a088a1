"""The demo province: Lai Châu's real units, demo villages, demo population estimates, demo people and one
demo account per role at province, district (Tam Đường) and commune (Bản Giang) level.

Everything demo is marked (Unit.is_demo, Population.is_estimate with its source, Person.is_demo) and
built through the same services as real data. Running it twice changes nothing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chihuy.accounts.models import User
from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.people.imports import person_import
from chihuy.people.models import Person
from chihuy.places.enums import AgeBand, SiteKind, UnitLevel
from chihuy.places.models import Population, Site, Unit
from chihuy.places.services import population_set, site_create, units_load_province, village_create
from chihuy.web.management.demo_cases import build_outbreak

PROVINCE = "Lai Châu"
CENSUS_TOTAL = 460_196  # census 1/4/2019 (DOMAIN.md)
CENSUS_YEAR = 2019
POPULATION_SOURCE = "Ước tính demo: tổng điều tra 1/4/2019 (460.196 người) chia theo xã và nhóm tuổi"
# Lai Châu is young: shares of each age band, an estimate for the demo only.
AGE_SHARES = {AgeBand.A0_11: 0.27, AgeBand.A12_17: 0.12, AgeBand.A18_49: 0.45, AgeBand.A50_64: 0.11, AgeBand.A65: 0.05}
DISTRICT_PATH = "12/106/"  # Huyện Tam Đường
COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
VILLAGES_PER_COMMUNE = 4
DEMO_PASSWORD = "ChiHuy@2021-demo"

LEVEL_PREFIX = {"province": "tinh", "district": "huyen", "commune": "xa"}
ROLE_SLUG = {
    Role.COMMANDER: "chihuy",
    Role.DUTY_OFFICER: "trucban",
    Role.HEALTH_OFFICER: "yte",
    Role.TRACER: "truyvet",
    Role.LAB_TECHNICIAN: "xetnghiem",
    Role.FACILITY_MANAGER: "cachly",
    Role.CHECKPOINT_OFFICER: "chot",
    Role.VACCINATOR: "tiemchung",
    Role.ANALYST: "phantich",
    Role.SYSADMIN: "quantri",
}

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đỗ",
    "Lò",
    "Tòng",
    "Lù",
    "Giàng",
    "Vàng",
    "Sùng",
    "Hờ",
    "Chảo",
    "Tẩn",
    "Lý",
    "Đèo",
    "Hà",
    "Quàng",
    "Lường",
    "Điêu",
]
MIDDLE_M = ["Văn", "Văn", "A", "Seo", "Đức", "Minh", "Quang"]
MIDDLE_F = ["Thị", "Thị", "Mí", "Thu", "Hồng"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Long", "Pằn", "Chứ", "Sáng", "Páo", "Thào", "Tùng", "Quý", "Khánh"]
GIVEN_F = ["Lan", "Mai", "Hoa", "Xuân", "Sua", "Dợ", "Mỷ", "Chang", "Pà", "Thương", "Hạnh", "Lụa", "Ngọc"]


@dataclass
class DemoAccount:
    username: str
    role: str
    unit: str


def _weight(code: str) -> float:
    # A stable pseudo-random weight per commune (urban wards larger), so the demo is the same every run.
    return 0.6 + int(hashlib.sha256(code.encode()).hexdigest()[:6], 16) / 0xFFFFFF


def _apportion(total: int, weights: dict[Any, float]) -> dict[Any, int]:
    """Largest-remainder split of `total` by weights: the parts sum to `total` exactly."""
    whole = sum(weights.values())
    raw = {k: total * w / whole for k, w in weights.items()}
    parts = {k: int(v) for k, v in raw.items()}
    left = total - sum(parts.values())
    for k in sorted(raw, key=lambda k: raw[k] - parts[k], reverse=True)[:left]:
        parts[k] += 1
    return parts


@transaction.atomic
def build(*, people_per_commune_in_district: int = 60, people_in_ban_giang: int = 400) -> dict[str, Any]:
    root = units_load_province(province=PROVINCE).root
    assert root is not None
    communes = list(Unit.objects.filter(path__under=root.path, level=UnitLevel.COMMUNE).order_by("path"))

    villages = 0
    for commune in communes:
        for i in range(1, VILLAGES_PER_COMMUNE + 1):
            code = f"{i:02d}"
            if not Unit.objects.filter(parent=commune, code=code).exists():
                village_create(commune=commune, code=code, name=f"Bản {i} (demo)", is_demo=True)
                villages += 1

    if not Population.objects.filter(unit_path__under=root.path, year=CENSUS_YEAR).exists():
        per_commune = _apportion(CENSUS_TOTAL, {c: _weight(c.code) for c in communes})
        for commune, total in per_commune.items():
            population_set(
                unit=commune,
                year=CENSUS_YEAR,
                counts=_apportion(total, AGE_SHARES),
                is_estimate=True,
                source=POPULATION_SOURCE,
            )

    accounts = _accounts(root)
    superuser = User.objects.get(username="tinh_quantri")

    commune = Unit.objects.get(path=COMMUNE_PATH)
    for kind, name in [
        (SiteKind.HEALTH_FACILITY, "Trạm Y tế xã Bản Giang"),
        (SiteKind.CHECKPOINT, "Chốt kiểm soát Bản Giang (demo)"),
        (SiteKind.VENUE, "Chợ Bản Giang (demo)"),
    ]:
        if not Site.objects.filter(unit=commune, kind=kind, name=name).exists():
            site_create(actor=superuser, unit=commune, kind=kind, name=name)

    people = 0
    if not Person.objects.filter(is_demo=True).exists():
        people = _people(superuser, people_per_commune_in_district, people_in_ban_giang)
    outbreak = build_outbreak()
    return {
        "root": root,
        "communes": len(communes),
        "villages_created": villages,
        "accounts": accounts,
        "people_created": people,
        "cases_created": outbreak["cases_created"],
    }


def _accounts(root: Unit) -> list[DemoAccount]:
    units = {
        "province": root,
        "district": Unit.objects.get(path=DISTRICT_PATH),
        "commune": Unit.objects.get(path=COMMUNE_PATH),
    }
    result = []
    for level, unit in units.items():
        for role in Role:
            username = f"{LEVEL_PREFIX[level]}_{ROLE_SLUG[role]}"
            if not User.objects.filter(username=username).exists():
                user = user_create(
                    actor=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    unit=unit,
                    roles=[role],
                    full_name=f"{role.label} {unit.name} (demo)",
                )
                if level == "province" and role == Role.SYSADMIN:
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
            result.append(DemoAccount(username=username, role=str(role.label), unit=unit.name))
    return result


def _people(actor: User, per_commune: int, in_ban_giang: int) -> int:
    """Demo residents of Tam Đường (more in Bản Giang), through the real bulk import."""
    rng = random.Random(2021)
    rows = ["ho_ten,ngay_sinh,gioi_tinh,cccd,so_dien_thoai,ma_don_vi,dia_chi,nghe_nghiep"]
    seen_ids: set[str] = set()
    villages = list(Unit.objects.filter(path__under=DISTRICT_PATH, level=UnitLevel.VILLAGE).select_related("parent"))
    by_commune: dict[str, list[Unit]] = {}
    for v in villages:
        by_commune.setdefault(v.parent.path if v.parent else "", []).append(v)
    # The first demo residents of Bản Giang are the ones the tests and the README mention.
    fixed = [
        ("Nguyễn Văn An", "12/03/1980", "Nam"),
        ("Nguyễn Văn Anh", "05/07/1992", "Nam"),
        ("Lò Thị Mai", "20/11/1975", "Nữ"),
        ("Giàng A Páo", "01/01/1958", "Nam"),
    ]
    count = 0
    for commune_path, commune_villages in sorted(by_commune.items()):
        n = in_ban_giang if commune_path == COMMUNE_PATH else per_commune
        for i in range(n):
            if commune_path == COMMUNE_PATH and i < len(fixed):
                name, birth, sex = fixed[i]
                year = int(birth[-4:])
            else:
                female = rng.random() < 0.5
                name = " ".join(
                    [
                        rng.choice(FAMILY),
                        rng.choice(MIDDLE_F if female else MIDDLE_M),
                        rng.choice(GIVEN_F if female else GIVEN_M),
                    ]
                )
                year = rng.randint(1935, 2020)
                birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
                sex = "Nữ" if female else "Nam"
            cccd = ""
            if year <= 2007:
                digit = (0 if year < 2000 else 2) + (1 if sex == "Nữ" else 0)
                while True:
                    cccd = f"012{digit}{year % 100:02d}{rng.randint(0, 999999):06d}"
                    if cccd not in seen_ids:
                        seen_ids.add(cccd)
                        break
            phone = f"0{rng.choice(['9', '8', '3'])}{rng.randint(10_000_000, 99_999_999)}" if year <= 2008 else ""
            village = rng.choice(commune_villages)
            address = f"{village.name.replace(' (demo)', '')}, {village.parent.name if village.parent else ''}"
            job = rng.choice(["Làm nông", "Làm nông", "Học sinh", "Buôn bán", "Công chức", "Tự do"])
            rows.append(f'"{name}",{birth},{sex},{cccd},{phone},{village_code(village)},"{address}",{job}')
            count += 1
    report = person_import(actor=actor, within=DISTRICT_PATH, data="\n".join(rows).encode(), filename="demo.csv")
    if report.errors:
        raise RuntimeError(f"demo people: {report.errors[:3]}")
    Person.objects.filter(unit_path__under=DISTRICT_PATH).update(is_demo=True)
    return report.created


def village_code(village: Unit) -> str:
    # Village codes repeat across communes ("01"): the importer takes "commune/village" for them.
    return f"{village.parent.code if village.parent else ''}/{village.code}"
