"""Choices of the labs domain: campaigns, samples, results, shipments, and their transition tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignKind(models.TextChoices):
    VILLAGE = "village", _("Thôn, bản")
    COMMUNE = "commune", _("Xã, phường")
    WORKPLACE = "workplace", _("Nơi làm việc")
    FACILITY = "facility", _("Khu cách ly")
    LIST = "list", _("Danh sách (ví dụ F1 của ổ dịch)")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Đã lập kế hoạch")
    SAMPLING = "sampling", _("Đang lấy mẫu")
    CLOSED = "closed", _("Đã kết thúc")


CAMPAIGN_TRANSITIONS: dict[str, set[str]] = {
    CampaignStatus.PLANNED: {CampaignStatus.SAMPLING, CampaignStatus.CLOSED},
    CampaignStatus.SAMPLING: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: set(),
}


class TestMethod(models.TextChoices):
    """Same values as `cases.TestType`: `response` passes them through to the F0 report."""

    RT_PCR = "rt_pcr", _("RT-PCR")
    RAPID_ANTIGEN = "rapid_antigen", _("Test nhanh kháng nguyên")


class SampleKind(models.TextChoices):
    SINGLE = "single", _("Mẫu đơn")
    POOLED = "pooled", _("Mẫu gộp")


class SampleStatus(models.TextChoices):
    COLLECTED = "collected", _("Đã lấy mẫu")
    SHIPPED = "shipped", _("Đang vận chuyển")
    RECEIVED = "received", _("Phòng xét nghiệm đã nhận")
    RESULTED = "resulted", _("Đã có kết quả")


class Result(models.TextChoices):
    PENDING = "pending", _("Chờ kết quả")
    POSITIVE = "positive", _("Dương tính")
    NEGATIVE = "negative", _("Âm tính")
    INCONCLUSIVE = "inconclusive", _("Không xác định")


# A result may be corrected only from "inconclusive" (the lab re-runs the tube); a positive never silently
# becomes negative nor the reverse: that is a new sample.
RESULT_TRANSITIONS: dict[str, set[str]] = {
    Result.PENDING: {Result.POSITIVE, Result.NEGATIVE, Result.INCONCLUSIVE},
    Result.INCONCLUSIVE: {Result.POSITIVE, Result.NEGATIVE},
    Result.POSITIVE: set(),
    Result.NEGATIVE: set(),
}


class TargetReason(models.TextChoices):
    PLANNED = "planned", _("Theo kế hoạch")
    RETEST = "retest", _("Lấy lại mẫu đơn (mẫu gộp dương tính)")
    CONFIRM = "confirm", _("Xét nghiệm khẳng định RT-PCR")
    INCONCLUSIVE = "inconclusive", _("Lấy lại mẫu (kết quả không xác định)")


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("Chưa lấy mẫu")
    SAMPLED = "sampled", _("Đã lấy mẫu")
    ABSENT = "absent", _("Vắng mặt")
    REFUSED = "refused", _("Từ chối")


class ShipmentStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("Đang vận chuyển")
    RECEIVED = "received", _("Đã nhận đủ")
    DISCREPANCY = "discrepancy", _("Đã nhận, có chênh lệch")
