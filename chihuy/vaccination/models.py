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
