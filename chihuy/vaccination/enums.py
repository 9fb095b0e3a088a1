"""Choices of the vaccination domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DoseSource(models.TextChoices):
    SITE = "site", _("Nhập tại điểm tiêm")
    IMPORT = "import", _("Nhập từ tệp (nền tảng tiêm chủng)")
    DEMO = "demo", _("Dữ liệu minh họa")
