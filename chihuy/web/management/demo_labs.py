"""The demo of testing: the provincial CDC lab with its technician (tinh_xetnghiem), a sampling campaign of a
Bản Giang village in pools of 5 taken this morning, a shipment received at the lab, a result file applied with one
positive pool (its five people waiting for single retests), tubes still in the lab, and tubes past the 12-hour
target that the sweep alerts. Everything through the real services at the current time (the tubes' clock runs from
now, unlike the 2021 outbreak): tubes are recorded with their collection time of this morning, shipped, received
and resulted now. Running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from chihuy.accounts.models import User
from chihuy.core import clock
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind
from chihuy.labs.models import Campaign
from chihuy.people.models import Person
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from chihuy.places.services import site_create
from chihuy.response.labs import results_import

LAB_NAME = "Phòng xét nghiệm CDC Lai Châu"
LAB_COMMUNE_PATH = "12/105/03387/"  # Phường Tân Phong, TP Lai Châu
POOL = 5


@transaction.atomic
def build_labs() -> dict[str, Any]:
    if Campaign.objects.filter(is_demo=True).exists():
        return {"tubes_created": 0}
    admin = User.objects.get(username="tinh_quantri")
    officer = User.objects.get(username="xa_yte")
    technician = User.objects.get(username="tinh_xetnghiem")
    tan_phong = Unit.objects.get(path=LAB_COMMUNE_PATH)
    site = Site.objects.filter(unit=tan_phong, kind=SiteKind.LAB, name=LAB_NAME).first() or site_create(
        actor=admin, unit=tan_phong, kind=SiteKind.LAB, name=LAB_NAME, address="Phường Tân Phong, TP Lai Châu"
    )
    lab = services.lab_upsert(actor=admin, site=site, daily_capacity=3000, member_ids=[technician.pk])
    village = (
        Unit.objects.filter(parent__path=officer.unit_path, level="village", is_demo=True).order_by("path").first()
    )
    assert village is not None
    people = list(Person.objects.filter(unit=village, is_demo=True).order_by("pk").values_list("pk", flat=True))
    now = clock.now()
    campaign = services.campaign_create(
        actor=officer,
        name=f"Sàng lọc {village.name}",
        kind=CampaignKind.VILLAGE,
        unit=village,
        planned_on=clock.today(),
        pool_size=POOL,
        lab=lab,
        teams=["Tổ 1 – Trạm Y tế Bản Giang", "Tổ 2 – Tổ COVID cộng đồng"],
        sites=[f"Nhà văn hóa {village.name}"],
        is_demo=True,
    )
    pools = [people[i : i + POOL] for i in range(0, len(people) - POOL + 1, POOL)]
    codes = []
    for n, pool in enumerate(pools, start=1):
        code = f"{campaign.code}-{n:03d}"
        # The last two tubes were taken at dawn and never left the commune: past the 12 hours, alerted.
        taken = now - dt.timedelta(hours=13 if n > len(pools) - 2 else 8, minutes=n)
        services.sample_take(
            actor=officer,
            code=code,
            person_ids=pool,
            campaign=campaign,
            team="Tổ 1 – Trạm Y tế Bản Giang",
            collected_at=taken,
            is_demo=True,
        )
        codes.append(code)
    if len(codes) < 6:  # a tiny demo village: tubes only
        return {"tubes_created": len(codes), "resulted": 0, "follow_ups": 0, "waiting": len(codes)}
    shipped, kept = codes[:-2], codes[-2:]
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=shipped, note="Xe trạm y tế")
    services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=shipped)
    resulted, waiting = shipped[:-3], shipped[-3:]
    rows = ["ma_mau,ket_qua,so_mau_gop,ct_e,ct_n"]
    for i, code in enumerate(resulted):
        rows.append(f"{code},dương tính,{POOL},27.4,28.9" if i == 1 else f"{code},âm tính,{POOL},,")
    report = results_import(
        actor=technician, lab=lab, data=("\n".join(rows) + "\n").encode(), filename="ket_qua_demo.csv"
    )
    services.overdue_alert(now=now)
    return {
        "tubes_created": len(codes),
        "resulted": report.applied,
        "follow_ups": report.follow_ups,
        "waiting": len(waiting) + len(kept),
    }
