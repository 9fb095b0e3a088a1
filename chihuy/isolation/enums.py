"""Choices of the isolation domain: facilities, rooms, stays and their states, check-ins, treatment."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    QUARANTINE = "quarantine", _("Khu cách ly tập trung")
    TREATMENT = "treatment", _("Cơ sở thu dung, điều trị COVID-19")


class Tier(models.IntegerChoices):
    """Treatment tiers [V, HCMC 2021]: tier 1 asymptomatic/mild; tier 2 symptomatic; tier 3 ICU."""

    ONE = 1, _("Tầng 1 — không triệu chứng, nhẹ")
    TWO = 2, _("Tầng 2 — có triệu chứng, trung bình")
    THREE = 3, _("Tầng 3 — nặng, nguy kịch (hồi sức tích cực)")


class RoomGender(models.TextChoices):
    ANY = "any", _("Không phân biệt")
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class RoomState(models.TextChoices):
    """What a room's tile on the map shows (computed, never stored)."""

    EMPTY = "empty", _("Trống")
    F1 = "f1", _("Nhóm F1 / cách ly")
    F0 = "f0", _("F0")
    CLEANING = "cleaning", _("Đang khử khuẩn")
    CLOSED = "closed", _("Đóng")


class StayKind(models.TextChoices):
    FACILITY = "facility", _("Cách ly tập trung")
    HOME = "home", _("Cách ly tại nhà")
    TREATMENT = "treatment", _("Điều trị tại cơ sở")


class Cohort(models.TextChoices):
    """Who the person is in this stay: the cohort rules never mix F0 with F1 nor F1 with arrivals."""

    F1 = "f1", _("F1")
    F0 = "f0", _("F0")
    ARRIVAL = "arrival", _("Nhập cảnh / về từ vùng dịch")
    HOUSEHOLD = "household", _("Người cùng hộ cách ly cùng")


class StayStatus(models.TextChoices):
    RESERVED = "reserved", _("Đã xếp giường, chờ đến")
    ACTIVE = "active", _("Đang cách ly / điều trị")
    RELEASED = "released", _("Hoàn thành cách ly")
    POSITIVE = "positive", _("Dương tính — chuyển điều trị F0")
    TRANSFERRED = "transferred", _("Đã chuyển nơi khác")
    DISCHARGED = "discharged", _("Ra viện — khỏi bệnh")
    DIED = "died", _("Tử vong")
    TRANSFERRED_OUT = "transferred_out", _("Chuyển ra ngoài tỉnh")
    CANCELLED = "cancelled", _("Hủy (nhập nhầm, không đến)")


# A stay holds its bed (and its person) while reserved or active; the database enforces one each.
HOLDING_STATUSES = (StayStatus.RESERVED, StayStatus.ACTIVE)
ENDED_STATUSES = tuple(s for s in StayStatus if s not in HOLDING_STATUSES)

STAY_TRANSITIONS: dict[str, set[str]] = {
    StayStatus.RESERVED: {StayStatus.ACTIVE, StayStatus.CANCELLED},
    StayStatus.ACTIVE: {
        StayStatus.RELEASED,
        StayStatus.POSITIVE,
        StayStatus.TRANSFERRED,
        StayStatus.DISCHARGED,
        StayStatus.DIED,
        StayStatus.TRANSFERRED_OUT,
        StayStatus.CANCELLED,
    },
    **{s: set() for s in ENDED_STATUSES},
}


class StayEventKind(models.TextChoices):
    ADMITTED = "admitted", _("Tiếp nhận")
    RESERVED = "reserved", _("Xếp giường")
    MOVED = "moved", _("Chuyển giường")
    CLOCK_RESTARTED = "clock_restarted", _("Tính lại thời gian cách ly")
    TRANSFER_PROPOSED = "transfer_proposed", _("Đề xuất chuyển điều trị")
    ENDED = "ended", _("Kết thúc")


class TestTaskStatus(models.TextChoices):
    PENDING = "pending", _("Chưa đến ngày / chưa lấy mẫu")
    REQUESTED = "requested", _("Đã giao lấy mẫu")
    NEGATIVE = "negative", _("Âm tính")
    POSITIVE = "positive", _("Dương tính")
    CANCELLED = "cancelled", _("Hủy (tính lại lịch)")


class OxygenMode(models.TextChoices):
    NONE = "none", _("Không thở oxy")
    MASK = "mask", _("Oxy gọng mũi / mặt nạ")
    HFNC = "hfnc", _("Oxy dòng cao (HFNC)")
    NON_INVASIVE = "non_invasive", _("Thở máy không xâm nhập")
    INVASIVE = "invasive", _("Thở máy xâm nhập")
    ECMO = "ecmo", _("ECMO")


class CheckSource(models.TextChoices):
    SELF = "self", _("Tự khai qua điện thoại")
    CALL = "call", _("Cán bộ gọi điện")
    VISIT = "visit", _("Cán bộ đến nhà")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Sốt")
    COUGH = "cough", _("Ho")
    SORE_THROAT = "sore_throat", _("Đau họng")
    FATIGUE = "fatigue", _("Mệt mỏi")
    LOSS_OF_TASTE = "loss_of_taste", _("Mất vị giác, khứu giác")
    BREATHING = "breathing", _("Khó thở")
    CHEST_PAIN = "chest_pain", _("Đau tức ngực")
    DIARRHOEA = "diarrhoea", _("Tiêu chảy")


class HomeStatus(models.TextChoices):
    ACTIVE = "active", _("Đang cách ly tại nhà")
    ENDED = "ended", _("Đã kết thúc")


class MonitoringReason(models.TextChoices):
    AFTER_QUARANTINE = "after_quarantine", _("Theo dõi sức khỏe sau cách ly")
    AFTER_TREATMENT = "after_treatment", _("Theo dõi sức khỏe sau ra viện")
    ARRIVAL = "arrival", _("Theo dõi sau nhập cảnh (đủ 28 ngày)")


class MonitoringStatus(models.TextChoices):
    ACTIVE = "active", _("Đang theo dõi")
    DONE = "done", _("Đã kết thúc")
