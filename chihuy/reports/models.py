"""What `reports` keeps: daily facts per unit (the pre-aggregated numbers every dashboard reads), the epidemic
level assessments with their inputs and reasons, and the daily reports units submit up the tree.

`Fact` holds, for every province, district and commune, the **subtree total** of one metric on one reporting day
(a commune's includes its villages; a district's its communes and anything registered at the district itself).
`facts.py` keeps it current from the source tables by a short incremental job and can rebuild it whole; a
dashboard of any unit reads that unit's own rows, never the raw ones, whatever the size of the tree below.
`FactTotal` is the same sum over all days (the "as of now" of cumulative metrics such as vaccination coverage).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.reports.enums import AssessmentStatus, AssessmentTrigger, ReportStatus, RuleSet


class Fact(models.Model):
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    metric = models.CharField(max_length=32)
    value = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "metric", "day"], name="fact_unit_metric_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.metric}={self.value}"


class FactTotal(models.Model):
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    metric = models.CharField(max_length=32)
    value = models.BigIntegerField()
    last_day = models.DateField()  # the latest day with a non-zero fact of the metric

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "metric"], name="fact_total_unit_metric")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.metric}={self.value}"


class FactState(models.Model):
    """The refresh job's bookmarks: "everything changed before this moment is in the facts"."""

    key = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.at}"


class LevelAssessment(BaseModel):
    """The epidemic level of one unit for the week ending on `week_end` (a reporting day), by one rule set."""

    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    week_end = models.DateField()
    rule_set = models.CharField(max_length=6, choices=RuleSet.choices)
    rule_source = models.CharField(max_length=300, blank=True)  # the policy row's source document
    rule_values = models.JSONField(default=dict)  # the thresholds used, as they were
    inputs = models.JSONField(default=dict)  # every number the rule read
    computed_level = models.PositiveSmallIntegerField()
    explanation = models.TextField()  # the sentence a commander reads
    level = models.PositiveSmallIntegerField()  # in force: the computed one until a decision
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.COMPUTED)
    previous_level = models.PositiveSmallIntegerField(null=True, blank=True)  # in force the week before
    trigger = models.CharField(max_length=10, choices=AssessmentTrigger.choices, default=AssessmentTrigger.WEEKLY)
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(max_length=500, blank=True)
    decision_ref = models.CharField(max_length=200, blank=True)  # the People's Committee decision number
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["unit_path", "-week_end"]
        verbose_name = _("đánh giá cấp độ dịch")
        verbose_name_plural = _("đánh giá cấp độ dịch")
        constraints = [
            models.UniqueConstraint(fields=["unit", "week_end"], name="level_assessment_unit_week"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="level_in_range"),
            models.CheckConstraint(
                condition=models.Q(computed_level__gte=1, computed_level__lte=4), name="computed_level_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["unit_path", "week_end"], name="level_unit", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["week_end", "level"], name="level_week"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.week_end}: {self.level}"


class DailyReport(BaseModel):
    """One unit's report for one reporting day: the computed indicators frozen when submitted, the figures only
    people know (entered by hand), and the review by the level above."""

    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    day = models.DateField()
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    computed = models.JSONField(default=dict)  # indicator → value, as computed at the last save/submit
    manual = models.JSONField(default=dict)  # indicator → value entered by hand
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.CharField(max_length=500, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day", "unit_path"]
        verbose_name = _("báo cáo ngày")
        verbose_name_plural = _("báo cáo ngày")
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="daily_report_unit_day")]
        indexes = [
            models.Index(fields=["unit_path", "day"], name="daily_report_unit", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["day", "status"], name="daily_report_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.day} ({self.status})"


class CapacityDeclaration(BaseModel):
    """Criterion 3 of the level (4800, 218): whether a unit's treatment capacity met the need in the week ending
    `week_end`, declared by a commander or health officer with who and why. No row = met (the default)."""

    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    week_end = models.DateField()
    met = models.BooleanField(default=True)
    reason = models.CharField(max_length=500, blank=True)
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("năng lực điều trị (tiêu chí 3)")
        verbose_name_plural = _("năng lực điều trị (tiêu chí 3)")
        constraints = [models.UniqueConstraint(fields=["unit", "week_end"], name="capacity_unit_week")]

    def __str__(self) -> str:
        return f"{self.unit} {self.week_end}: {'met' if self.met else 'not met'}"
