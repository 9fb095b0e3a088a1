"""Choices of the cases domain: how an F0 was found, its state, contact settings, tracing outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DetectionWay(models.TextChoices):
    COMMUNITY = "community", _("Sàng lọc cộng đồng")
    QUARANTINE = "quarantine", _("Trong khu cách ly")
    LOCKDOWN = "lockdown", _("Trong khu phong tỏa")
    IMPORTED = "imported", _("Nhập cảnh / từ vùng dịch về")
    CHECKPOINT = "checkpoint", _("Tại chốt kiểm soát")
    HOSPITAL = "hospital", _("Tại cơ sở y tế")


# Origins of the daily bulletin: a case found in quarantine or a locked-down zone is not "community".
COMMUNITY_WAYS = {DetectionWay.COMMUNITY, DetectionWay.CHECKPOINT, DetectionWay.HOSPITAL}


class TestType(models.TextChoices):
    RT_PCR = "rt_pcr", _("RT-PCR")
    RAPID_ANTIGEN = "rapid_antigen", _("Test nhanh kháng nguyên")


class ClinicalState(models.TextChoices):
    ASYMPTOMATIC = "asymptomatic", _("Không triệu chứng")
    MILD = "mild", _("Nhẹ")
    MODERATE = "moderate", _("Trung bình")
    SEVERE = "severe", _("Nặng")
    CRITICAL = "critical", _("Nguy kịch")


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Đang điều trị, theo dõi")
    RULED_OUT = "ruled_out", _("Đã loại trừ")
    RECOVERED = "recovered", _("Khỏi bệnh, ra viện")
    DIED = "died", _("Tử vong")


# The one transition table of a case. Only an active case counts as a source of F1s.
CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.ACTIVE: {CaseStatus.RULED_OUT, CaseStatus.RECOVERED, CaseStatus.DIED},
    CaseStatus.RULED_OUT: set(),
    CaseStatus.RECOVERED: set(),
    CaseStatus.DIED: set(),
}


class RuleOutReason(models.TextChoices):
    NEGATIVE_CONFIRMATORY = "negative_confirmatory", _("Xét nghiệm khẳng định âm tính")
    DATA_ERROR = "data_error", _("Nhập sai dữ liệu")


class Setting(models.TextChoices):
    HOUSEHOLD = "household", _("Hộ gia đình")
    WORKPLACE = "workplace", _("Nơi làm việc")
    SCHOOL = "school", _("Trường học")
    VENUE = "venue", _("Địa điểm công cộng")
    VEHICLE = "vehicle", _("Phương tiện đi lại")
    HEALTHCARE = "healthcare", _("Cơ sở y tế, chăm sóc")
    OTHER = "other", _("Khác")


class TraceStatus(models.TextChoices):
    PENDING = "pending", _("Chưa liên hệ")
    REACHED = "reached", _("Đã liên hệ")
    INFORMED = "informed", _("Đã thông báo")
    QUARANTINED = "quarantined", _("Đã đưa đi cách ly tập trung")
    HOME_ISOLATION = "home_isolation", _("Cách ly tại nhà")
    UNREACHABLE = "unreachable", _("Không liên lạc được")
    REFUSED = "refused", _("Từ chối hợp tác")


# What counts as "reached" for the 5S clock, and as "isolated".
REACHED_STATUSES = {
    TraceStatus.REACHED,
    TraceStatus.INFORMED,
    TraceStatus.QUARANTINED,
    TraceStatus.HOME_ISOLATION,
    TraceStatus.REFUSED,
}
ISOLATED_STATUSES = {TraceStatus.QUARANTINED, TraceStatus.HOME_ISOLATION}


class LevelCause(models.TextChoices):
    CASE_REPORTED = "case_reported", _("Có ca F0 mới")
    CONTACT_ADDED = "contact_added", _("Thêm tiếp xúc")
    CONTACT_REMOVED = "contact_removed", _("Hủy tiếp xúc")
    CASE_RULED_OUT = "case_ruled_out", _("F0 được loại trừ")
    CASE_CLOSED = "case_closed", _("F0 khỏi bệnh, ra viện hoặc tử vong")
    RECOMPUTE = "recompute", _("Tính lại toàn bộ")


class ClusterKind(models.TextChoices):
    SOURCE_CASE = "source_case", _("Cùng nguồn lây")
    HOUSEHOLD = "household", _("Hộ gia đình")
    VENUE = "venue", _("Địa điểm")
    WORKPLACE = "workplace", _("Nơi làm việc")
    COMMUNITY = "community", _("Cộng đồng")
    OTHER = "other", _("Khác")


class ClusterStatus(models.TextChoices):
    ACTIVE = "active", _("Đang hoạt động")
    CLOSED = "closed", _("Đã đóng")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    APPROVED = "approved", _("Đã duyệt, công bố")
    WITHDRAWN = "withdrawn", _("Đã thu hồi")


NOTICE_TRANSITIONS: dict[str, set[str]] = {
    NoticeStatus.DRAFT: {NoticeStatus.APPROVED, NoticeStatus.WITHDRAWN},
    NoticeStatus.APPROVED: {NoticeStatus.WITHDRAWN},
    NoticeStatus.WITHDRAWN: set(),
}
