"""Admin: units come from the reference data (load_units) and are read-only here."""

from __future__ import annotations

from django.contrib import admin

from chihuy.core.admin import ReadOnlyAdmin
from chihuy.places.models import Population, Site, Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["path", "name", "level", "layout", "latitude", "longitude", "is_demo"]
    list_filter = ["level", "layout", "is_demo"]
    search_fields = ["name", "code", "path"]


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "unit_path"]


@admin.register(Population)
class PopulationAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "age_band", "count", "is_estimate"]
    list_filter = ["year", "age_band", "is_estimate"]
