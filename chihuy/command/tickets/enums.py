"""Choices of tickets and their one transition table. Escalation is an event, not a status."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketChannel(models.TextChoices):
    HOTLINE = "hotline", _("Đường dây nóng")
    PUBLIC = "public", _("Trang phản ánh công khai")
    API = "api", _("API / Zalo OA")
    SYSTEM = "system", _("Hệ thống")


class TicketCategory(models.TextChoices):
    SUSPECTED_CASE = "suspected_case", _("Nghi mắc COVID-19")
    FROM_OUTBREAK_AREA = "from_outbreak_area", _("Người từ vùng dịch về")
    QUARANTINE_VIOLATION = "quarantine_violation", _("Vi phạm cách ly")
    ESSENTIALS = "essentials", _("Cần lương thực, nhu yếu phẩm")
    MEDICAL_EMERGENCY = "medical_emergency", _("Cấp cứu y tế trong khu cách ly")
    SUPPORT_REQUEST = "support_request", _("Đề nghị cấp trên hỗ trợ")
    MISINFORMATION = "misinformation", _("Thông tin sai sự thật")
    OTHER = "other", _("Khác")


class TicketPriority(models.TextChoices):
    URGENT = "urgent", _("Khẩn cấp")
    HIGH = "high", _("Cao")
    NORMAL = "normal", _("Bình thường")
    LOW = "low", _("Thấp")


class TicketStatus(models.TextChoices):
    NEW = "new", _("Mới tiếp nhận")
    ASSIGNED = "assigned", _("Đã giao người xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    RESOLVED = "resolved", _("Đã giải quyết")
    CLOSED = "closed", _("Đã đóng")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)

# The one transition table. Closing goes through `ticket_close` (an outcome is required); resolved or closed
# tickets may be reopened (back to in progress, the SLA restarts).
TICKET_TRANSITIONS: dict[str, set[str]] = {
    TicketStatus.NEW: {TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.ASSIGNED: {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.IN_PROGRESS: {TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.CLOSED, TicketStatus.IN_PROGRESS},
    TicketStatus.CLOSED: {TicketStatus.IN_PROGRESS},
}
REOPEN_FROM = {TicketStatus.RESOLVED, TicketStatus.CLOSED}


class TicketOutcome(models.TextChoices):
    HANDLED = "handled", _("Đã xử lý tại chỗ")
    REFERRED = "referred", _("Đã chuyển cơ quan chức năng")
    CASE_FOUND = "case_found", _("Phát hiện ca bệnh / người nguy cơ, đã cách ly")
    SUPPORT_GIVEN = "support_given", _("Đã hỗ trợ lương thực, nhu yếu phẩm")
    NO_ACTION = "no_action", _("Không cần xử lý / thông tin không đúng")
    DUPLICATE = "duplicate", _("Trùng phản ánh khác")


class TicketEventKind(models.TextChoices):
    CREATED = "created", _("Tiếp nhận")
    ASSIGNED = "assigned", _("Giao xử lý")
    COMMENT = "comment", _("Ghi chú")
    STATUS = "status", _("Đổi trạng thái")
    ESCALATED = "escalated", _("Chuyển cấp trên")
    LINKED = "linked", _("Liên kết")
    UPDATED = "updated", _("Sửa thông tin")
    CLOSED = "closed", _("Đóng phiếu")
    REOPENED = "reopened", _("Mở lại")
