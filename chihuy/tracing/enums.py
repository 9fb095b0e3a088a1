from django.db import models
from django.utils.translation import gettext_lazy as _


class VenueCategory(models.TextChoices):
    MARKET = "market", _("Chợ")
    SHOP = "shop", _("Cửa hàng, siêu thị")
    RESTAURANT = "restaurant", _("Nhà hàng, quán ăn")
    SCHOOL = "school", _("Trường học")
    OFFICE = "office", _("Cơ quan, công sở")
    FACTORY = "factory", _("Nhà máy, doanh nghiệp")
    BUS_ROUTE = "bus_route", _("Tuyến xe khách, xe buýt")
    HEALTH_STATION = "health_station", _("Cơ sở y tế, trạm y tế")
    CHECKPOINT = "checkpoint", _("Chốt kiểm soát")
    OTHER = "other", _("Khác")


class VenueStatus(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    ACTIVE = "active", _("Đang hoạt động")
    INACTIVE = "inactive", _("Ngừng hoạt động")


# pending → active (a commune officer approves an owner's registration); active ⇄ inactive.
VENUE_TRANSITIONS: dict[str, set[str]] = {
    VenueStatus.PENDING: {VenueStatus.ACTIVE, VenueStatus.INACTIVE},
    VenueStatus.ACTIVE: {VenueStatus.INACTIVE},
    VenueStatus.INACTIVE: {VenueStatus.ACTIVE},
}


class Channel(models.TextChoices):
    QR = "qr", _("Tự quét mã QR địa điểm")
    STAFF = "staff", _("Nhân viên quét mã cá nhân")
    BULK = "bulk", _("Hệ thống khác gửi (API)")


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Đã nhận")
    DUPLICATE = "duplicate", _("Trùng (đã nhận trước đó)")
    REJECTED = "rejected", _("Bị từ chối")


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xác minh")
    CONFIRMED = "confirmed", _("Đã xác nhận là tiếp xúc")
    DISMISSED = "dismissed", _("Đã loại")


class RunKind(models.TextChoices):
    CASE = "case", _("Khi xác nhận F0")
    PERSON = "person", _("Tra cứu theo người và khoảng thời gian")
    BATCH = "batch", _("Tính lại cho mọi F0 đang hoạt động")
