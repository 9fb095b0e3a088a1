"""The unit tree with materialised paths, typed sites attached to communes, populations by age band."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.places.enums import AgeBand, Layout, SiteKind, UnitLevel


class Unit(BaseModel):
    """An administrative unit. Depth is data: villages under communes, or communes under provinces (2025)."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=150)
    division_type = models.CharField(max_length=40, blank=True)  # "xã", "phường", "huyện", "bản" …
    level = models.CharField(max_length=10, choices=UnitLevel.choices)
    layout = models.CharField(max_length=6, choices=Layout.choices, default=Layout.LEGACY)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # "12/106/03418/": the codes from the root down; the jurisdiction key of every record below.
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="unit_code_unique_in_parent"),
            models.UniqueConstraint(fields=["code"], condition=Q(parent__isnull=True), name="unit_root_code_unique"),
        ]
        indexes = [models.Index(fields=["level", "code"], name="unit_level_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def unit_path(self) -> str:
        return self.path

    @property
    def commune_path(self) -> str:
        """The path of the commune this unit belongs to: a village's parent (from its own path), else itself."""
        if self.level == UnitLevel.VILLAGE:
            return self.path.rsplit("/", 2)[0] + "/"
        return self.path

    def ancestor_paths(self) -> list[str]:
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class Population(BaseModel):
    """People living in a unit in one age band and year. Demo estimates are marked, never passed as census."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="populations")
    unit_path = models.CharField(max_length=255, db_index=True)
    year = models.PositiveSmallIntegerField()
    age_band = models.CharField(max_length=5, choices=AgeBand.choices)
    count = models.PositiveIntegerField()
    is_estimate = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("dân số")
        verbose_name_plural = _("dân số")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "age_band"], name="population_unit_year_band_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.age_band}: {self.count}"


class Site(BaseModel):
    """A typed place attached to a commune: health facility, lab, quarantine facility, checkpoint, venue."""

    kind = models.CharField(max_length=20, choices=SiteKind.choices)
    name = models.CharField(max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="sites")
    unit_path = models.CharField(max_length=255, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit_path", "kind", "name"]
        verbose_name = _("cơ sở / địa điểm")
        verbose_name_plural = _("cơ sở / địa điểm")
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "name"], name="site_name_unique_in_unit_kind")]

    def __str__(self) -> str:
        return self.name
