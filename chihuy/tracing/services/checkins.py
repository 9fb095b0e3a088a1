"""Check-ins one at a time: a citizen scanning the venue's QR (no account; the phone number is the identity and the
phone remembers it), venue staff scanning a citizen's personal QR, a check-out. And the one audited read of a
person's check-ins (every query of them is recorded, DESIGN.md privacy)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.people.models import Person
from chihuy.people.validators import normalize_national_id, normalize_phone
from chihuy.tracing import times
from chihuy.tracing.enums import Channel, VenueStatus
from chihuy.tracing.models import CheckIn, Venue, Visitor
from chihuy.tracing.policies import checkin_rule

# A second scan of the same venue within this many minutes is the same visit (a double tap, a reload).
RESCAN_MINUTES = 10


def _require_open(venue: Venue) -> None:
    if venue.status != VenueStatus.ACTIVE:
        raise ApplicationError.field("venue", _("Địa điểm này chưa được duyệt hoặc đã ngừng nhận quét mã."))


@transaction.atomic
def visitor_remember(*, phone: str, name: str = "", national_id: str = "") -> Visitor:
    """The visitor of this phone number, created on first use. A name or ID given now only fills what is missing:
    whoever types a phone number on the public page must not be able to rewrite that person's record."""
    phone = normalize_phone(phone)
    if not phone:
        raise ApplicationError.field("phone", _("Nhập số điện thoại."))
    national_id = normalize_national_id(national_id) if national_id.strip() else ""
    name = " ".join(name.split())[:200]
    visitor = Visitor.objects.select_for_update().filter(phone=phone).first()
    if visitor is None:
        try:
            with transaction.atomic():
                return Visitor.objects.create(
                    phone=phone, name=name, national_id=national_id, token=secrets.token_hex(16), created_at=clock.now()
                )
        except IntegrityError:  # created by a concurrent scan of the same phone
            visitor = Visitor.objects.select_for_update().get(phone=phone)
    changed = []
    if name and not visitor.name:
        visitor.name = name
        changed.append("name")
    if national_id and not visitor.national_id:
        visitor.national_id = national_id
        changed.append("national_id")
    if changed:
        visitor.save(update_fields=changed)
    return visitor


@dataclass(frozen=True)
class Scan:
    checkin: CheckIn
    visitor: Visitor
    repeated: bool  # the same visit scanned again: nothing new was stored


def _checkin(*, venue: Venue, visitor: Visitor, channel: str) -> Scan:
    _require_open(venue)
    rule = checkin_rule()
    now = times.to_minute(clock.now())
    recent = (
        CheckIn.objects.starting_between(now - RESCAN_MINUTES, now)
        .filter(visitor=visitor, venue=venue)
        .order_by("-t_in")
        .first()
    )
    if recent is not None:
        return Scan(recent, visitor, True)
    checkin = CheckIn.objects.create(
        venue=venue,
        visitor=visitor,
        unit_path=venue.unit_path,
        t_in=now,
        t_out=now + rule.default_dwell,
        channel=channel,
    )
    return Scan(checkin, visitor, False)


@transaction.atomic
def checkin_public(*, venue: Venue, phone: str, name: str, national_id: str = "") -> Scan:
    """A citizen scanned the venue's QR and sent the form (no account)."""
    if not name.strip():
        raise ApplicationError.field("name", _("Nhập họ tên."))
    visitor = visitor_remember(phone=phone, name=name, national_id=national_id)
    return _checkin(venue=venue, visitor=visitor, channel=Channel.QR)


@transaction.atomic
def checkin_remembered(*, venue: Venue, token: str) -> Scan:
    """A citizen whose phone remembers them: one tap."""
    visitor = Visitor.objects.filter(token=token).first()
    if visitor is None:
        raise ApplicationError.field(
            "token", _("Không nhận ra người quét; nhập lại số điện thoại."), ErrorCode.NOT_FOUND
        )
    return _checkin(venue=venue, visitor=visitor, channel=Channel.QR)


@transaction.atomic
def checkin_by_staff(*, venue: Venue, personal_code: str) -> Scan:
    """Venue staff scanned (or typed) a citizen's personal QR code at the door. The caller has established that the
    staff belong to the venue (its owner's link, or an officer with venue.manage in its area)."""
    visitor = Visitor.objects.filter(token=personal_code.strip().lower()).first()
    if visitor is None:
        raise ApplicationError.field("code", _("Mã cá nhân không đúng."), ErrorCode.NOT_FOUND)
    return _checkin(venue=venue, visitor=visitor, channel=Channel.STAFF)


@transaction.atomic
def checkout(*, token: str, checkin_id: int) -> CheckIn:
    """The citizen leaves: the visit ends now (not before it began, not after the longest dwell)."""
    checkin = CheckIn.objects.select_for_update().filter(pk=checkin_id, visitor__token=token).first()
    if checkin is None:
        raise ApplicationError.field("checkin", _("Không tìm thấy lượt quét mã."), ErrorCode.NOT_FOUND)
    if checkin.checked_out:
        return checkin
    rule = checkin_rule()
    now = times.to_minute(clock.now())
    checkin.t_out = max(checkin.t_in, min(now, checkin.t_in + rule.max_dwell))
    checkin.checked_out = True
    checkin.save(update_fields=["t_out", "checked_out"])
    return checkin


@dataclass(frozen=True)
class Visit:
    checkin_id: int
    venue_id: int
    venue_code: str
    venue_name: str
    venue_unit_path: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime
    checked_out: bool
    channel: str


def person_checkins(*, actor: Any, person: Person, date_from: dt.date, date_to: dt.date) -> list[Visit]:
    """A person's check-ins (through every visitor record of their phone or ID) between two days, for an officer with
    checkin.view over the person. Every call is audited, with the window asked for."""
    require_perm(actor, Perm.CHECKIN_VIEW)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    if date_to < date_from:
        raise ApplicationError.field("date_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
    if (date_to - date_from).days > 62:
        raise ApplicationError.field("date_to", _("Tra cứu tối đa 62 ngày một lần."))
    from chihuy.tracing.selectors import visitors_of_people

    visitor_ids = visitors_of_people([person.pk]).get(person.pk, set())
    lo = times.day_start_minute(date_from)
    hi = times.day_start_minute(date_to + dt.timedelta(days=1)) - 1
    rows = (
        CheckIn.objects.starting_between(lo, hi)
        .filter(visitor_id__in=visitor_ids)
        .select_related("venue", "venue__site")
        .order_by("t_in", "id")
    )
    visits = [
        Visit(
            checkin_id=c.pk,
            venue_id=c.venue_id,
            venue_code=c.venue.code,
            venue_name=c.venue.site.name,
            venue_unit_path=c.venue.unit_path,
            checked_in_at=times.from_minute(c.t_in),
            checked_out_at=times.from_minute(c.t_out),
            checked_out=c.checked_out,
            channel=c.channel,
        )
        for c in rows
    ]
    audit_record(
        actor=actor,
        action="checkin.read",
        obj=person,
        details={"from": date_from.isoformat(), "to": date_to.isoformat(), "rows": len(visits)},
    )
    return visits
