"""The person registry. Every person carries the unit path of where they live (their jurisdiction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.people.enums import Sex, Vulnerability


class Household(BaseModel):
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="households")
    unit_path = models.CharField(max_length=255, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    head = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")

    def __str__(self) -> str:
        return self.address or _("Hộ #%(id)s") % {"id": self.pk}


class Person(BaseModel):
    full_name = models.CharField(max_length=150)
    # Folded (no diacritics, lower case) copy of the name: the duplicate check's key.
    name_folded = models.CharField(max_length=150, editable=False)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    national_id = models.CharField(max_length=12, blank=True)
    phone = models.CharField(max_length=11, blank=True)
    address_text = models.CharField(max_length=300, blank=True)
    # Every read goes by unit_path; the unit id is never searched, so it has no index of its own (one less
    # index to maintain per imported row).
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="people", db_index=False)
    unit_path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    occupation = models.CharField(max_length=150, blank=True)
    chronic_conditions = models.JSONField(default=list, blank=True)
    is_pregnant = models.BooleanField(default=False)
    is_demo = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from")

    class Meta:
        verbose_name = _("người")
        verbose_name_plural = _("người")
        indexes = [
            # One index for the jurisdiction prefix: varchar_pattern_ops serves `LIKE 'prefix%'` on PostgreSQL
            # (db_index would add a second, plain one there); SQLite ignores the opclass and ranges over it.
            models.Index(fields=["unit_path"], name="person_unit_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["national_id"], name="person_national_id", condition=~Q(national_id="")),
            models.Index(fields=["phone"], name="person_phone", condition=~Q(phone="")),
            # The duplicate rule "same name, birth year and commune", answered from the index alone.
            models.Index(fields=["name_folded", "birth_year", "unit_path"], name="person_name_birth_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900), name="person_birth_year_sane"
            ),
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="person_not_merged_into_self"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def age(self, on: dt.date) -> int | None:
        if self.birth_date:
            years = on.year - self.birth_date.year
            return years - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
        if self.birth_year:
            return on.year - self.birth_year
        return None

    def vulnerabilities(self, on: dt.date) -> list[str]:
        found = []
        age = self.age(on)
        if age is not None and age >= 65:
            found.append(Vulnerability.ELDERLY.value)
        if self.chronic_conditions:
            found.append(Vulnerability.CHRONIC.value)
        if self.is_pregnant:
            found.append(Vulnerability.PREGNANT.value)
        return found


class SearchKey(models.Func):
    """A name key compared byte by byte, whatever the database's collation: keys are folded ASCII, and one
    index must serve both the prefix range and the page order. PostgreSQL gets `COLLATE "C"` (its
    pattern_ops indexes serve LIKE but not ORDER BY); SQLite compares bytes already (BINARY)."""

    arity = 1
    template = "%(expressions)s"
    output_field = models.CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template='(%(expressions)s COLLATE "C")', **extra)


class PersonNameKey(models.Model):
    """Each word-suffix of a person's folded name ("nguyen van an", "van an", "an"): prefix search on
    these answers full-name, middle+given and given-name searches with ordinary indexes."""

    # No database constraint: these rows are a search index derived from Person, written only by the people
    # services and the importer, and people are never deleted; the constraint's deferred check of every
    # key cost a fifth of a large import on PostgreSQL.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys", db_constraint=False)
    key = models.CharField(max_length=150)
    unit_path = models.CharField(max_length=255)

    class Meta:
        indexes = [
            # Name order: a search walks the matching keys in page order (key, person) and stops after a page;
            # unit_path rides along so that the reader's area is checked without reading the table.
            models.Index(SearchKey("key"), F("person_id"), F("unit_path"), name="person_name_key_order"),
            # Area first: a narrow area whose few matches lie far apart in name order (a commune officer
            # searching a surname common elsewhere) is answered unit by unit.
            models.Index(F("unit_path"), SearchKey("key"), F("person_id"), name="person_name_key_unit"),
        ]
        # No unique (person, key): a name's word-suffixes differ in length, so they are distinct by
        # construction, and the import writes four index entries per key, not five.

    def __str__(self) -> str:
        return self.key
