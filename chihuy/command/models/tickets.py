"""Hotline and incident tickets (phiếu phản ánh) with their timeline, and the per-year number sequence.

A ticket's jurisdiction is its owner unit (`unit_path`); `origin_unit_path` keeps the unit where it started,
so that after an escalation to the parent unit's centre both the new and the original unit read it (every
level above sees both paths as prefixes anyway).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.command.tickets.enums import (
    TicketCategory,
    TicketChannel,
    TicketEventKind,
    TicketOutcome,
    TicketPriority,
    TicketStatus,
)
from chihuy.core.models import BaseModel


class TicketSequence(models.Model):
    """The last ticket number given in a year: one locked row per year, so that numbers never repeat."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(BaseModel):
    number = models.CharField(max_length=20, unique=True)  # PA-2021-000123
    channel = models.CharField(max_length=10, choices=TicketChannel.choices)
    category = models.CharField(max_length=25, choices=TicketCategory.choices)
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL)
    status = models.CharField(max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW)
    received_at = models.DateTimeField()
    caller_name = models.CharField(max_length=150, blank=True)
    caller_phone = models.CharField(max_length=11, blank=True)
    # Another way back to the caller when there is no phone: "zalo:<follower id>".
    contact_handle = models.CharField(max_length=100, blank=True)
    place_text = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    # The owner: the unit whose centre handles it now (changes on escalation), and its officer.
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    origin_unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    origin_unit_path = models.CharField(max_length=255)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Links. The case is a number: command does not import cases; the web/API layer checks it exists.
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(max_length=30, blank=True)
    facility = models.ForeignKey("places.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # SLA: due from the policy in force when the clock (re)started; restarts on escalation and reopening.
    sla_hours = models.FloatField()
    due_at = models.DateTimeField()
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=TicketOutcome.choices, blank=True)
    outcome_text = models.TextField(blank=True)
    # Where it came from outside a person: the system's source key, the Zalo message id; the public page's IP.
    source = models.CharField(max_length=200, blank=True)
    external_ref = models.CharField(max_length=100, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phiếu phản ánh")
        verbose_name_plural = _("phiếu phản ánh")
        indexes = [
            models.Index(fields=["unit_path", "due_at"], name="ticket_unit_due", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["origin_unit_path"], name="ticket_origin", opclasses=["varchar_pattern_ops"]),
            # The sweep: open tickets past their due time.
            models.Index(
                fields=["due_at"],
                name="ticket_open_due",
                condition=Q(status__in=["new", "assigned", "in_progress"]),
            ),
            # The public page's rate limits count recent tickets per phone and per IP.
            models.Index(fields=["caller_phone", "received_at"], name="ticket_phone_recent"),
            models.Index(fields=["source_ip", "received_at"], name="ticket_ip_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"], condition=~Q(external_ref=""), name="ticket_external_ref_unique"
            ),
            models.CheckConstraint(condition=Q(sla_hours__gt=0), name="ticket_sla_positive"),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(outcome=""), name="ticket_closed_has_outcome"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)


class TicketEvent(models.Model):
    """One line of a ticket's timeline; every write to a ticket adds one. Never changed or deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=TicketEventKind.choices)
    text = models.TextField(blank=True)
    from_status = models.CharField(max_length=12, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TicketStatus.choices, blank=True)
    from_unit = models.ForeignKey("places.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("places.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("diễn biến phiếu")
        verbose_name_plural = _("diễn biến phiếu")
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
