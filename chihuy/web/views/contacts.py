"""The "Tiếp xúc" section shared by the case page and a person's F-level page: the contacts listed for a
source person with each one's F-level and why it qualified (or not), one contact at a time, or a line list
pasted from Excel / uploaded (every row checked first; nothing written when one is wrong)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm, in_jurisdiction, user_path
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors, services
from chihuy.cases.enums import Setting
from chihuy.cases.services.contacts import LINE_COLUMNS
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.people import selectors as people_selectors
from chihuy.people import services as people_services
from chihuy.people.models import Person
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.web.case_forms import ContactForm, PasteForm, PickOrNewPersonForm, apply_renamed
from chihuy.web.views._common import http_error, scope, screen

# What each column of the line list means (the header row may use these names, with or without diacritics).
COLUMN_HELP: dict[str, Any] = {
    "ho_ten": gettext_lazy("Họ và tên (bắt buộc)"),
    "so_dien_thoai": gettext_lazy("Số điện thoại"),
    "cccd": gettext_lazy("Số CCCD/CMND"),
    "nam_sinh": gettext_lazy("Năm sinh"),
    "gioi_tinh": gettext_lazy("Giới tính: nam / nữ"),
    "dia_chi": gettext_lazy("Địa chỉ (nơi ở ngoài địa bàn: ghi đủ xã, huyện, tỉnh)"),
    "ma_don_vi": gettext_lazy("Mã xã hoặc thôn (nếu biết)"),
    "quan_he": gettext_lazy("Quan hệ với người nguồn"),
    "boi_canh": gettext_lazy(
        "Bối cảnh: hộ gia đình, nơi làm việc, trường học, địa điểm công cộng, phương tiện, cơ sở y tế, khác"
    ),
    "thoi_diem_tiep_xuc": gettext_lazy("Thời điểm tiếp xúc: dd/mm/yyyy hh:mm"),
    "thoi_gian_phut": gettext_lazy("Thời gian tiếp xúc (phút)"),
    "khoang_cach_m": gettext_lazy("Khoảng cách (m)"),
    "deo_khau_trang": gettext_lazy("Đeo khẩu trang: có / không"),
    "tiep_xuc_truc_tiep": gettext_lazy("Tiếp xúc trực tiếp (chạm, chăm sóc): có / không"),
}
CONTACT_RENAME = {"contact_person": "person", "birth_date": "birth_year"}


def home_units(request: HttpRequest) -> list[Any]:
    """Communes and villages of the user's jurisdiction: where a new person may be registered."""
    return unit_subtree(path=user_path(request.user), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])


def level_label(level: int | None) -> str:
    return "—" if level is None else f"F{level}"


def picked_person(request: HttpRequest, value: Any) -> Person | None:
    """The person chosen in a picker, shown again when the form comes back with errors."""
    try:
        pid = int(value)
    except (TypeError, ValueError):
        return None
    try:
        return people_selectors.person_get(actor=request.user, person_id=pid, audit=False)
    except ApplicationError:
        return None


def picked_or_error(request: HttpRequest, person_id: int | None) -> Person | None:
    """The person picked on a form (None if none), or an error on the field `person` when not in the area."""
    if not person_id:
        return None
    try:
        return people_selectors.person_get(actor=request.user, person_id=person_id, audit=False)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        raise ApplicationError.field(
            "person", _("Không tìm thấy người này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc


def pick_or_create(request: HttpRequest, form: PickOrNewPersonForm, *, allow_elsewhere: bool) -> Person:
    """The existing person picked, or a new one. A contact with no unit of ours but an address elsewhere is
    registered as a referral (their own unit traces them)."""
    picked = picked_or_error(request, form.cleaned_data.get("person"))
    if picked is not None:
        return picked
    values = form.person_values()
    elsewhere = allow_elsewhere and values["unit"] is None and bool(values["address_text"].strip())
    return people_services.person_create(
        actor=request.user,
        confirm_new=elsewhere or request.POST.get("confirm_new") == "1",
        referral=elsewhere,
        **values,
    )


def form_failure(form: Any, exc: ApplicationError, rename: dict[str, str]) -> list[dict[str, Any]]:
    """Duplicate candidates (to confirm a new person) or errors beside the fields; 403 stays 403."""
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise http_error(exc) from exc
    if exc.code == ErrorCode.DUPLICATE_CANDIDATES:
        return [d for d in exc.details if isinstance(d, dict)]
    apply_renamed(form, exc, rename)
    return []


def contact_add(request: HttpRequest, source: Person) -> tuple[ContactForm, list[dict[str, Any]], bool]:
    """Parse and add one contact of `source`: (form, duplicate candidates, done)."""
    form = ContactForm(request.POST, units=home_units(request))
    if not form.is_valid():
        return form, [], False
    try:
        with transaction.atomic():
            person = pick_or_create(request, form, allow_elsewhere=True)
            services.contact_add(
                actor=request.user, source_person=source, contact_person=person, **form.exposure_values()
            )
    except ApplicationError as exc:
        return form, form_failure(form, exc, CONTACT_RENAME), False
    return form, [], True


def contacts_import(request: HttpRequest, source: Person) -> tuple[PasteForm, dict[str, Any] | None]:
    """Parse a pasted or uploaded line list and import it: (form, the import's report or None)."""
    form = PasteForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    upload = form.cleaned_data.get("file")
    if upload:
        data, filename, field = upload.read(), upload.name, "file"
    else:
        data, filename, field = form.cleaned_data["text"].encode(), "paste.csv", "text"
    try:
        report = services.contacts_import(
            actor=request.user,
            source_person=source,
            data=data,
            filename=filename,
            default_exposure=form.cleaned_data.get("default_exposure"),
        )
    except ApplicationError as exc:
        if exc.code == ErrorCode.PERMISSION_DENIED:
            raise http_error(exc) from exc
        form.add_error(field, exc.message)
        return form, None
    return form, report.as_dict()


def section(
    request: HttpRequest,
    source: Person,
    *,
    contact_form: ContactForm | None = None,
    candidates: list[dict[str, Any]] | None = None,
    paste_form: PasteForm | None = None,
    paste_report: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Context of web/cases/_contacts.html for the contacts of `source`."""
    user: Any = request.user
    rows: list[dict[str, Any]] = []
    for contact in selectors.contacts_of(actor=user, person=source):
        classification = getattr(contact.contact_person, "classification", None)
        rows.append(
            {
                "contact": contact,
                "level": classification.level if classification else None,
                "classification_id": classification.pk
                if classification and in_jurisdiction(user, classification.unit_path)
                else None,
                "trace_status": classification.get_trace_status_display() if classification else "",
            }
        )
    can_change = has_perm(user, Perm.CONTACT_CHANGE) and in_jurisdiction(user, source.unit_path)
    if can_change and contact_form is None:
        initial = {"setting": Setting.HOUSEHOLD, "exposure_at": clock.local(clock.now()).replace(second=0)}
        contact_form = ContactForm(units=home_units(request), initial=initial)
    return {
        "source": source,
        "contact_rows": rows,
        "contacts_qualified": sum(1 for r in rows if r["contact"].qualifies and r["contact"].is_active),
        "can_change_contacts": can_change,
        "contact_form": contact_form,
        "contact_picked": picked_person(request, contact_form.data.get("person"))
        if contact_form is not None and contact_form.is_bound
        else None,
        "contact_candidates": candidates or [],
        "paste_form": paste_form or PasteForm(),
        "paste_report": paste_report,
        "line_columns": [(c, COLUMN_HELP.get(c, "")) for c in LINE_COLUMNS],
    }


@screen(Perm.CONTACT_CHANGE)
def contacts_template(request: HttpRequest) -> HttpResponse:
    body = write_xlsx(title="Danh sach tiep xuc", headers=LINE_COLUMNS, rows=[])
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-tiep-xuc.xlsx"'
    return response


@screen(Perm.PERSON_VIEW)
def person_pick(request: HttpRequest) -> HttpResponse:
    """htmx: people of the user's area matching the search, as radio buttons named "person"."""
    q = request.GET.get("q", "").strip()
    people = people_selectors.person_search(actor=request.user, q=q, within=scope(request), limit=10).items if q else []
    return render(request, "web/cases/_person_pick.html", {"people": people, "q": q})
