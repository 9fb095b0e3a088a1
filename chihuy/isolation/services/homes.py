"""Home isolation (cách ly tại nhà): register a household with its members (each a stay of kind home with the
clock of the rule in force), add a member, end the household once every stay has ended; daily health checks
recorded by an officer (call, visit) or declared by the person through the door sign's QR link without an
account; danger signs propose transfer to treatment and alert the commune at once; missed check-ins alert the
officer and the commune once per stay per day.

Decisions:
- Under Công văn 5599/BYT-MT the whole household quarantines with the F1: when a registered household
  (people.Household) is given, its active members not listed and not already in another stay join with cohort
  "household" and the F1's exposure date.
- A self check-in (door sign link) declared again by the same member within `SELF_REPEAT_MINUTES` of their last
  self check of the day corrects it (values and time) instead of adding a row: a refreshed or double-submitted
  phone form never floods the table, and the latest values are the ones judged. Officers' calls and visits always
  add a row. The sign's link is a household secret, so there is no per-IP limit; a self check flipping to danger
  again within the hour of the transfer proposal does not alert twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

import chihuy.isolation.notifications_home  # noqa: F401  (registers the message templates)
from chihuy.accounts.access import in_jurisdiction, require_perm
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation import policies
from chihuy.isolation.enums import (
    HOLDING_STATUSES,
    CheckSource,
    Cohort,
    HomeStatus,
    StayEventKind,
    StayKind,
    StayStatus,
    Symptom,
)
from chihuy.isolation.models import CheckIn, HomeIsolation, Stay, StayEvent
from chihuy.isolation.services._common import next_number, require_stay_place, unit_recipients
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.notify.services import message_enqueue
from chihuy.people.models import Household, Person
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
SPO2_RANGE = (50, 100)
SELF_REPEAT_MINUTES = 60
HOME_COHORTS = (Cohort.F1, Cohort.F0, Cohort.HOUSEHOLD)
ALERT_PERMS = (Perm.HOME_ISOLATION, Perm.ISOLATION_VIEW)


@dataclass(frozen=True, slots=True)
class HomeMember:
    """A person isolating in the household: who they are in it (F1, F0, household member), their exposure or
    positive date, and whether they are fully vaccinated (the rule in force may shorten their clock)."""

    person: Person
    cohort: str = Cohort.F1
    cohort_on: dt.date | None = None
    fully_vaccinated: bool = False


@dataclass(frozen=True, slots=True)
class CheckValues:
    """What a daily check declares; `None` for a value not measured (no thermometer, no oximeter)."""

    temperature: Decimal | float | str | None = None
    spo2: int | None = None
    symptoms: Sequence[str] = ()
    breathing_difficulty: bool = False
    note: str = ""


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _commune_phone(home: HomeIsolation) -> str:
    """The number a family calls: the responsible officer's, else the village COVID team's."""
    officer_phone = getattr(home.officer, "phone", "") if home.officer_id else ""
    return officer_phone or home.team_phone or ""


def commune_phone(home: HomeIsolation) -> str:
    return _commune_phone(home)


def _check_officer(officer: User | None, unit: Unit) -> None:
    if officer is None:
        raise ApplicationError.field("officer", _("Chọn cán bộ y tế xã phụ trách."))
    if not officer.is_active or not (officer.unit_path or "").startswith(unit.commune_path):
        raise ApplicationError.field("officer", _("Cán bộ phụ trách phải là người dùng của xã này."))


def _admissions(
    members: Sequence[HomeMember], household: Household | None, today: dt.date
) -> tuple[list[Admission], list[str]]:
    """The admissions of the listed members plus (5599) the household's other members; and the names of
    household members left out because they already are in another stay."""
    admissions: list[Admission] = []
    listed: set[int] = set()
    for i, member in enumerate(members):
        if member.cohort not in HOME_COHORTS:
            raise ApplicationError.field(f"members[{i}].cohort", _("Chọn F1, F0 hoặc người cùng hộ."))
        if member.cohort_on is None:
            raise ApplicationError.field(f"members[{i}].cohort_on", _("Nhập ngày phơi nhiễm / ngày dương tính."))
        admissions.append(
            Admission(
                person=member.person,
                cohort=member.cohort,
                cohort_on=member.cohort_on,
                fully_vaccinated=member.fully_vaccinated,
            )
        )
        listed.add(member.person.pk)
    skipped: list[str] = []
    if household is not None:
        anchors = [m.cohort_on for m in members if m.cohort == Cohort.F1 and m.cohort_on is not None]
        anchor = min(anchors) if anchors else min((a.cohort_on for a in admissions), default=today)
        others = (
            Person.objects.filter(household=household, is_active=True, merged_into__isnull=True)
            .exclude(pk__in=listed)
            .order_by("pk")
        )
        busy = set(
            Stay.objects.filter(person__in=others, status__in=HOLDING_STATUSES).values_list("person_id", flat=True)
        )
        for person in others:
            if person.pk in busy:
                skipped.append(person.full_name)
                continue
            admissions.append(Admission(person=person, cohort=Cohort.HOUSEHOLD, cohort_on=anchor))
    return admissions, skipped


@transaction.atomic
def home_register(
    *,
    actor: Any,
    unit: Unit,
    address: str,
    members: Sequence[HomeMember],
    officer: User | None,
    household: Household | None = None,
    team: str = "",
    team_phone: str = "",
    is_demo: bool = False,
) -> HomeIsolation:
    """Register a household isolating at home; every member gets a stay of kind home with the clock of the rule
    in force today (all or nothing). Returns the household with `skipped` (names of household members already
    isolating elsewhere, not added) and `admitted` (the stays made: the caller passes them to
    chihuy.response.isolation.stays_admitted, which closes the F1's tracing step)."""
    require_perm(actor, Perm.HOME_ISOLATION)
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ApplicationError.field("unit", _("Chọn xã hoặc thôn, bản nơi hộ cách ly."))
    if not in_jurisdiction(actor, unit.path):
        raise ApplicationError.field("unit", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    address = (address or "").strip()
    if not address:
        raise ApplicationError.field("address", _("Nhập địa chỉ nơi cách ly."))
    if household is not None and not household.unit_path.startswith(unit.commune_path):
        raise ApplicationError.field("household", _("Hộ gia đình phải ở cùng xã."))
    _check_officer(officer, unit)
    if not members:
        raise ApplicationError.field("members", _("Chọn ít nhất một người cách ly."))
    if not any(m.cohort in (Cohort.F1, Cohort.F0) for m in members):
        raise ApplicationError.field("members", _("Phải có ít nhất một F1 hoặc F0 trong hộ cách ly."))
    now = clock.now()
    today = clock.localdate(now)
    admissions, skipped = _admissions(members, household, today)
    home = HomeIsolation(
        code=next_number(HomeIsolation, f"CLN-{today.year}-"),
        household=household,
        unit=unit,
        unit_path=unit.path,
        address=address[:300],
        officer=officer,
        team=team.strip()[:200],
        team_phone=team_phone.strip()[:20],
        token=secrets.token_urlsafe(24),
        started_on=today,
        status=HomeStatus.ACTIVE,
        created_by=_user(actor),
        is_demo=is_demo,
    )
    try:
        with transaction.atomic():
            home.save()
    except IntegrityError as exc:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("Mã hộ cách ly vừa được cấp cho hộ khác cùng lúc; thử lại.")
        ) from exc
    try:
        stays = stays_admit(actor=actor, kind=StayKind.HOME, admissions=admissions, home=home, at=now)
    except ApplicationError as exc:
        raise _member_error(exc, admissions, members) from exc
    audit_record(
        actor=actor,
        action="create",
        obj=home,
        after={
            "code": home.code,
            "address": home.address,
            "officer": officer.username if officer else "",
            "members": [a.person.full_name for a in admissions],
            "skipped": skipped,
        },
    )
    home.skipped = skipped  # type: ignore[attr-defined]
    home.admitted = stays  # type: ignore[attr-defined]
    return home


def _member_error(exc: ApplicationError, admissions: list[Admission], members: Sequence[HomeMember]) -> Exception:
    """stays_admit names `admissions[i].…`; here the caller listed `members`: the same index, or the household
    member added (named by the message)."""
    details = exc.details if isinstance(exc.details, list) else []
    fixed = []
    for d in details:
        field = str(d.get("field", ""))
        if field.startswith("admissions["):
            index = int(field[len("admissions[") : field.index("]")])
            rest = field[field.index("]") + 1 :]
            field = f"members[{index}]{rest}" if index < len(members) else "household"
        fixed.append({**d, "field": field})
    return ApplicationError(exc.code, exc.message, fixed)


def _require_home_writable(actor: Any, home: HomeIsolation) -> HomeIsolation:
    require_perm(actor, Perm.HOME_ISOLATION)
    if not in_jurisdiction(actor, home.unit_path):
        raise ApplicationError.field("home", _("Không tìm thấy hộ cách ly trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    home = HomeIsolation.objects.select_for_update().get(pk=home.pk)
    if home.status != HomeStatus.ACTIVE:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Hộ cách ly này đã kết thúc."))
    return home


@transaction.atomic
def home_member_add(*, actor: Any, home: HomeIsolation, member: HomeMember) -> Stay:
    """Another person isolates in the household (a relative who came home, a member found later)."""
    home = _require_home_writable(actor, home)
    if member.cohort not in HOME_COHORTS:
        raise ApplicationError.field("cohort", _("Chọn F1, F0 hoặc người cùng hộ."))
    if member.cohort_on is None:
        raise ApplicationError.field("cohort_on", _("Nhập ngày phơi nhiễm / ngày dương tính."))
    admission = Admission(
        person=member.person,
        cohort=member.cohort,
        cohort_on=member.cohort_on,
        fully_vaccinated=member.fully_vaccinated,
    )
    try:
        (stay,) = stays_admit(actor=actor, kind=StayKind.HOME, admissions=[admission], home=home)
    except ApplicationError as exc:
        details = exc.details if isinstance(exc.details, list) else []
        raise ApplicationError(
            exc.code,
            exc.message,
            [{**d, "field": str(d.get("field", "")).replace("admissions[0].", "")} for d in details],
        ) from exc
    return stay


@transaction.atomic
def home_end(*, actor: Any, home: HomeIsolation, reason: str = "") -> HomeIsolation:
    """Close the household once every member's stay has ended (released, transferred, …): the sign comes down."""
    home = _require_home_writable(actor, home)
    holding = list(Stay.objects.filter(home=home, status__in=HOLDING_STATUSES).select_related("person").order_by("pk"))
    if holding:
        raise ApplicationError.field(
            "home",
            _("Còn %(n)s người đang cách ly (%(names)s): kết thúc lượt cách ly của họ trước.")
            % {"n": len(holding), "names": ", ".join(s.person.full_name for s in holding)},
            ErrorCode.INVALID_TRANSITION,
        )
    home.status = HomeStatus.ENDED
    home.ended_on = clock.today()
    home.save(update_fields=["status", "ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=home,
        before={"status": HomeStatus.ACTIVE},
        after={"status": home.status},
        details={"reason": reason.strip()} if reason.strip() else None,
    )
    return home


# --- daily checks --------------------------------------------------------------------------------------------


def _clean_values(values: CheckValues) -> tuple[Decimal | None, int | None, list[str]]:
    temperature: Decimal | None = None
    if values.temperature not in (None, ""):
        try:
            temperature = Decimal(str(values.temperature).replace(",", ".")).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError) as exc:
            raise ApplicationError.field("temperature", _("Nhiệt độ phải là một số, ví dụ 37,5.")) from exc
        low, high = TEMPERATURE_RANGE
        if not low <= temperature <= high:
            raise ApplicationError.field(
                "temperature",
                _("Nhiệt độ phải từ %(a)s đến %(b)s °C.") % {"a": number_format(low, 1), "b": number_format(high, 1)},
            )
    spo2: int | None = None
    if values.spo2 not in (None, ""):
        try:
            spo2 = int(values.spo2)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApplicationError.field("spo2", _("SpO2 phải là một số nguyên, ví dụ 98.")) from exc
        if not SPO2_RANGE[0] <= spo2 <= SPO2_RANGE[1]:
            raise ApplicationError.field(
                "spo2", _("SpO2 phải từ %(a)s đến %(b)s %%.") % {"a": SPO2_RANGE[0], "b": SPO2_RANGE[1]}
            )
    symptoms: list[str] = []
    for s in values.symptoms:
        if s not in Symptom.values:
            raise ApplicationError.field("symptoms", _("Triệu chứng “%(s)s” không hợp lệ.") % {"s": s})
        if s not in symptoms:
            symptoms.append(s)
    return temperature, spo2, symptoms


def danger_reasons(
    *, temperature: Decimal | None, spo2: int | None, symptoms: Sequence[str], breathing_difficulty: bool, on: dt.date
) -> list[str]:
    """The danger signs of a check by the home-care rule in force (policy isolation.home_care)."""
    rule = policies.home_care(on)
    reasons: list[str] = []
    if spo2 is not None and spo2 <= int(rule["spo2_danger"]):
        reasons.append(_("SpO2 %(v)s %% (≤ %(t)s %%)") % {"v": spo2, "t": rule["spo2_danger"]})
    if temperature is not None and temperature >= Decimal(str(rule["temperature_danger"])):
        reasons.append(
            _("sốt %(v)s °C (≥ %(t)s °C)")
            % {"v": number_format(temperature, 1), "t": number_format(Decimal(str(rule["temperature_danger"])), 1)}
        )
    if breathing_difficulty or Symptom.BREATHING in symptoms:
        reasons.append(_("khó thở"))
    if Symptom.CHEST_PAIN in symptoms:
        reasons.append(_("đau tức ngực"))
    return reasons


def _home_users(home: HomeIsolation) -> list[User]:
    """Who at the commune is told: the responsible officer and the commune's (and village's) users who run home
    isolation or follow isolation."""
    paths = {home.unit.commune_path, home.unit_path}
    found = unit_recipients(paths, perms=ALERT_PERMS)
    users: dict[int, User] = {u.pk: u for group in found.values() for u in group}
    if home.officer_id and home.officer is not None and home.officer.is_active:
        users.setdefault(home.officer.pk, home.officer)
    return [users[k] for k in sorted(users)]


def _alert_danger(home: HomeIsolation, stay: Stay, check: CheckIn) -> None:
    users = _home_users(home)
    if not users:
        return
    message_enqueue(
        template="isolation.home_danger",
        context={
            "person": stay.person.full_name,
            "address": home.address,
            "code": home.code,
            "at": clock.local(check.at).strftime("%H:%M %d/%m/%Y"),
            "reasons": ", ".join(check.danger_reasons),
            "phone": stay.person.phone or _commune_phone(home) or "—",
            "team": " ".join(p for p in (home.team, home.team_phone) if p),
        },
        users=users,
        urgent=True,
        unit=home.unit,
        source=f"isolation.home:{home.pk}",
    )


@transaction.atomic
def checkin_record(
    *,
    actor: Any,
    stay: Stay,
    source: str,
    values: CheckValues,
    at: dt.datetime | None = None,
) -> CheckIn:
    """Record a daily check of an active stay. `actor` None is the person themself through the door sign (source
    self); an officer records a call or a visit. Danger signs by the policy in force mark the check, propose
    transfer to treatment (once, with an event) and send an urgent message to the commune."""
    if source not in CheckSource.values:
        raise ApplicationError.field("source", _("Nguồn khai báo không hợp lệ."))
    if actor is None:
        if source != CheckSource.SELF:
            raise ApplicationError.field("source", _("Tự khai báo chỉ có nguồn “tự khai”."))
    else:
        require_perm(actor, Perm.HOME_ISOLATION if stay.kind == StayKind.HOME else Perm.STAY_WORK)
        require_stay_place(actor, stay)
    stay = (
        Stay.objects.select_for_update(of=("self",))
        .select_related("person", "home", "home__unit", "home__officer")
        .get(pk=stay.pk)
    )
    if stay.status != StayStatus.ACTIVE:
        ended = f" {clock.local(stay.ended_at).strftime('%d/%m/%Y')}" if stay.ended_at else ""
        raise ApplicationError.field(
            "stay",
            _("Lượt cách ly của %(name)s không còn hoạt động (%(status)s%(ended)s): không ghi nhận khai báo được.")
            % {"name": stay.person.full_name, "status": StayStatus(stay.status).label, "ended": ended},
            ErrorCode.INVALID_TRANSITION,
        )
    temperature, spo2, symptoms = _clean_values(values)
    now = at or clock.now()
    on = clock.localdate(now)
    breathing = bool(values.breathing_difficulty) or Symptom.BREATHING in symptoms
    reasons = danger_reasons(
        temperature=temperature, spo2=spo2, symptoms=symptoms, breathing_difficulty=breathing, on=on
    )
    check: CheckIn | None = None
    if source == CheckSource.SELF:
        since = now - dt.timedelta(minutes=SELF_REPEAT_MINUTES)
        check = CheckIn.objects.filter(stay=stay, source=CheckSource.SELF, at__gte=since, on=on).order_by("-at").first()
    was_danger = bool(check and check.danger)
    # A self check corrected back and forth within the hour alerts once (a typo, or a prank with the sign's link).
    alerted_recently = (
        source == CheckSource.SELF
        and stay.transfer_proposed_at is not None
        and now - stay.transfer_proposed_at < dt.timedelta(minutes=SELF_REPEAT_MINUTES)
    )
    if check is None:
        check = CheckIn(stay=stay, source=source)
    check.at = now
    check.on = on
    check.temperature = temperature
    check.spo2 = spo2
    check.symptoms = symptoms
    check.breathing_difficulty = breathing
    check.danger = bool(reasons)
    check.danger_reasons = reasons
    check.note = (values.note or "").strip()[:300]
    check.recorded_by = _user(actor)
    check.save()
    stay.last_check_at = now
    fields = ["last_check_at", "updated_at"]
    if reasons and stay.transfer_proposed_at is None:
        stay.transfer_proposed_at = now
        stay.transfer_reason = (_("Dấu hiệu nguy hiểm khi khai báo: %(r)s") % {"r": ", ".join(reasons)})[:400]
        fields += ["transfer_proposed_at", "transfer_reason"]
        StayEvent.objects.create(
            stay=stay, at=now, kind=StayEventKind.TRANSFER_PROPOSED, reason=stay.transfer_reason, actor=_user(actor)
        )
        audit_record(
            actor=actor,
            action="update",
            obj=stay,
            after={"transfer_proposed_at": now, "transfer_reason": stay.transfer_reason},
        )
    stay.save(update_fields=fields)
    if reasons and not was_danger and not alerted_recently and stay.home is not None:
        _alert_danger(stay.home, stay, check)
    return check


def home_by_token(token: str) -> HomeIsolation:
    """The active household of a door sign's QR token; any other token (unknown, ended household) is not found."""
    home = (
        HomeIsolation.objects.select_related("unit", "officer")
        .filter(token=str(token or "")[:64], status=HomeStatus.ACTIVE)
        .first()
    )
    if home is None or not token:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Mã khai báo không đúng hoặc hộ đã kết thúc cách ly."))
    return home


def public_checkin(*, token: str, stay_id: int | None, values: CheckValues, at: dt.datetime | None = None) -> CheckIn:
    """A member of the household declares their check through the door sign's link, without an account: only the
    active stays of that household are accepted (a stay of another household is "not found" on `member`)."""
    home = home_by_token(token)
    stay = Stay.objects.filter(pk=stay_id or 0, home=home, status=StayStatus.ACTIVE).first() if stay_id else None
    if stay is None:
        raise ApplicationError.field(
            "member", _("Chọn tên của bạn trong danh sách người cách ly của hộ."), ErrorCode.NOT_FOUND
        )
    return checkin_record(actor=None, stay=stay, source=CheckSource.SELF, values=values, at=at)


# --- missed check-ins ------------------------------------------------------------------------------------------


@transaction.atomic
def missed_checkins_alert(*, on: dt.date | None = None, at: dt.datetime | None = None) -> int:
    """Active home stays with no check-in for the policy's `missed_after_hours` (counted from admission when none
    yet): one message per household to its officer and commune, each stay alerted at most once a day
    (`missed_alerted_on`). Returns the number of stays alerted. The isolation sweep calls this."""
    now = at or clock.now()
    on = on or clock.localdate(now)
    hours = int(policies.home_care(on)["missed_after_hours"])
    cutoff = now - dt.timedelta(hours=hours)
    stays = list(
        Stay.objects.select_for_update(of=("self",))
        .filter(kind=StayKind.HOME, status=StayStatus.ACTIVE)
        .exclude(missed_alerted_on=on)
        .select_related("person", "home", "home__unit", "home__officer")
        .order_by("home_id", "pk")
    )
    due: dict[int, list[Stay]] = {}
    for stay in stays:
        last = stay.last_check_at or stay.admitted_at
        if last is None or last > cutoff:
            continue
        due.setdefault(stay.home_id or 0, []).append(stay)
    alerted = 0
    for group in due.values():
        home = group[0].home
        assert home is not None
        users = _home_users(home)
        if users:
            message_enqueue(
                template="isolation.home_missed",
                context={
                    "code": home.code,
                    "address": home.address,
                    "hours": hours,
                    "people": ", ".join(s.person.full_name for s in group),
                    "team": " ".join(p for p in (home.team, home.team_phone) if p),
                },
                users=users,
                urgent=False,
                unit=home.unit,
                source=f"isolation.home:{home.pk}",
            )
        Stay.objects.filter(pk__in=[s.pk for s in group]).update(missed_alerted_on=on)
        alerted += len(group)
    return alerted
