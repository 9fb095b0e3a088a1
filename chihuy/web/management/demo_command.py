"""Demo command centres: one for Lai Châu, each district and each commune, with members (the demo accounts
where they exist, fictitious officials elsewhere), a roster for the current week (one commune left uncovered
so that the board and the gap sweep have something to show), and the seeds' directives entered as
directives with tasks — seed 000's 2642/UBND-VX with seed 002's "thành lập Trung tâm Chỉ huy cấp xã trước
28/8/2021" for every commune, and seed 001's conclusions of the 08/11/2021 briefing on Bản Giang.
Built through the real services; marked is_demo; running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction

from chihuy.accounts.models import User
from chihuy.command import services
from chihuy.command.models import CentreMember, CommandCentre, Directive, Position, Sector, Shift
from chihuy.core import clock
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

PROVINCE_PATH = "12/"
DISTRICT_PATH = "12/106/"  # Huyện Tam Đường
COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
UNCOVERED_PATH = "12/106/03412/"  # Xã Bình Lư: no roster this week

FAMILY = ["Lò", "Tẩn", "Giàng", "Vàng", "Sùng", "Lù", "Hoàng", "Nguyễn", "Lường", "Phàn", "Đèo", "Lê"]
GIVEN = ["Văn Thắng", "A Sử", "Thị Hoa", "Văn Khoa", "Seo Lình", "Thị Mai", "A Dơ", "Văn Hưng", "Thị Lan", "Đức Anh"]

# Who sits on a centre besides the demo accounts: (position, sector, title).
SEATS = [
    (Position.COMMANDER, Sector.GOVERNMENT, "Chủ tịch UBND"),
    (Position.DEPUTY, Sector.HEALTH, "Giám đốc Trung tâm Y tế / Trạm trưởng Trạm Y tế"),
    (Position.MEMBER, Sector.POLICE, "Trưởng Công an"),
    (Position.MEMBER, Sector.ARMY, "Chỉ huy trưởng Ban Chỉ huy Quân sự"),
]
# Demo accounts on the three demo units' centres: username suffix → (position, sector, title).
ACCOUNT_SEATS = {
    "chihuy": (Position.COMMANDER, Sector.GOVERNMENT, "Chủ tịch UBND"),
    "trucban": (Position.STANDING, Sector.GOVERNMENT, "Văn phòng, trực ban"),
    "yte": (Position.DEPUTY, Sector.HEALTH, "Y tế"),
    "truyvet": (Position.MEMBER, Sector.POLICE, "Tổ truy vết"),
}


def _phone(seed: str) -> str:
    digits = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**8
    return f"09{digits:08d}"


def _name(seed: str) -> str:
    h = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return f"{FAMILY[h % len(FAMILY)]} {GIVEN[(h // 7) % len(GIVEN)]}"


@transaction.atomic
def build_command() -> dict[str, Any]:
    admin = User.objects.get(username="tinh_quantri")
    created = 0
    if not CommandCentre.objects.filter(is_demo=True).exists():
        created = _centres(admin)
    shifts = _roster(admin)
    directives = 0
    if not Directive.objects.filter(is_demo=True).exists():
        directives = _directives(admin)
    summary = f"{created} trung tâm chỉ huy, {shifts} ca trực, {directives} văn bản chỉ đạo demo mới."
    return {"centres_created": created, "shifts_created": shifts, "directives_created": directives, "summary": summary}


def _centres(admin: User) -> int:
    units = list(
        Unit.objects.filter(
            path__startswith=PROVINCE_PATH, level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE]
        ).order_by("path")
    )
    prefixes = {PROVINCE_PATH: "tinh", DISTRICT_PATH: "huyen", COMMUNE_PATH: "xa"}
    for unit in units:
        centre = services.centre_create(
            actor=admin,
            unit=unit,
            phone=_phone(f"centre:{unit.path}"),
            address=f"Trụ sở UBND {unit.name}",
            is_demo=True,
        )
        prefix = prefixes.get(unit.path)
        if prefix is not None:
            for suffix, (position, sector, title) in ACCOUNT_SEATS.items():
                user = User.objects.get(username=f"{prefix}_{suffix}")
                services.member_add(
                    actor=admin,
                    centre=centre,
                    user=user,
                    position=position,
                    sector=sector,
                    title=f"{title} ({unit.name})",
                    phone=user.phone or _phone(f"user:{user.username}"),
                )
            seats = SEATS[2:]  # police and army join the demo accounts
        else:
            seats = SEATS if unit.level != UnitLevel.COMMUNE else SEATS[:3]
        for position, sector, title in seats:
            services.member_add(
                actor=admin,
                centre=centre,
                full_name=_name(f"{unit.path}:{sector}"),
                position=position if not (prefix and position == Position.COMMANDER) else Position.MEMBER,
                sector=sector,
                title=f"{title} {unit.name}",
                phone=_phone(f"{unit.path}:{sector}"),
            )
    return len(units)


def _roster(admin: User) -> int:
    """A week from yesterday (so that now is always covered) for every demo centre without a shift in it: 3×8
    at province and district, 2×12 at communes, rotating the members who have an account where there are any
    (so that alerts reach someone); Bình Lư is left uncovered."""
    monday = clock.today() - dt.timedelta(days=1)
    made = 0
    for centre in CommandCentre.objects.filter(is_demo=True).select_related("unit").order_by("unit_path"):
        if centre.unit_path == UNCOVERED_PATH:
            continue
        start = dt.datetime.combine(monday, dt.time(0), tzinfo=clock.now().tzinfo)
        if Shift.objects.filter(centre=centre, starts_at__gte=start - dt.timedelta(hours=12)).exists():
            continue
        people = list(CentreMember.objects.filter(centre=centre, is_active=True).order_by("position", "pk"))
        on_roster = [m for m in people if m.position != Position.COMMANDER] or people
        on_roster = [m for m in on_roster if m.user_id is not None] or on_roster
        template = "2x12" if centre.unit.level == UnitLevel.COMMUNE else "3x8"
        made += len(
            services.roster_plan(
                actor=admin, centre=centre, template=template, start_date=monday, weeks=1, people=on_roster
            )
        )
    return made


def _directives(admin: User) -> int:
    province = CommandCentre.objects.get(unit_path=PROVINCE_PATH)
    districts = list(Unit.objects.filter(parent__path=PROVINCE_PATH, level=UnitLevel.DISTRICT).order_by("path"))
    communes = list(Unit.objects.filter(path__startswith=PROVINCE_PATH, level=UnitLevel.COMMUNE).order_by("path"))
    commune_officer = User.objects.get(username="xa_trucban")
    commune_health = User.objects.get(username="xa_yte")
    district_officer = User.objects.get(username="huyen_trucban")

    # Seed 000 (Lai Châu, 26/8/2021) with the deadline of seed 002: centres at every level within two days.
    first = services.directive_create(
        actor=admin,
        centre=province,
        number="2642/UBND-VX",
        issued_on=dt.date(2021, 8, 26),
        title="V/v tăng cường các biện pháp phòng, chống dịch Covid-19",
        summary=(
            "Thành lập Trung tâm chỉ huy phòng, chống dịch các cấp do đồng chí Chủ tịch UBND đứng đầu, quy định rõ "
            "chức năng, nhiệm vụ, quyền hạn, ban hành quy chế hoạt động; phân công ứng trực 24/24 giờ để kịp thời "
            "tiếp nhận, xử lý, báo cáo theo thẩm quyền mọi vấn đề liên quan phòng, chống dịch trên địa bàn."
        ),
        tasks=[
            services.TaskSpec(
                unit=u,
                description="Thành lập Trung tâm Chỉ huy cấp huyện, Chủ tịch UBND huyện là Chỉ huy trưởng",
                deadline=dt.date(2021, 8, 28),
            )
            for u in districts
        ]
        + [
            services.TaskSpec(
                unit=u,
                description=(
                    "Thành lập Trung tâm Chỉ huy cấp xã do Chủ tịch UBND xã đứng đầu; phân công ứng trực 24/24 giờ"
                ),
                deadline=dt.date(2021, 8, 28),
            )
            for u in communes
        ],
        is_demo=True,
    )
    services.directive_issue(actor=admin, directive=first)
    tasks = {t.unit_path: t for t in first.tasks.all()}
    services.task_report(
        actor=district_officer,
        task=tasks[DISTRICT_PATH],
        progress=100,
        text="Quyết định thành lập Trung tâm Chỉ huy huyện Tam Đường đã ban hành; lịch trực 24/24 giờ từ 27/8/2021.",
    )
    services.task_report(actor=commune_officer, task=tasks[COMMUNE_PATH], progress=50, text="Đã có dự thảo quyết định.")
    services.task_report(
        actor=commune_officer,
        task=tasks[COMMUNE_PATH],
        progress=100,
        text="UBND xã Bản Giang ban hành quyết định thành lập Trung tâm Chỉ huy; phân công trực 24/24 giờ.",
    )

    # Seed 001: the conclusions of the province's online briefing of 08/11/2021 on the Bản Giang outbreak.
    second = services.directive_create(
        actor=admin,
        centre=province,
        number="TB-UBND 08/11/2021",
        issued_on=dt.date(2021, 11, 8),
        title="Kết luận tại cuộc họp giao ban trực tuyến toàn tỉnh về công tác phòng, chống dịch Covid-19",
        summary=(
            "15 trường hợp dương tính tại xã Bản Giang, trong đó 03 trường hợp trong cộng đồng chưa xác định rõ "
            "nguồn lây. Thực hiện hiệu quả phương châm 5S; kịp thời báo cáo những khó khăn, vướng mắc lên cấp trên."
        ),
        tasks=[
            services.TaskSpec(
                unit=u,
                description="Tổ chức diễn tập phòng, chống dịch tại các xã, bản trên địa bàn",
                deadline=dt.date(2021, 11, 30),
            )
            for u in districts
        ]
        + [
            services.TaskSpec(
                unit=Unit.objects.get(path=COMMUNE_PATH),
                description="Khoanh vùng, truy vết triệt để; xét nghiệm toàn bộ người dân các bản có ca F0",
                deadline=dt.date(2021, 11, 12),
            )
        ],
        is_demo=True,
    )
    services.directive_issue(actor=admin, directive=second)
    tasks = {t.unit_path: t for t in second.tasks.all()}
    services.task_report(
        actor=district_officer,
        task=tasks[DISTRICT_PATH],
        progress=60,
        text="Đã xây dựng kịch bản diễn tập; diễn tập tại 8/13 xã.",
    )
    services.task_report(
        actor=commune_health,
        task=tasks[COMMUNE_PATH],
        progress=100,
        text="Đã lấy mẫu 1.236 người tại 4 bản; tất cả âm tính ngoài 15 ca đã biết.",
    )
    return 2
