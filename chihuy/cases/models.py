"""F0 cases, contacts (exposure edges), each person's F-level with its path, tracing work, itineraries,
clusters and public exposure-site notices.

Every person-level row carries the `unit_path` of where the person lives (their jurisdiction). A contact
edge also carries the source's `source_unit_path`, so that a contact living elsewhere is visible to both
units; the receiving unit sees the source case's number, not the source person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chihuy.cases.enums import (
    CaseStatus,
    ClinicalState,
    ClusterKind,
    ClusterStatus,
    DetectionWay,
    LevelCause,
    NoticeStatus,
    Setting,
    TestType,
    TraceStatus,
)
from chihuy.core.models import BaseModel
from chihuy.people.enums import Sex


class Cluster(BaseModel):
    """An outbreak (ổ dịch): cases linked by source, household, venue or workplace."""

    name = models.CharField(max_length=200)
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=20, choices=ClusterKind.choices, default=ClusterKind.OTHER)
    status = models.CharField(max_length=10, choices=ClusterStatus.choices, default=ClusterStatus.ACTIVE)
    opened_on = models.DateField()
    last_case_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("ổ dịch")
        verbose_name_plural = _("ổ dịch")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="cluster_name_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


class Case(BaseModel):
    """A confirmed case (F0). Historical line-list cases may have no person record (anonymised: age, sex)."""

    number = models.CharField(max_length=30, unique=True)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    detection_way = models.CharField(max_length=20, choices=DetectionWay.choices)
    detected_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    sample_date = models.DateField(null=True, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    asymptomatic = models.BooleanField(default=False)
    test_type = models.CharField(max_length=20, choices=TestType.choices, default=TestType.RT_PCR)
    result_ref = models.CharField(max_length=100, blank=True)
    ct_value = models.FloatField(null=True, blank=True)
    place_detected = models.CharField(max_length=300, blank=True)
    source_known = models.BooleanField(default=False)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    clinical_state = models.CharField(max_length=20, choices=ClinicalState.choices, default=ClinicalState.MILD)
    treatment_place = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    died_on = models.DateField(null=True, blank=True)
    # The infectious window (DOMAIN.md): from 2 days before onset (or sample) until a negative test or Ct > 30.
    infectious_from = models.DateField()
    infectious_until = models.DateField(null=True, blank=True)
    # The 5S clock: detected → reported → tracing done → F1 isolated → in treatment.
    tracing_done_at = models.DateTimeField(null=True, blank=True)
    f1_isolated_at = models.DateTimeField(null=True, blank=True)
    treatment_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ca bệnh (F0)")
        verbose_name_plural = _("ca bệnh (F0)")
        indexes = [
            models.Index(
                fields=["unit_path", "status"], name="case_unit_status", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["detected_at"], name="case_detected_at"),
            # The reports' incremental refresh reads "what changed since" on every source table.
            models.Index(fields=["updated_at"], name="case_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(infectious_until__isnull=True) | Q(infectious_until__gte=F("infectious_from")),
                name="case_infectious_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseSource(models.Model):
    """'`infectee` was infected by `infector`': the transmission chain between cases (a DAG, no cycles). Read
    it through `selectors.case_sources` (a many-to-many accessor on Case read it backwards and was dropped)."""

    infector = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    infectee = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["infector", "infectee"], name="case_source_unique"),
            models.CheckConstraint(condition=~Q(infector=F("infectee")), name="case_source_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.infector_id}→{self.infectee_id}"


class Contact(BaseModel):
    """An exposure of `contact_person` to `source_person`: an edge of the contact graph. It qualifies
    (propagates an F-level) when the rule in force on the exposure date says so; `qualify_reason` says why."""

    source_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    source_unit_path = models.CharField(max_length=255)
    # The source's case when the source was an F0 at entry: its number is all another unit sees.
    source_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    contact_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    relation = models.CharField(max_length=100, blank=True)
    setting = models.CharField(max_length=20, choices=Setting.choices, default=Setting.OTHER)
    exposure_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    masked = models.BooleanField(null=True, blank=True)
    physical_contact = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    qualifies = models.BooleanField(default=False)
    qualify_reason = models.CharField(max_length=300)
    rule_source = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tiếp xúc")
        verbose_name_plural = _("tiếp xúc")
        indexes = [
            # The cascade walks edges out of a set of people, and into a set when an F0 is removed.
            models.Index(
                fields=["source_person", "contact_person"],
                name="contact_out",
                condition=Q(is_active=True, qualifies=True),
            ),
            models.Index(
                fields=["contact_person", "source_person"],
                name="contact_in",
                condition=Q(is_active=True, qualifies=True),
            ),
            models.Index(fields=["unit_path"], name="contact_unit", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["source_unit_path"], name="contact_source_unit", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(source_person=F("contact_person")), name="contact_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_person_id}→{self.contact_person_id}"


class Classification(BaseModel):
    """A person's current F-level: the shortest chain of qualifying contacts to any active F0 (level 0 is
    the F0 itself). `path` holds the person ids from the F0 down to this person. Level None: no longer
    classified (kept for history and tracing records). Also the person's item in the tracing queue."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="classification")
    unit_path = models.CharField(max_length=255)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    root_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    via = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    path = models.JSONField(default=list, blank=True)
    exposure_at = models.DateTimeField(null=True, blank=True)
    level_since = models.DateTimeField()
    trace_status = models.CharField(max_length=20, choices=TraceStatus.choices, default=TraceStatus.PENDING)
    traced_at = models.DateTimeField(null=True, blank=True)
    isolated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phân loại F")
        verbose_name_plural = _("phân loại F")
        indexes = [
            models.Index(
                fields=["unit_path", "level", "exposure_at"],
                name="classification_queue",
                opclasses=["varchar_pattern_ops", "", ""],
            ),
            models.Index(fields=["root_case"], name="classification_root"),
        ]

    def __str__(self) -> str:
        return f"F{self.level}" if self.level is not None else "—"


class LevelChange(models.Model):
    """Every change of a person's F-level, with its cause, reason and time: never silent."""

    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(db_index=True)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    cause = models.CharField(max_length=20, choices=LevelCause.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=400)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_level}→{self.to_level}"


class TraceAttempt(models.Model):
    """One call or visit by a tracer, with its outcome."""

    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=TraceStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.outcome


class ItineraryStop(BaseModel):
    """A place and time an F0 visited during the infectious window ("mốc dịch tễ")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="itinerary")
    unit_path = models.CharField(max_length=255, db_index=True)
    place = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    place_unit = models.ForeignKey("places.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(end_at__gte=F("start_at")), name="stop_end_after_start")]

    def __str__(self) -> str:
        return self.place


class ExposureNotice(BaseModel):
    """A public notice of places and times an F0 visited (seed 001 §10). Its items carry no personal data;
    the case link is internal and never published."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    title = models.CharField(max_length=200)
    advice = models.TextField(blank=True)
    items = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo địa điểm liên quan")
        verbose_name_plural = _("thông báo địa điểm liên quan")

    def __str__(self) -> str:
        return self.title
