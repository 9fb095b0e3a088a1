"""Vaccines (reference data with their schedule and the date each could first be given in Viet Nam) and the doses
people received, matched to `people.Person`.

A dose carries what coverage needs without a join: the person's `unit_path` when it was recorded, the age band
on the day it was given, whether it completes the primary series (dose 2 of a two-dose vaccine, dose 1 of
Janssen, dose 3 of Abdala) and whether it is the first dose after it (the booster, "mũi 3"). `reports` sums
these per unit and reporting day into its facts; coverage never scans doses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.places.enums import AgeBand
from chihuy.vaccination.enums import DoseSource


class Vaccine(BaseModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    # Names the national platform's exports and hand-written lists use ("Vero Cell", "Comirnaty" …), folded.
    aliases = models.JSONField(default=list, blank=True)
    primary_doses = models.PositiveSmallIntegerField(default=2)
    min_interval_days = models.PositiveSmallIntegerField(default=21)  # between doses of the primary series
    available_from = models.DateField()  # a dose dated earlier is an error
    source = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vắc xin")
        verbose_name_plural = _("vắc xin")
        constraints = [models.CheckConstraint(condition=Q(primary_doses__gte=1), name="vaccine_primary_doses_positive")]

    def __str__(self) -> str:
        return self.name


class Dose(BaseModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="doses")
    unit_path = models.CharField(max_length=255)  # the person's unit when the dose was recorded
    dose_number = models.PositiveSmallIntegerField()
    vaccine = models.ForeignKey(Vaccine, on_delete=models.PROTECT, related_name="doses")
    lot = models.CharField(max_length=40, blank=True)
    given_on = models.DateField()
    site = models.ForeignKey("places.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    site_name = models.CharField(max_length=200, blank=True)  # as written when no site matches
    age_band = models.CharField(max_length=5, choices=AgeBand.choices, blank=True)  # "" when the birth is unknown
    completes_primary = models.BooleanField(default=False)
    is_booster = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=DoseSource.choices, default=DoseSource.SITE)
    source_ref = models.CharField(max_length=60, blank=True)  # "import#12 row 7"
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["person_id", "dose_number"]
        verbose_name = _("mũi tiêm")
        verbose_name_plural = _("mũi tiêm")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "dose_number"], condition=Q(is_active=True), name="dose_number_unique_per_person"
            ),
            models.CheckConstraint(condition=Q(dose_number__gte=1), name="dose_number_positive"),
        ]
        indexes = [
            models.Index(fields=["unit_path", "given_on"], name="dose_unit", opclasses=["varchar_pattern_ops", ""]),
            # The reports' incremental refresh reads "what changed since" on every source table.
            models.Index(fields=["updated_at"], name="dose_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} mũi {self.dose_number} {self.given_on}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Chờ đối chiếu")
    RESOLVED = "resolved", _("Đã ghép người")
    REJECTED = "rejected", _("Đã loại")


class ReviewReason(models.TextChoices):
    UNMATCHED = "unmatched", _("Không tìm thấy người")
    AMBIGUOUS = "ambiguous", _("Nhiều người khớp")
    ID_MISMATCH = "id_mismatch", _("Khớp tên và ngày sinh nhưng khác số CCCD")
    CONFLICT = "conflict", _("Người đã có mũi này với ngày khác")


class DoseReview(BaseModel):
    """A row of an imported dose file that could not be matched to exactly one person (or that contradicts a dose
    already stored): kept with its raw values and candidates until a vaccinator picks (or creates) the person, or
    rejects it with a reason. Nothing of an import is lost."""

    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit_path = models.CharField(max_length=255)  # the importer's area: who may resolve it
    filename = models.CharField(max_length=255, blank=True)
    row_number = models.PositiveIntegerField()
    raw = models.JSONField(default=dict)  # canonical column → value as written
    # What the row means once parsed (so that resolving does not re-parse): vaccine id, dose number, dates …
    parsed = models.JSONField(default=dict)
    # The same row imported again is recognised (never queued twice): folded name|birth|id|dose|date|vaccine.
    fingerprint = models.CharField(max_length=200)
    reason = models.CharField(max_length=12, choices=ReviewReason.choices)
    candidates = models.JSONField(default=list, blank=True)  # person ids
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dose = models.ForeignKey(Dose, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reject_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("dòng chờ đối chiếu")
        verbose_name_plural = _("hàng đợi đối chiếu mũi tiêm")
        indexes = [
            models.Index(fields=["unit_path", "status", "id"], name="dose_review_area"),
            models.Index(fields=["fingerprint"], name="dose_review_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} dòng {self.row_number}"


class TargetKind(models.TextChoices):
    FIRST = "first", _("≥ 1 mũi")
    FULL = "full", _("Đủ mũi cơ bản")
    BOOSTER = "booster", _("Mũi nhắc")


class TargetGroup(models.TextChoices):
    A12_17 = "12-17", "12–17"
    A18 = "18+", "≥ 18"
    A50 = "50+", "≥ 50"
    A65 = "65+", "≥ 65"
    ALL = "all", _("Toàn dân")


class CampaignTarget(BaseModel):
    """A campaign's target for a unit: this share of an age group vaccinated (kind) by a date; the actual figure
    is read from coverage, never stored."""

    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    age_group = models.CharField(max_length=5, choices=TargetGroup.choices)
    kind = models.CharField(max_length=8, choices=TargetKind.choices, default=TargetKind.FIRST)
    target_pct = models.DecimalField(max_digits=4, decimal_places=1)
    due_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("chỉ tiêu chiến dịch tiêm")
        verbose_name_plural = _("chỉ tiêu chiến dịch tiêm")
        indexes = [models.Index(fields=["unit_path", "due_on"], name="campaign_target_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_pct__gt=0) & Q(target_pct__lte=100), name="campaign_target_pct_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.age_group} {self.kind} {self.target_pct}% {self.due_on}"
