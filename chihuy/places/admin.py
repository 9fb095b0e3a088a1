"""Admin: units come from the reference data (load_units) and are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chihuy.places.models import Population, Site, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
