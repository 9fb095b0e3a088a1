"""Demo hotline tickets: a dozen reports in Lai Châu communes taken through the real services — calls to the
hotline, reports from the public page, a Zalo message — some assigned, one in progress, one
closed with its outcome, and one the commune already escalated to the district's centre. Received now, so that
their SLA countdowns are live in the demo. Marked is_demo; running it twice adds nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chihuy.accounts.models import User
from chihuy.command.models import Ticket
from chihuy.command.tickets import services
from chihuy.command.tickets.enums import TicketChannel, TicketStatus
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
SIBLING_PATH = "12/106/03412/"  # Xã Bình Lư

# (commune: "own" | "sibling" | index among the province's other communes, channel, category, priority,
#  caller, phone, place, text)
CALLS: list[tuple[Any, str, str, str, str, str, str, str]] = [
    (
        "own",
        "hotline",
        "suspected_case",
        "high",
        "Lò Thị Mai",
        "0912345601",
        "Bản Nà Luông",
        "Con trai từ Bắc Giang về hôm qua, sốt 38,5 độ, ho, chưa khai báo y tế.",
    ),
    (
        "own",
        "hotline",
        "quarantine_violation",
        "high",
        "Giàng A Páo",
        "0987654302",
        "Bản Cốc Phát",
        "Người đang cách ly tại nhà (F1) ra chợ phiên sáng nay, không đeo khẩu trang.",
    ),
    (
        "own",
        "public",
        "essentials",
        "normal",
        "Tòng Văn Sáng",
        "0356789103",
        "Bản Hon",
        "Gia đình 5 người đang cách ly tại nhà đã hết gạo và sữa cho con nhỏ.",
    ),
    (
        "own",
        "hotline",
        "medical_emergency",
        "urgent",
        "Trạm Y tế xã",
        "02133876504",
        "Khu cách ly Trường THCS",
        "Người cách ly tập trung 67 tuổi khó thở, SpO2 92%, cần chuyển viện.",
    ),
    (
        "own",
        "hotline",
        "support_request",
        "urgent",
        "Chủ tịch UBND xã",
        "0912000105",
        "UBND xã",
        "Xã cần thêm 500 bộ xét nghiệm nhanh và 2 xe chở người đi cách ly trong đêm nay.",
    ),
    (
        "sibling",
        "hotline",
        "from_outbreak_area",
        "normal",
        "Lù Văn Chứ",
        "0399887706",
        "Bản Bình Lư",
        "Hàng xóm có 3 người đi xe máy từ Bình Dương về tối qua.",
    ),
    (
        "sibling",
        "public",
        "misinformation",
        "low",
        "",
        "0865432107",
        "Nhóm Zalo của bản",
        "Tin nhắn lan truyền nói uống nước lá chữa khỏi COVID-19, nhiều người tin.",
    ),
    (
        0,
        "hotline",
        "suspected_case",
        "normal",
        "Vàng Thị Dợ",
        "0977665508",
        "Bản Thào Chư Phìn",
        "Chồng đi làm thuê ở Hà Nội về, ho và mất vị giác.",
    ),
    (
        1,
        "hotline",
        "essentials",
        "high",
        "Tẩn Văn Cường",
        "0922334409",
        "Bản Sà Dề Phìn",
        "Bản bị phong tỏa 3 ngày, 12 hộ thiếu lương thực.",
    ),
    (
        2,
        "hotline",
        "quarantine_violation",
        "normal",
        "",
        "0911223310",
        "Quán nước đầu cầu",
        "Quán karaoke vẫn mở cửa buổi tối dù đã có lệnh tạm dừng.",
    ),
    (
        3,
        "hotline",
        "other",
        "low",
        "Hờ A Sùng",
        "0933445511",
        "Bản Nậm Cuổi",
        "Hỏi lịch tiêm mũi 2 vắc xin cho người trên 65 tuổi trong bản.",
    ),
]


@transaction.atomic
def build_tickets() -> dict[str, Any]:
    if Ticket.objects.filter(is_demo=True).exists():
        return {"tickets_created": 0}
    commune_officer = User.objects.get(username="xa_trucban")
    commune_boss = User.objects.get(username="xa_chihuy")
    province_officer = User.objects.get(username="tinh_trucban")
    own = Unit.objects.get(path=COMMUNE_PATH)
    sibling = Unit.objects.get(path=SIBLING_PATH)
    others = list(
        Unit.objects.filter(path__under="12/", level=UnitLevel.COMMUNE)
        .exclude(path__under="12/106/")
        .order_by("path")[:4]
    )
    made: list[Ticket] = []
    for where, channel, category, priority, caller, phone, place, text in CALLS:
        unit = own if where == "own" else sibling if where == "sibling" else others[int(where)]
        actor = commune_officer if where == "own" else province_officer
        made.append(
            services.ticket_intake(
                actor=None if channel == TicketChannel.PUBLIC else actor,
                channel=channel,
                category=category,
                priority=priority,
                caller_name=caller,
                caller_phone=phone,
                place_text=place,
                text=text,
                unit=unit,
                is_demo=True,
            )
        )
    made.append(
        services.ticket_intake(
            actor=None,
            channel=TicketChannel.API,
            category="from_outbreak_area",
            priority="normal",
            caller_name="Lường Thị Lan",
            contact_handle="zalo:demo-84912345612",
            text="Em vừa từ TP. Hồ Chí Minh về Bản Giang bằng xe khách, cần khai báo và cách ly ở đâu ạ?",
            unit=own,
            source="zalo_oa",
            external_ref="demo-zalo-0001",
            is_demo=True,
        )
    )
    # The commune works its tickets: one assigned, one in progress, one closed, one escalated to Tam Đường.
    services.ticket_assign(actor=commune_boss, ticket=made[0], user=commune_officer, note="Gọi lại ngay")
    services.ticket_transition(actor=commune_officer, ticket=made[1], to=TicketStatus.IN_PROGRESS)
    services.ticket_comment(
        actor=commune_officer, ticket=made[1], text="Đã báo công an xã và trưởng bản đến nhắc nhở, lập biên bản."
    )
    services.ticket_close(
        actor=commune_officer,
        ticket=made[2],
        outcome="support_given",
        outcome_text="Đoàn thanh niên xã đã mang 20 kg gạo, 2 hộp sữa đến tận nhà.",
    )
    services.ticket_escalate(
        actor=commune_boss,
        ticket=made[4],
        reason="Xã không đủ bộ xét nghiệm và phương tiện; đề nghị huyện hỗ trợ.",
    )
    return {"tickets_created": len(made)}
