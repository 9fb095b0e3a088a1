"""Choices of the people domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")
    UNKNOWN = "U", _("Chưa rõ")


class ChronicCondition(models.TextChoices):
    HYPERTENSION = "hypertension", _("Tăng huyết áp")
    DIABETES = "diabetes", _("Đái tháo đường")
    HEART = "heart", _("Bệnh tim mạch")
    LUNG = "lung", _("Bệnh phổi mạn tính (COPD, hen)")
    KIDNEY = "kidney", _("Bệnh thận mạn")
    LIVER = "liver", _("Bệnh gan mạn")
    CANCER = "cancer", _("Ung thư")
    IMMUNE = "immune", _("Suy giảm miễn dịch")
    OBESITY = "obesity", _("Béo phì")
    OTHER = "other", _("Bệnh nền khác")


class Vulnerability(models.TextChoices):
    ELDERLY = "elderly", _("Từ 65 tuổi")
    CHRONIC = "chronic", _("Có bệnh nền")
    PREGNANT = "pregnant", _("Đang mang thai")
