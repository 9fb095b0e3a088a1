"""Venues with their QR code, the people who check in there (a phone number is the identity, as on PC-Covid),
the check-ins themselves, the batches other systems send, and the F1 candidates the exposure engine finds.

Check-ins are the one table that grows to tens of millions of rows, so their times are whole minutes since the
epoch (UTC) in integer columns: 4 bytes instead of a timestamp (SQLite stores those as 26-byte text), and
arithmetic that is the same on SQLite and PostgreSQL. `times.py` converts. A check-in's `unit_path` is the
venue's (where it happened): the visitor's residence is not known until a tracer matches a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel
from chihuy.tracing import times
from chihuy.tracing.enums import CandidateStatus, Channel, RunKind, VenueCategory, VenueStatus


class Venue(BaseModel):
    """A place people check in at (a `places.Site` of kind venue): its public code is printed under the QR."""

    site = models.OneToOneField("places.Site", on_delete=models.PROTECT, related_name="venue")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    code = models.CharField(max_length=12, unique=True)  # collated "C" on PostgreSQL, as Visitor.phone
    category = models.CharField(max_length=20, choices=VenueCategory.choices)
    status = models.CharField(max_length=10, choices=VenueStatus.choices, default=VenueStatus.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    owner_name = models.CharField(max_length=200, blank=True)
    owner_phone = models.CharField(max_length=15, blank=True)
    # The owner's private link (print the poster, scan personal QR codes at the door); never shown to the public.
    manage_token = models.CharField(max_length=43, unique=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["unit_path", "code"]
        verbose_name = _("địa điểm quét mã QR")
        verbose_name_plural = _("địa điểm quét mã QR")
        indexes = [
            models.Index(fields=["unit_path", "status"], name="venue_unit", opclasses=["varchar_pattern_ops", ""])
        ]

    def __str__(self) -> str:
        return f"{self.site.name} ({self.code})"

    @property
    def name(self) -> str:
        return self.site.name


class Visitor(models.Model):
    """Whoever checked in with this phone number; linked to a registry person once matched (CCCD, then phone)."""

    # On PostgreSQL collated "C" (byte order; migration 0006): an exact-match key, looked up 10,000 at a time by the
    # ingest. Any AlterField of this column must keep that COLLATE.
    phone = models.CharField(max_length=15, unique=True)
    name = models.CharField(max_length=200, blank=True)
    national_id = models.CharField(max_length=12, blank=True, db_index=True)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Remembered on the phone (a cookie) and shown as the personal QR code that venue staff scan.
    token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("người quét mã")
        verbose_name_plural = _("người quét mã")

    def __str__(self) -> str:
        return self.name or self.phone


class IngestBatch(BaseModel):
    """One batch of check-ins from another system, with what became of each event (rejections kept, capped)."""

    source = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unit_path = models.CharField(max_length=255)
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lô dữ liệu quét mã")
        verbose_name_plural = _("lô dữ liệu quét mã")

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"


# A check-in's day bucket, as the indexes hold it (times.day_of): a read names the days it covers — usually through
# `CheckIn.objects.starting_between` — so that the database seeks the indexes by day instead of scanning them.
CHECKIN_DAY = ExpressionWrapper(F("t_in") / times.DAY, output_field=models.IntegerField())


class CheckInQuerySet(models.QuerySet):
    def starting_between(self, first: int, last: int) -> CheckInQuerySet:
        """Check-ins whose t_in is in [first, last] (minutes), found through the day buckets the indexes lead with."""
        return self.alias(day_bucket=CHECKIN_DAY).filter(
            day_bucket__in=times.days_between(first, last), t_in__gte=first, t_in__lte=last
        )


class CheckIn(models.Model):
    """A visitor at a venue from `t_in` to `t_out` (minutes since the epoch, UTC). Without a check-out, `t_out` is
    `t_in` plus the policy's dwell time. `event_key` ("source:event id") makes a re-sent bulk event a duplicate."""

    id = models.BigAutoField(primary_key=True)
    # No database-level foreign keys on this table (db_constraint=False): their per-row checks were ~60 % of a bulk
    # insert into the 30M-row month (bench/exposure: 9,500 → 23,000 events/s on PostgreSQL). The only writers —
    # the services — resolve the venue and create the visitor in the same transaction, the ORM still PROTECTs a
    # venue or visitor with check-ins from deletion, and the purge removes a visitor only once it has none.
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    visitor = models.ForeignKey(
        Visitor, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    unit_path = models.CharField(max_length=255)
    t_in = models.IntegerField()
    t_out = models.IntegerField()
    checked_out = models.BooleanField(default=False)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    batch = models.ForeignKey(
        IngestBatch, null=True, blank=True, on_delete=models.DO_NOTHING, db_index=False, db_constraint=False
    )
    # Unique where given (a partial index, see Meta): the check-ins scanned at the venue — nearly all — have none, and
    # neither a full unique index nor PostgreSQL's extra LIKE index for it should grow with them.
    # Collated "C" on PostgreSQL (migration 0006), as Visitor.phone.
    event_key = models.CharField(max_length=110, null=True, blank=True)
    digest = models.CharField(max_length=16, blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt quét mã")
        verbose_name_plural = _("lượt quét mã")
        indexes = [
            # The exposure engine: the day bucket and the venue by equality + a range on t_in (dwell is bounded),
            # covering t_out and the visitor so the scan never touches the table. The day first (times.day_of): a day of
            # check-ins is inserted into one small region of the index, not at random pages of the whole month —
            # bench/exposure on 30M rows, PostgreSQL: ingest 4,000–7,000 → 22,000–37,000 events/s.
            models.Index(
                CHECKIN_DAY,
                F("venue"),
                F("t_in"),
                F("t_out"),
                F("visitor"),
                name="checkin_day_venue",
            ),
            # A person's own visits in a window (an F0's itinerary of scans), by day as well: with the visitor first a
            # batch's inserts landed at random in an index of the whole month (SQLite ingest 13,600 → 17,700–23,600/s).
            models.Index(CHECKIN_DAY, F("visitor"), F("t_in"), name="checkin_day_visitor"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(t_out__gte=F("t_in")), name="checkin_out_after_in"),
            models.UniqueConstraint(
                fields=["event_key"], condition=Q(event_key__isnull=False), name="checkin_event_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id}@{self.venue_id} {times.from_minute(self.t_in):%d/%m %H:%M}"

    @property
    def checked_in_at(self):  # type: ignore[no-untyped-def]
        return times.from_minute(self.t_in)

    @property
    def checked_out_at(self):  # type: ignore[no-untyped-def]
        return times.from_minute(self.t_out)


class ExposureRun(BaseModel):
    """One run of the engine: for the F0 just confirmed, for a person and window on demand, or for every active F0."""

    kind = models.CharField(max_length=10, choices=RunKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unit_path = models.CharField(max_length=255)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    sources = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    hits = models.PositiveIntegerField(default=0)
    new_candidates = models.PositiveIntegerField(default=0)
    elapsed_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class ExposureCandidate(BaseModel):
    """Someone who was at a venue around the time an F0 was: an F1 candidate for the tracers. Never an F1 until a
    person confirms it (then `contact_ref` is the contact made in `cases`); a dismissal keeps its reason.
    Visible to the F0's unit (`source_unit_path`) and to the unit of the exposed person — the venue's until a
    person is matched."""

    source_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    source_unit_path = models.CharField(max_length=255)
    case_number = models.CharField(max_length=30, blank=True)
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="candidates")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit_path = models.CharField(max_length=255)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="+")
    # The closest of their overlapping visits: the F0's and the exposed person's, and the minutes together.
    source_from = models.DateTimeField()
    source_to = models.DateTimeField()
    exposed_from = models.DateTimeField()
    exposed_to = models.DateTimeField()
    overlap_minutes = models.IntegerField()
    visits = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    contact_ref = models.BigIntegerField(null=True, blank=True)
    run = models.ForeignKey(ExposureRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["status", "-exposed_from", "id"]
        verbose_name = _("người nghi tiếp xúc (F1 dự kiến)")
        verbose_name_plural = _("người nghi tiếp xúc (F1 dự kiến)")
        indexes = [
            models.Index(fields=["unit_path", "status"], name="candidate_unit", opclasses=["varchar_pattern_ops", ""]),
            models.Index(
                fields=["source_unit_path", "status"],
                name="candidate_source_unit",
                opclasses=["varchar_pattern_ops", ""],
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source_person", "visitor"], name="candidate_once_per_source"),
            models.CheckConstraint(
                condition=Q(status=CandidateStatus.PENDING) | Q(decided_at__isnull=False),
                name="candidate_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} ← {self.case_number or self.source_person_id}"
