"""Labs, sampling campaigns and their target lists, samples (single or pooled tubes) with the people in them,
shipments to a lab, and results with their turnaround clock.

Jurisdiction: a sample carries the `unit_path` of the unit that took it (the campaign's area) and each person
in it their own; a lab sees the samples shipped to it (`lab`), not the registry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.labs.enums import (
    CampaignKind,
    CampaignStatus,
    Result,
    SampleKind,
    SampleStatus,
    ShipmentStatus,
    TargetReason,
    TargetStatus,
    TestMethod,
)


class Lab(BaseModel):
    """A testing laboratory (a `places.Site` of kind lab) with its daily capacity and its technicians."""

    site = models.OneToOneField("places.Site", on_delete=models.PROTECT, related_name="lab")
    name = models.CharField(max_length=200)
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    daily_capacity = models.PositiveIntegerField(default=1000)  # tubes per day
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="labs")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit_path", "name"]
        verbose_name = _("phòng xét nghiệm")
        verbose_name_plural = _("phòng xét nghiệm")

    def __str__(self) -> str:
        return self.name


class Campaign(BaseModel):
    """A sampling campaign (đợt lấy mẫu) for an area or a list of people, on a day, with teams and sites."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=CampaignKind.choices)
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    planned_on = models.DateField()
    pool_size = models.PositiveSmallIntegerField(default=1)
    test_method = models.CharField(max_length=20, choices=TestMethod.choices, default=TestMethod.RT_PCR)
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns")
    teams = models.JSONField(default=list, blank=True)  # ["Tổ 1 – Trạm y tế", …]
    sites = models.JSONField(default=list, blank=True)  # ["Nhà văn hóa bản Bản Giang", …]
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = _("đợt lấy mẫu")
        verbose_name_plural = _("đợt lấy mẫu")
        indexes = [
            models.Index(
                fields=["unit_path", "planned_on"], name="campaign_unit", opclasses=["varchar_pattern_ops", ""]
            )
        ]
        constraints = [models.CheckConstraint(condition=Q(pool_size__gte=1), name="campaign_pool_size_positive")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Sample(BaseModel):
    """One tube: a single swab or a pool of up to `pool_size` swabs, with its clock collected → shipped →
    received → resulted and the due time of the turnaround target in force when it was taken."""

    code = models.CharField(max_length=40, unique=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    kind = models.CharField(max_length=8, choices=SampleKind.choices, default=SampleKind.SINGLE)
    test_method = models.CharField(max_length=20, choices=TestMethod.choices, default=TestMethod.RT_PCR)
    pool_size = models.PositiveSmallIntegerField(default=1)  # the most swabs this tube may hold
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)  # the collecting unit: its officers see the tube
    team = models.CharField(max_length=100, blank=True)
    site = models.CharField(max_length=200, blank=True)
    collected_at = models.DateTimeField()
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()  # collected_at + the policy's turnaround target
    status = models.CharField(max_length=10, choices=SampleStatus.choices, default=SampleStatus.COLLECTED)
    shipment = models.ForeignKey("Shipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(max_length=12, choices=Result.choices, default=Result.PENDING)
    ct_values = models.JSONField(default=dict, blank=True)  # {"E": 24.1, "N": 26.0, "RdRp": 27.5}
    ct_min = models.FloatField(null=True, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_source = models.CharField(max_length=40, blank=True)  # "form", "file:job#12", "rapid"
    result_note = models.CharField(max_length=300, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    case_number = models.CharField(max_length=30, blank=True)  # the F0 this tube confirmed (set by response)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("mẫu xét nghiệm")
        verbose_name_plural = _("mẫu xét nghiệm")
        indexes = [
            models.Index(
                fields=["unit_path", "collected_at"], name="sample_unit", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["lab", "status", "due_at"], name="sample_lab_queue"),
            models.Index(fields=["campaign", "status"], name="sample_campaign"),
            # The reports' incremental refresh reads "what changed since" on every source table.
            models.Index(fields=["updated_at"], name="sample_updated"),
            # The overdue sweep: tubes without result whose due time passed and not alerted yet.
            models.Index(
                fields=["due_at"], name="sample_overdue", condition=Q(result="pending", overdue_alerted_at__isnull=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(due_at__gte=F("collected_at")), name="sample_due_after_collected"),
            models.CheckConstraint(
                condition=Q(resulted_at__isnull=True) | Q(resulted_at__gte=F("collected_at")),
                name="sample_resulted_after_collected",
            ),
            models.CheckConstraint(condition=Q(pool_size__gte=1), name="sample_pool_size_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class SampleMember(models.Model):
    """A person whose swab is in the tube: one for a single sample, up to the pool size for a pooled one."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)  # the person's
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["sample_id", "position"]
        indexes = [models.Index(fields=["person"], name="sample_member_person")]
        constraints = [models.UniqueConstraint(fields=["sample", "person"], name="sample_member_unique")]

    def __str__(self) -> str:
        return f"{self.sample_id}:{self.person_id}"


class CampaignTarget(BaseModel):
    """A person to sample: planned in a campaign, or a follow-up (retest after a positive pool, RT-PCR to
    confirm a rapid test, a repeat after an inconclusive result) with the tube that caused it."""

    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)  # the person's
    reason = models.CharField(max_length=12, choices=TargetReason.choices, default=TargetReason.PLANNED)
    source_sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    status = models.CharField(max_length=10, choices=TargetStatus.choices, default=TargetStatus.PENDING)
    team = models.CharField(max_length=100, blank=True)
    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("người cần lấy mẫu")
        verbose_name_plural = _("người cần lấy mẫu")
        indexes = [
            models.Index(fields=["campaign", "status"], name="target_campaign"),
            models.Index(fields=["person", "status"], name="target_person"),
            models.Index(fields=["unit_path", "status"], name="target_unit", opclasses=["varchar_pattern_ops", ""]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], condition=Q(reason="planned"), name="target_planned_once"
            ),
            models.UniqueConstraint(
                fields=["source_sample", "person"],
                condition=Q(source_sample__isnull=False),
                name="target_follow_up_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.reason})"


class Shipment(BaseModel):
    """A box of tubes sent from a unit to a lab; received by scanning, with the counts checked."""

    code = models.CharField(max_length=30, unique=True)
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="shipments")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)  # the sender's
    declared_count = models.PositiveIntegerField()
    shipped_at = models.DateTimeField()
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ShipmentStatus.choices, default=ShipmentStatus.IN_TRANSIT)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_count = models.PositiveIntegerField(null=True, blank=True)
    missing_codes = models.JSONField(default=list, blank=True)  # declared but not scanned at the lab
    unexpected_codes = models.JSONField(default=list, blank=True)  # scanned but not in this shipment
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name = _("chuyến mẫu")
        verbose_name_plural = _("chuyến mẫu")

    def __str__(self) -> str:
        return self.code
