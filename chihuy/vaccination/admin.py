"""Admin of the vaccination domain: read-only views of doses, the review queue and targets (every write goes
through the services and their screens); vaccines are reference data an administrator reads here."""

from __future__ import annotations

from django.contrib import admin

from chihuy.core.admin import ReadOnlyAdmin
from chihuy.vaccination.models import CampaignTarget, Dose, DoseReview, Vaccine


@admin.register(Vaccine)
class VaccineAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "primary_doses", "min_interval_days", "available_from", "is_active")


@admin.register(Dose)
class DoseAdmin(ReadOnlyAdmin):
    list_display = ("person", "dose_number", "vaccine", "given_on", "unit_path", "source", "is_active")
    list_filter = ("vaccine", "source", "is_active")
    raw_id_fields = ("person",)


@admin.register(DoseReview)
class DoseReviewAdmin(ReadOnlyAdmin):
    list_display = ("filename", "row_number", "reason", "status", "unit_path", "created_at")
    list_filter = ("status", "reason")


@admin.register(CampaignTarget)
class CampaignTargetAdmin(ReadOnlyAdmin):
    list_display = ("unit", "age_group", "kind", "target_pct", "due_on", "is_active")
