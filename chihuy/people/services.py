"""Writes of the person registry: create (with the duplicate check), update, deactivate, merge and its undo,
bulk import. Every write is audited with before/after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, from_django_validation
from chihuy.core.models import AuditEvent
from chihuy.core.text import clean_name, fold, name_keys
from chihuy.people.enums import ChronicCondition, Sex
from chihuy.people.models import Household, Person, PersonNameKey
from chihuy.people.selectors import DuplicateCheck, duplicate_candidates
from chihuy.people.validators import normalize_national_id, normalize_phone
from chihuy.places.enums import Layout, UnitLevel
from chihuy.places.models import Unit

EDITABLE = [
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "national_id",
    "phone",
    "address_text",
    "unit",
    "household",
    "occupation",
    "chronic_conditions",
    "is_pregnant",
]


@dataclass
class PersonInput:
    """Validated, normalised values of a person, ready to store."""

    full_name: str
    birth_date: dt.date | None
    birth_year: int | None
    sex: str
    national_id: str
    phone: str
    address_text: str
    unit: Unit
    household: Household | None = None
    occupation: str = ""
    chronic_conditions: list[str] = field(default_factory=list)
    is_pregnant: bool = False


def resolve_address(address_text: str, *, layout: str = Layout.LEGACY) -> Unit | None:
    """The commune an address names ("Bản Giang, Tam Đường, Lai Châu"), via vietnamadminunits."""
    if not address_text.strip():
        return None
    from vietnamadminunits import parse_address

    try:
        parsed = parse_address(
            address_text, mode="LEGACY" if layout == Layout.LEGACY else "FROM_2025", keep_street=False
        )
    except Exception:  # the parser raises bare exceptions on text it cannot read
        return None
    code = getattr(parsed, "ward_code", None)
    if not code:
        return None
    return Unit.objects.filter(level=UnitLevel.COMMUNE, code=str(code).zfill(5), layout=layout).first()


def clean_birth(
    birth_date: dt.date | None, birth_year: int | None, *, today: dt.date
) -> tuple[dt.date | None, int | None]:
    """A birth date or year that is not in the future nor before 1900; the year follows the date."""
    if birth_date is not None:
        if birth_date > today:
            raise ApplicationError.field("birth_date", _("Ngày sinh không được ở tương lai."))
        if birth_date.year < 1900:
            raise ApplicationError.field("birth_date", _("Ngày sinh trước năm 1900."))
        if birth_year is not None and birth_year != birth_date.year:
            raise ApplicationError.field("birth_year", _("Năm sinh khác năm của ngày sinh."))
        birth_year = birth_date.year
    if birth_year is not None and not 1900 <= birth_year <= today.year:
        raise ApplicationError.field("birth_year", _("Năm sinh phải từ 1900 đến %(y)s.") % {"y": today.year})
    return birth_date, birth_year


def clean_person(
    *,
    actor: Any,
    full_name: str,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    sex: str = Sex.UNKNOWN,
    national_id: str = "",
    phone: str = "",
    address_text: str = "",
    unit: Unit | None = None,
    household: Household | None = None,
    occupation: str = "",
    chronic_conditions: list[str] | None = None,
    is_pregnant: bool = False,
    referral: bool = False,
) -> PersonInput:
    """Validate and normalise; every problem names its field. `referral`: a contact living outside the
    actor's area, registered so that their own unit can trace them (the actor still cannot read it after)."""
    today = clock.today()
    name = clean_name(full_name)
    if len(fold(name)) < 2:
        raise ApplicationError.field("full_name", _("Nhập họ và tên."))
    if len(name) > 150:
        raise ApplicationError.field("full_name", _("Họ tên dài quá 150 ký tự."))
    birth_date, birth_year = clean_birth(birth_date, birth_year, today=today)
    if sex not in Sex.values:
        raise ApplicationError.field("sex", _("Giới tính không hợp lệ."))
    national_id = normalize_national_id(national_id, birth_year=birth_year, sex=sex)
    phone = normalize_phone(phone)
    conditions = sorted(set(chronic_conditions or []))
    unknown = [c for c in conditions if c not in ChronicCondition.values]
    if unknown:
        raise ApplicationError.field(
            "chronic_conditions", _("Bệnh nền không hợp lệ: %(c)s.") % {"c": ", ".join(unknown)}
        )
    if is_pregnant and sex == Sex.MALE:
        raise ApplicationError.field("is_pregnant", _("Người giới tính nam không thể đang mang thai."))
    if unit is None:
        layout = getattr(getattr(actor, "unit", None), "layout", Layout.LEGACY)
        unit = resolve_address(address_text, layout=layout)
        if unit is None:
            raise ApplicationError.field("unit", _("Chọn xã/thôn nơi ở, hoặc ghi địa chỉ đủ xã, huyện, tỉnh."))
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ApplicationError.field("unit", _("Nơi ở phải là một xã hoặc thôn, bản."))
    if not referral:
        require_in_jurisdiction(actor, unit.path)
    if household is not None and not household.unit_path.startswith(unit.commune_path):
        raise ApplicationError.field("household", _("Hộ gia đình phải ở cùng xã."))
    return PersonInput(
        full_name=name,
        birth_date=birth_date,
        birth_year=birth_year,
        sex=sex,
        national_id=national_id,
        phone=phone,
        address_text=address_text.strip()[:300],
        unit=unit,
        household=household,
        occupation=occupation.strip()[:150],
        chronic_conditions=conditions,
        is_pregnant=is_pregnant,
    )


def _save(person: Person) -> None:
    try:
        person.full_clean(exclude=["unit", "household", "merged_into"])
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    person.save()


def _index_name(person: Person) -> None:
    PersonNameKey.objects.filter(person=person).delete()
    PersonNameKey.objects.bulk_create(
        [PersonNameKey(person=person, key=key, unit_path=person.unit_path) for key in name_keys(person.name_folded)]
    )


def _candidates_error(check: DuplicateCheck) -> ApplicationError:
    details: list[dict[str, Any]] = [
        {
            "field": "",
            "person_id": c.person.pk,
            "full_name": c.person.full_name,
            "birth_year": c.person.birth_year,
            "unit": c.person.unit.name,
            "reasons": c.reasons,
            "message": _("Có thể trùng với %(name)s (#%(id)s).") % {"name": c.person.full_name, "id": c.person.pk},
        }
        for c in check.candidates
    ]
    if check.hidden_matches:
        details.append(
            {
                "field": "national_id",
                "hidden_matches": check.hidden_matches,
                "message": _("Có %(n)s hồ sơ trùng ở địa bàn khác; liên hệ cấp trên để xử lý.")
                % {"n": check.hidden_matches},
            }
        )
    return ApplicationError(
        ErrorCode.DUPLICATE_CANDIDATES,
        _("Người này có thể đã có trong hệ thống. Kiểm tra danh sách; nếu đúng là người mới, xác nhận tạo mới."),
        details,
    )


@transaction.atomic
def person_create(
    *, actor: Any, confirm_new: bool = False, is_demo: bool = False, referral: bool = False, **values: Any
) -> Person:
    """Create a person. If probable duplicates exist and `confirm_new` is false, raise with the candidates.
    `referral` (contact tracing across units): the person may live outside the actor's area."""
    require_perm(actor, Perm.PERSON_CHANGE)
    data = clean_person(actor=actor, referral=referral, **values)
    check = duplicate_candidates(
        actor=actor,
        full_name=data.full_name,
        birth_year=data.birth_year,
        national_id=data.national_id,
        phone=data.phone,
        unit_path=data.unit.path,
    )
    if (check.candidates or check.hidden_matches) and not confirm_new:
        raise _candidates_error(check)
    person = Person(**data.__dict__, unit_path=data.unit.path, name_folded=fold(data.full_name), is_demo=is_demo)
    _save(person)
    _index_name(person)
    audit_record(
        actor=actor,
        action="create",
        obj=person,
        after=snapshot(person),
        details={
            **({"confirmed_despite": [c.person.pk for c in check.candidates]} if check.candidates else {}),
            **({"referral": True} if referral else {}),
        }
        or None,
    )
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, **changes: Any) -> Person:
    require_perm(actor, Perm.PERSON_CHANGE)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    if not person.is_active:
        raise ApplicationError(ErrorCode.CONFLICT, _("Hồ sơ đã bị vô hiệu hóa hoặc đã gộp; không sửa được."))
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise ApplicationError.field(unknown[0], _("Không sửa được trường này."))
    current = {name: getattr(person, name) for name in EDITABLE}
    current.update(changes)
    if "birth_date" in changes and "birth_year" not in changes:
        current["birth_year"] = None
    data = clean_person(actor=actor, **current)
    before = snapshot(person)
    for key, value in data.__dict__.items():
        setattr(person, key, value)
    person.unit_path = data.unit.path
    person.name_folded = fold(data.full_name)
    _save(person)
    old, new = diff(before, snapshot(person))
    if {"name_folded", "unit_path"} & set(new):
        _index_name(person)
    if new:
        audit_record(actor=actor, action="update", obj=person, before=old, after=new)
    return person


@transaction.atomic
def person_deactivate(*, actor: Any, person: Person, reason: str) -> Person:
    require_perm(actor, Perm.PERSON_CHANGE)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do vô hiệu hóa."))
    if person.is_active:
        person.is_active = False
        person.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="deactivate",
            obj=person,
            before={"is_active": True},
            after={"is_active": False},
            details={"reason": reason.strip()},
        )
    return person


# --- merge ---------------------------------------------------------------------------------


def _person_links() -> list[Any]:
    """Every foreign key to Person in every installed app (later apps' links are moved too), including
    records merged into the source earlier, so that a chain of merges ends at the surviving record."""
    links = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            fk = rel.field  # type: ignore[union-attr]
            if fk.model is PersonNameKey:
                continue
            links.append(fk)
    return links


MERGE_FILL_FIELDS = [
    "birth_date",
    "birth_year",
    "national_id",
    "phone",
    "address_text",
    "household",
    "occupation",
]


@transaction.atomic
def person_merge(*, actor: Any, source: Person, target: Person, reason: str) -> Person:
    """Merge `source` into `target`: every linked record moves to target, target's empty fields take
    source's values, source is deactivated and points to target. The audit event holds what moved,
    so `person_unmerge` can put it back."""
    require_perm(actor, Perm.PERSON_MERGE)
    if source.pk == target.pk:
        raise ApplicationError.field("target", _("Không thể gộp một hồ sơ vào chính nó."))
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    source, target = locked[source.pk], locked[target.pk]
    for name, p in (("source", source), ("target", target)):
        require_in_jurisdiction(actor, p.unit_path, field=name)
        if not p.is_active:
            raise ApplicationError.field(
                name, _("Hồ sơ %(n)s đã bị vô hiệu hóa hoặc đã gộp.") % {"n": p.full_name}, ErrorCode.CONFLICT
            )
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do gộp hồ sơ."))
    moved: dict[str, list[Any]] = {}
    for fk in _person_links():
        label = f"{fk.model._meta.label}.{fk.name}"
        ids = list(fk.model._default_manager.filter(**{fk.name: source}).values_list("pk", flat=True))
        if not ids:
            continue
        if fk.one_to_one and fk.model._default_manager.filter(**{fk.name: target}).exists():
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("Cả hai hồ sơ đều có %(what)s; xử lý trước khi gộp.") % {"what": fk.model._meta.verbose_name},
            )
        fk.model._default_manager.filter(pk__in=ids).update(**{fk.name: target})
        moved[label] = ids
    before_target = snapshot(target, MERGE_FILL_FIELDS)
    for name in MERGE_FILL_FIELDS:
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    target.save()
    old, new = diff(before_target, snapshot(target, MERGE_FILL_FIELDS))
    source.is_active = False
    source.merged_into = target
    source.save(update_fields=["is_active", "merged_into", "updated_at"])
    audit_record(
        actor=actor,
        action="merge",
        obj=source,
        before={"is_active": True, "merged_into_id": None},
        after={"is_active": False, "merged_into_id": target.pk},
        details={
            "target_id": target.pk,
            "moved": moved,
            "target_before": old,
            "target_after": new,
            "reason": reason.strip(),
        },
    )
    audit_record(actor=actor, action="update", obj=target, before=old, after=new, details={"merged_from": source.pk})
    return target


@transaction.atomic
def person_unmerge(*, actor: Any, event_id: int, reason: str) -> Person:
    """Undo a merge from its audit event: records that moved go back, target's filled fields are
    cleared again, the source is reactivated."""
    require_perm(actor, Perm.PERSON_MERGE)
    event = (
        AuditEvent.objects.select_for_update().filter(pk=event_id, action="merge", object_type="people.person").first()
    )
    if event is None or not in_jurisdiction(actor, event.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy lần gộp này."))
    if event.details.get("undone_by"):
        raise ApplicationError(ErrorCode.CONFLICT, _("Lần gộp này đã được hoàn tác."))
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do hoàn tác."))
    source = Person.objects.select_for_update().get(pk=int(event.object_id))
    target = Person.objects.select_for_update().get(pk=event.details["target_id"])
    links = {f"{fk.model._meta.label}.{fk.name}": fk for fk in _person_links()}
    for label, ids in event.details.get("moved", {}).items():
        fk = links.get(label)
        if fk is None:
            continue
        fk.model._default_manager.filter(pk__in=ids, **{fk.name: target}).update(**{fk.name: source})
    restore = event.details.get("target_before", {})
    filled = event.details.get("target_after", {})
    current = snapshot(target, MERGE_FILL_FIELDS)
    kept: list[str] = []
    if restore:
        by_attname: dict[str, Any] = {f.attname: f for f in Person._meta.concrete_fields}
        for attname, value in restore.items():
            if current.get(attname) != filled.get(attname):
                kept.append(attname)  # changed by someone since the merge: their value stays
                continue
            target_field = by_attname[attname]
            setattr(target, attname, target_field.to_python(value) if value is not None else None)
        target.save()
    source.is_active = True
    source.merged_into = None
    source.save(update_fields=["is_active", "merged_into", "updated_at"])
    undo = audit_record(
        actor=actor,
        action="unmerge",
        obj=source,
        before={"merged_into_id": target.pk},
        after={"merged_into_id": None},
        details={"merge_event": event.pk, "reason": reason.strip(), "kept_target_fields": kept},
    )
    event.details = {**event.details, "undone_by": undo.pk}
    event.save(update_fields=["details"])
    return source


# --- households ----------------------------------------------------------------------------


@transaction.atomic
def household_create(*, actor: Any, unit: Unit, address: str, members: list[Person] | None = None) -> Household:
    """A household in a commune or village; members (if given) join it, the first one as head."""
    require_perm(actor, Perm.PERSON_CHANGE)
    require_in_jurisdiction(actor, unit.path)
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ApplicationError.field("unit", _("Hộ gia đình phải thuộc một xã hoặc thôn, bản."))
    if not address.strip():
        raise ApplicationError.field("address", _("Nhập địa chỉ của hộ."))
    household = Household(unit=unit, unit_path=unit.path, address=address.strip()[:300])
    household.full_clean(exclude=["unit", "head"])
    household.save()
    audit_record(actor=actor, action="create", obj=household, after=snapshot(household))
    for member in members or []:
        household_add_member(actor=actor, household=household, person=member)
    return household


@transaction.atomic
def household_add_member(*, actor: Any, household: Household, person: Person) -> Person:
    require_perm(actor, Perm.PERSON_CHANGE)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    require_in_jurisdiction(actor, household.unit_path, field="household")
    if not person.unit_path.startswith(household.unit.commune_path):
        raise ApplicationError.field("person", _("Người này không ở cùng xã với hộ."))
    before = person.household_id
    person.household = household
    person.save(update_fields=["household", "updated_at"])
    if household.head_id is None:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
    audit_record(
        actor=actor, action="update", obj=person, before={"household_id": before}, after={"household_id": household.pk}
    )
    return person


def person_import_enqueue(*, actor: Any, within: str, data: bytes, filename: str) -> Any:
    """Queue a bulk import as a background job; the job's progress and report are read from the Job row."""
    from chihuy.core.jobs import job_create
    from chihuy.core.tabular import check_upload
    from chihuy.people.tasks import PERSON_IMPORT, person_import_task

    require_perm(actor, Perm.PERSON_IMPORT)
    check_upload(data, filename=filename)
    job = job_create(kind=PERSON_IMPORT, actor=actor, unit_path=within, payload=data, input_name=filename)
    transaction.on_commit(lambda: person_import_task.enqueue(job.pk))
    return job
