"""Quarantine areas and treatment facilities (zones → rooms → beds), stays in them or at home, their clocks and
test days by the rules in force, home isolation households with their daily checks, treatment records, and
post-release health monitoring.

Jurisdiction: a stay carries the `unit_path` of the person's residence and the `place_path` of the facility or the
home isolation household where it is kept; a user sees it when either falls in their area (the commune that sent an
F1 and the district running the facility both follow them). Facilities, rooms and beds carry their site's path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.isolation.enums import (
    CheckSource,
    Cohort,
    FacilityKind,
    HomeStatus,
    MonitoringReason,
    MonitoringStatus,
    OxygenMode,
    RoomGender,
    StayEventKind,
    StayKind,
    StayStatus,
    TestTaskStatus,
)

_HOLDING = Q(status__in=["reserved", "active"])


class Facility(BaseModel):
    """A concentrated quarantine area or a treatment facility (tier 1/2/3) on a `places.Site`, with its staff
    contacts and its capacity figures, kept current by every write that changes a bed's state."""

    site = models.OneToOneField("places.Site", on_delete=models.PROTECT, related_name="facility")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=FacilityKind.choices)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)  # treatment facilities only (Tier)
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    address = models.CharField(max_length=300, blank=True)
    staff = models.JSONField(default=list, blank=True)  # [{"name": …, "role": …, "phone": …}]
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    # Capacity, recounted in the same transaction as each change (services.capacity.facility_refresh).
    beds_total = models.PositiveIntegerField(default=0)  # active beds in rooms not closed
    beds_occupied = models.PositiveIntegerField(default=0)  # held by an active stay
    beds_reserved = models.PositiveIntegerField(default=0)  # held by a reserved stay (group on its way)
    beds_cleaning = models.PositiveIntegerField(default=0)  # empty beds in rooms being disinfected
    figures_at = models.DateTimeField(null=True, blank=True)  # when the figures last changed
    alert_percent = models.PositiveSmallIntegerField(default=0)  # the highest occupancy threshold already alerted
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["unit_path", "name"]
        verbose_name = _("khu cách ly / cơ sở điều trị")
        verbose_name_plural = _("khu cách ly / cơ sở điều trị")
        indexes = [
            models.Index(fields=["unit_path", "kind"], name="facility_unit", opclasses=["varchar_pattern_ops", ""])
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="quarantine", tier__isnull=True) | Q(kind="treatment", tier__in=[1, 2, 3]),
                name="facility_tier_for_treatment_only",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def beds_free(self) -> int:
        return max(0, self.beds_total - self.beds_occupied - self.beds_reserved - self.beds_cleaning)


class Zone(BaseModel):
    """A zone (khu) of a facility: a building, a floor, a wing — the room map is drawn per zone."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["facility_id", "position", "name"]
        verbose_name = _("khu")
        verbose_name_plural = _("khu")
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="zone_name_unique_in_facility")]

    def __str__(self) -> str:
        return self.name


class Room(BaseModel):
    """A room with its attributes; its state on the map is computed from its stays (selectors.zone_map)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="rooms")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="rooms")
    code = models.CharField(max_length=20)
    floor = models.SmallIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    gender = models.CharField(max_length=6, choices=RoomGender.choices, default=RoomGender.ANY)
    is_family = models.BooleanField(default=False)
    en_suite = models.BooleanField(default=False)
    oxygen_point = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    cleaning_since = models.DateTimeField(null=True, blank=True)  # emptied, waiting for disinfection
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["zone_id", "position", "code"]
        verbose_name = _("phòng")
        verbose_name_plural = _("phòng")
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="room_code_unique_in_facility")]

    def __str__(self) -> str:
        return self.code


class Bed(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="beds")
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="beds")
    code = models.CharField(max_length=30)  # "101-1"
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["room_id", "position", "code"]
        verbose_name = _("giường")
        verbose_name_plural = _("giường")
        constraints = [models.UniqueConstraint(fields=["room", "code"], name="bed_code_unique_in_room")]

    def __str__(self) -> str:
        return self.code


class HomeIsolation(BaseModel):
    """A household isolating at home (cách ly tại nhà): address, responsible commune officer and village COVID
    team, the door sign's QR token for daily self-checks without an account; its members are stays of kind home."""

    code = models.CharField(max_length=30, unique=True)
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    address = models.CharField(max_length=300)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.CharField(max_length=200, blank=True)  # "Tổ COVID cộng đồng bản Bản Giang"
    team_phone = models.CharField(max_length=20, blank=True)
    token = models.CharField(max_length=64, unique=True)  # in the door sign's QR: the daily check link
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=HomeStatus.choices, default=HomeStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("hộ cách ly tại nhà")
        verbose_name_plural = _("hộ cách ly tại nhà")
        indexes = [
            models.Index(fields=["unit_path", "status"], name="home_unit", opclasses=["varchar_pattern_ops", ""])
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.address}"


class Stay(BaseModel):
    """One person's quarantine or treatment: in a facility bed, or at home; its clock (start, release date, test
    days) fixed from the policy in force at its start and the person's status, restarted with a reason when a
    roommate turns positive. A bed and a person are held by at most one reserved/active stay (database-enforced)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)  # the person's residence
    place_path = models.CharField(max_length=255)  # the facility's or the household's unit
    kind = models.CharField(max_length=10, choices=StayKind.choices)
    cohort = models.CharField(max_length=10, choices=Cohort.choices)
    facility = models.ForeignKey(Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="stays")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="stays")
    bed = models.ForeignKey(Bed, null=True, blank=True, on_delete=models.PROTECT, related_name="stays")
    home = models.ForeignKey(HomeIsolation, null=True, blank=True, on_delete=models.PROTECT, related_name="stays")
    status = models.CharField(max_length=16, choices=StayStatus.choices, default=StayStatus.ACTIVE)
    # The clock.
    cohort_on = models.DateField()  # exposure date (F1), entry date (arrival), positive date (F0): cohort anchor
    admitted_at = models.DateTimeField(null=True, blank=True)  # arrival; None while reserved
    clock_start_on = models.DateField()  # day 1 of the quarantine; moved forward when a roommate turns positive
    release_on = models.DateField(null=True, blank=True)  # earliest release day (None: treatment, by criteria)
    test_days = models.JSONField(default=list, blank=True)  # [1, 7, 14]: days of the clock with a test
    monitoring_days = models.PositiveSmallIntegerField(default=0)  # health monitoring after release
    fully_vaccinated = models.BooleanField(default=False)  # ≥ 2 doses or recovered, as declared or known
    rule_source = models.CharField(max_length=300, blank=True)  # the policy's document
    # Treatment.
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    clinical_state = models.CharField(max_length=20, blank=True)  # cases.ClinicalState values
    oxygen_mode = models.CharField(max_length=14, choices=OxygenMode.choices, blank=True)
    case_number = models.CharField(max_length=30, blank=True)  # the F0's case (set by response)
    # Rule flags, transfer proposals, the end.
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=400, blank=True)
    transfer_proposed_at = models.DateTimeField(null=True, blank=True)
    transfer_reason = models.CharField(max_length=400, blank=True)
    last_check_at = models.DateTimeField(null=True, blank=True)
    missed_alerted_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=400, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-clock_start_on", "-id"]
        verbose_name = _("lượt cách ly / điều trị")
        verbose_name_plural = _("lượt cách ly / điều trị")
        indexes = [
            models.Index(fields=["unit_path", "status"], name="stay_unit", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["place_path", "status"], name="stay_place", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["facility", "status"], name="stay_facility"),
            models.Index(fields=["room", "status"], name="stay_room"),
            models.Index(fields=["home", "status"], name="stay_home"),
            # The capacity forecast: last week's admissions and departures per facility.
            models.Index(fields=["facility", "admitted_at"], name="stay_facility_admitted"),
            models.Index(fields=["facility", "ended_at"], name="stay_facility_ended"),
        ]
        constraints = [
            # Two admissions can never hold the same bed, nor one person twice (the race is lost in the database).
            models.UniqueConstraint(fields=["bed"], condition=_HOLDING, name="stay_one_per_bed"),
            models.UniqueConstraint(fields=["person"], condition=_HOLDING, name="stay_one_per_person"),
            models.CheckConstraint(
                condition=Q(kind="home", home__isnull=False, bed__isnull=True)
                | Q(kind__in=["facility", "treatment"], facility__isnull=False, home__isnull=True),
                name="stay_place_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.status}"


class StayEvent(models.Model):
    """What happened to a stay and why: admitted, moved (flagged if a cohort rule was broken), clock restarted."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=StayEventKind.choices)
    reason = models.CharField(max_length=400, blank=True)
    from_bed = models.ForeignKey(Bed, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_bed = models.ForeignKey(Bed, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    flagged = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["stay_id", "at", "id"]
        indexes = [models.Index(fields=["stay", "at"], name="stay_event_stay")]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.kind}"


class StayTest(models.Model):
    """A test day of a stay's clock: its due date, the labs target it became, and its result."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="tests")
    day = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=TestTaskStatus.choices, default=TestTaskStatus.PENDING)
    target_id = models.BigIntegerField(null=True, blank=True)  # labs.CampaignTarget (set by response)
    resulted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stay_id", "day"]
        indexes = [models.Index(fields=["status", "due_on"], name="stay_test_due")]

    def __str__(self) -> str:
        return f"{self.stay_id} day {self.day}"


class CheckIn(models.Model):
    """A daily health check of a person in a stay: self-declared by the door sign's link, or by an officer."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField()
    on = models.DateField()  # the local day it counts for
    source = models.CharField(max_length=6, choices=CheckSource.choices)
    temperature = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)  # Symptom values
    breathing_difficulty = models.BooleanField(default=False)
    danger = models.BooleanField(default=False)
    danger_reasons = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["stay_id", "at"]
        indexes = [models.Index(fields=["stay", "on"], name="checkin_stay_day")]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.on}"


class TreatmentRecord(models.Model):
    """A treated F0's clinical state and oxygen modality on a day (one per day; a later entry corrects it)."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="records")
    on = models.DateField()
    at = models.DateTimeField()
    clinical_state = models.CharField(max_length=20)  # cases.ClinicalState values
    oxygen_mode = models.CharField(max_length=14, choices=OxygenMode.choices, default=OxygenMode.NONE)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["stay_id", "on"]
        constraints = [models.UniqueConstraint(fields=["stay", "on"], name="treatment_record_one_per_day")]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.on} {self.clinical_state}"


class Monitoring(BaseModel):
    """Health monitoring after release or entry (theo dõi sức khỏe): from one day to another, by the policy."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    stay = models.ForeignKey(Stay, null=True, blank=True, on_delete=models.SET_NULL, related_name="monitorings")
    reason = models.CharField(max_length=20, choices=MonitoringReason.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=8, choices=MonitoringStatus.choices, default=MonitoringStatus.ACTIVE)
    rule_source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("theo dõi sức khỏe")
        verbose_name_plural = _("theo dõi sức khỏe")
        indexes = [
            models.Index(fields=["unit_path", "status"], name="monitoring_unit", opclasses=["varchar_pattern_ops", ""])
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.starts_on}–{self.ends_on}"
