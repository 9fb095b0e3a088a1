"""Choices of the reports domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EpidemicLevel(models.IntegerChoices):
    NEW_NORMAL = 1, _("Cấp 1 – Nguy cơ thấp (xanh)")
    MEDIUM = 2, _("Cấp 2 – Nguy cơ trung bình (vàng)")
    HIGH = 3, _("Cấp 3 – Nguy cơ cao (cam)")
    VERY_HIGH = 4, _("Cấp 4 – Nguy cơ rất cao (đỏ)")


LEVEL_COLOURS = {1: "#2e7d32", 2: "#f9a825", 3: "#ef6c00", 4: "#c62828"}


class RuleSet(models.TextChoices):
    QD_4800 = "4800", _("Quyết định 4800/QĐ-BYT (12/10/2021)")
    QD_218 = "218", _("Quyết định 218/QĐ-BYT (27/01/2022)")
    QD_2686 = "2686", _("Quyết định 2686/QĐ-BCĐQG (31/5/2021) – bản đồ nguy cơ")


class AssessmentStatus(models.TextChoices):
    COMPUTED = "computed", _("Hệ thống tính, chờ xác nhận")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    OVERRIDDEN = "overridden", _("Đã điều chỉnh")


class AssessmentTrigger(models.TextChoices):
    WEEKLY = "weekly", _("Đánh giá hằng tuần")
    ON_DEMAND = "on_demand", _("Đánh giá theo yêu cầu")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi, chờ duyệt")
    RETURNED = "returned", _("Trả lại để sửa")
    APPROVED = "approved", _("Đã duyệt")
