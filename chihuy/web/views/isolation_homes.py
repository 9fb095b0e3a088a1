"""Home isolation screens (issue 6): the households of the area with who needs attention first (danger signs,
missed check-ins), registering a household from the registry (its members pre-ticked), a household's page
(members with their clocks, checks by day, the officer's call or visit, a member added, the end), the door sign
(PDF and its HTML), the Excel list, and the PUBLIC daily check page of the door sign's QR (no account)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.isolation import doorsign
from chihuy.isolation import selectors as iso_selectors
from chihuy.isolation import selectors_homes as home_selectors
from chihuy.isolation.enums import CheckSource, Cohort, HomeStatus, StayStatus, Symptom
from chihuy.isolation.models import HomeIsolation
from chihuy.isolation.services import homes as home_services
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.response import isolation as response_isolation
from chihuy.web.forms import StyledForm, UnitField, apply_error
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTENTIONS = [
    ("any", gettext_lazy("Cần chú ý")),
    ("danger", gettext_lazy("Có dấu hiệu nguy hiểm")),
    ("missed", gettext_lazy("Quá hạn khai báo")),
]
HOME_COHORTS = [(c.value, c.label) for c in (Cohort.F1, Cohort.HOUSEHOLD, Cohort.F0)]


# --- forms ---------------------------------------------------------------------------------------------------


def _choices(field: forms.Field, choices: list[Any]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class CheckForm(StyledForm):
    temperature = forms.DecimalField(
        label=gettext_lazy("Nhiệt độ (°C)"), required=False, max_digits=3, decimal_places=1, localize=True
    )
    spo2 = forms.IntegerField(label=gettext_lazy("SpO2 (%)"), required=False)
    # Breathing difficulty is its own, prominent box (a danger sign), not one symptom among others.
    symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Triệu chứng"),
        required=False,
        choices=[c for c in Symptom.choices if c[0] != Symptom.BREATHING],
        widget=forms.CheckboxSelectMultiple,
    )
    breathing_difficulty = forms.BooleanField(label=gettext_lazy("Khó thở, thở nhanh, hụt hơi"), required=False)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=300)

    def values(self) -> home_services.CheckValues:
        d = self.cleaned_data
        return home_services.CheckValues(
            temperature=d.get("temperature"),
            spo2=d.get("spo2"),
            symptoms=list(d.get("symptoms") or []),
            breathing_difficulty=bool(d.get("breathing_difficulty")),
            note=d.get("note") or "",
        )


class OfficerCheckForm(CheckForm):
    stay = forms.TypedChoiceField(label=gettext_lazy("Người được hỏi"), coerce=int)
    source = forms.ChoiceField(
        label=gettext_lazy("Hình thức"),
        choices=[(CheckSource.CALL.value, CheckSource.CALL.label), (CheckSource.VISIT.value, CheckSource.VISIT.label)],
    )
    field_order = ["stay", "source"]

    def __init__(self, *args: Any, stays: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["stay"], [(s.pk, s.person.full_name) for s in stays])


class PublicCheckForm(CheckForm):
    member = forms.TypedChoiceField(label=gettext_lazy("Tên của bạn"), coerce=int, widget=forms.RadioSelect)
    field_order = ["member"]

    def __init__(self, *args: Any, stays: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["member"], [(s.pk, s.person.full_name) for s in stays])
        self.fields["temperature"].widget.attrs.update({"inputmode": "decimal", "placeholder": "36,8"})
        self.fields["spo2"].widget.attrs.update({"inputmode": "numeric", "placeholder": "98"})


class RegisterForm(StyledForm):
    unit = UnitField(label=gettext_lazy("Xã / thôn, bản"))
    address = forms.CharField(label=gettext_lazy("Địa chỉ nơi cách ly"), max_length=300)
    officer = forms.TypedChoiceField(label=gettext_lazy("Cán bộ y tế xã phụ trách"), coerce=int)
    team = forms.CharField(label=gettext_lazy("Tổ COVID cộng đồng"), max_length=200, required=False)
    team_phone = forms.CharField(label=gettext_lazy("Điện thoại tổ COVID"), max_length=20, required=False)
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: list[Any], officers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)  # type: ignore[attr-defined]
        _choices(
            self.fields["officer"],
            [("", "—")] + [(u.pk, f"{u.full_name} ({u.phone})" if u.phone else u.full_name) for u in officers],
        )
        self.officers = {u.pk: u for u in officers}


class MemberAddForm(StyledForm):
    candidate = forms.TypedChoiceField(
        label=gettext_lazy("Người trong hộ (sổ dân cư)"), coerce=int, required=False, empty_value=None
    )
    person = forms.IntegerField(
        label=gettext_lazy("hoặc mã người trong sổ dân cư"),
        required=False,
        help_text=gettext_lazy("Số ở cuối đường dẫn trang hồ sơ người (/people/…/)."),
    )
    cohort = forms.ChoiceField(label=gettext_lazy("Là"), choices=HOME_COHORTS, initial=Cohort.HOUSEHOLD)
    cohort_on = forms.DateField(
        label=gettext_lazy("Ngày phơi nhiễm / dương tính"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    fully_vaccinated = forms.BooleanField(label=gettext_lazy("Đã tiêm đủ liều / đã khỏi bệnh"), required=False)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["candidate"], [("", "—")] + [(p.pk, p.full_name) for p in candidates])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("candidate") or data.get("person")
        if not chosen:
            raise forms.ValidationError(_("Chọn người trong hộ hoặc nhập mã người."))
        data["person_id"] = chosen
        return data


class EndForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Ghi chú khi kết thúc"), max_length=300, required=False)


def _field_errors(form: forms.Form, exc: ApplicationError, renames: dict[str, str] | None = None) -> None:
    """A missing right or a record out of reach stays a 403/404; field errors go beside their field."""
    details = exc.details if isinstance(exc.details, list) else []
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    if exc.code == ErrorCode.NOT_FOUND and not any(d.get("field") for d in details):
        raise exc
    renames = renames or {}
    fixed = [{**d, "field": renames.get(str(d.get("field", "")), d.get("field"))} for d in details]
    apply_error(form, ApplicationError(exc.code, exc.message, fixed))


def _url_or_none(name: str, *args: Any) -> str | None:
    """A link to a screen another part of the app may not have yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _public_url(request: HttpRequest, home: HomeIsolation) -> str:
    return request.build_absolute_uri(reverse("web:isolation_checkin_public", args=[home.token]))


# --- list ----------------------------------------------------------------------------------------------------


def _list_filters(request: HttpRequest) -> dict[str, str]:
    status = request.GET.get("status", HomeStatus.ACTIVE)
    status = status if status in HomeStatus.values or status == "all" else HomeStatus.ACTIVE
    attention = request.GET.get("attention", "")
    attention = attention if attention in dict(ATTENTIONS) else ""
    return {"status": status, "attention": attention, "q": request.GET.get("q", "").strip()[:100]}


def _rows(request: HttpRequest, filters: dict[str, str]) -> Any:
    return home_selectors.home_rows(
        actor=request.user,
        within=scope(request),
        status="" if filters["status"] == "all" else filters["status"],
        attention=filters["attention"],
        q=filters["q"],
    )


@screen(Perm.ISOLATION_VIEW)
def home_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    qs = _rows(request, filters)
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(qs, order=home_selectors.HOME_ORDER, cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:  # a tampered cursor: the first page
        page = keyset_page(qs, order=home_selectors.HOME_ORDER, cursor=None, limit=PAGE_SIZE)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "web/isolation/homes/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": [*HomeStatus.choices, ("all", _("Tất cả"))],
            "attentions": ATTENTIONS,
            "query": query,
            "cursor": cursor,
            "can_register": has_perm(request.user, Perm.HOME_ISOLATION),
            "danger": home_selectors.ATTENTION_DANGER,
            "missed": home_selectors.ATTENTION_MISSED,
        },
    )


@screen(Perm.ISOLATION_VIEW)
def home_export_xlsx(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    rows = []
    for home in _rows(request, filters).order_by(*home_selectors.HOME_ORDER)[:20000]:
        rows.append(
            [
                home.code,
                home.address,
                home.unit.name,
                home.started_on,
                home.ended_on,
                home.get_status_display(),
                home.members_active,
                home.members_danger,
                home.members_missed,
                home.officer.full_name if home.officer else "",
                home.officer.phone if home.officer else "",
                home.team,
                home.team_phone,
            ]
        )
    body = write_xlsx(
        title=_("Cách ly tại nhà"),
        headers=[
            _("Mã hộ"),
            _("Địa chỉ"),
            _("Xã / thôn"),
            _("Từ ngày"),
            _("Kết thúc"),
            _("Trạng thái"),
            _("Đang cách ly"),
            _("Dấu hiệu nguy hiểm"),
            _("Quá hạn khai báo"),
            _("Cán bộ phụ trách"),
            _("Điện thoại"),
            _("Tổ COVID"),
            _("Điện thoại tổ COVID"),
        ],
        rows=rows,
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cach-ly-tai-nha-{clock.today():%Y%m%d}.xlsx"'
    return response


# --- register ------------------------------------------------------------------------------------------------


def _register_units(request: HttpRequest) -> list[Any]:
    return [
        u
        for u in unit_subtree(path=user_path(request.user), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])
        if u.is_active
    ]


def _member_rows(request: HttpRequest, people: list[Any], *, default_f1: int | None) -> list[dict[str, Any]]:
    """One row per candidate member: ticked, cohort, cohort date and vaccination, from the POST or defaults."""
    data = request.POST if request.method == "POST" else None
    ticked = {int(v) for v in (data.getlist("members") if data else []) if v.isdigit()}
    today = clock.today()
    rows = []
    for i, person in enumerate(people):
        pk = person.pk
        default_cohort = Cohort.F1 if (pk == default_f1 or (default_f1 is None and i == 0)) else Cohort.HOUSEHOLD
        rows.append(
            {
                "person": person,
                "ticked": (pk in ticked) if data else True,
                "cohort": (data.get(f"cohort_{pk}") if data else None) or default_cohort,
                "cohort_on": (data.get(f"cohort_on_{pk}") if data else None) or today.isoformat(),
                "vaccinated": bool(data.get(f"vaccinated_{pk}")) if data else False,
            }
        )
    return rows


@screen(Perm.HOME_ISOLATION)
def home_create(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    units = _register_units(request)
    officers = home_selectors.officers_of(units=units)
    source = request.POST if request.method == "POST" else request.GET
    household = None
    household_id = source.get("household", "")
    if household_id.isdigit():
        household = home_selectors.household_get(actor=actor, household_id=int(household_id))
    person_id = source.get("person", "")
    people: list[Any] = []
    if household is not None:
        people = home_selectors.household_members(household)
    if person_id.isdigit():
        extra = home_selectors.people_of(actor=actor, ids=[int(person_id)]).get(int(person_id))
        if extra is not None and all(p.pk != extra.pk for p in people):
            people.insert(0, extra)
    member_rows = _member_rows(
        request,
        people,
        default_f1=int(person_id) if person_id.isdigit() else (household.head_id if household else None),
    )
    initial: dict[str, Any] = {"officer": actor.pk if actor.pk in {o.pk for o in officers} else None}
    anchor = household.unit if household is not None else (people[0].unit if people else None)
    if anchor is not None:
        initial["unit"] = anchor.pk
        initial["address"] = (household.address if household is not None else "") or people[0].address_text or ""
    if household is not None:
        initial["household"] = household.pk
    form = RegisterForm(
        request.POST if request.method == "POST" else None, units=units, officers=officers, initial=initial
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            chosen = [r for r in member_rows if r["ticked"]]
            try:
                members = []
                for i, row in enumerate(chosen):
                    try:
                        cohort_on = forms.DateField().clean(row["cohort_on"])
                    except forms.ValidationError as exc:
                        raise ApplicationError.field(
                            f"members[{i}].cohort_on",
                            _("%(n)s: ngày phơi nhiễm không hợp lệ.") % {"n": row["person"].full_name},
                        ) from exc
                    members.append(
                        home_services.HomeMember(
                            person=row["person"],
                            cohort=row["cohort"],
                            cohort_on=cohort_on,
                            fully_vaccinated=row["vaccinated"],
                        )
                    )
                with transaction.atomic():
                    home = home_services.home_register(
                        actor=actor,
                        unit=data["unit"],
                        address=data["address"],
                        household=household,
                        members=members,
                        officer=form.officers.get(data["officer"]),
                        team=data["team"],
                        team_phone=data["team_phone"],
                    )
                    response_isolation.stays_admitted(actor=actor, stays=home.admitted)  # type: ignore[attr-defined]
            except ApplicationError as exc:
                _field_errors(form, exc)
            else:
                skipped = getattr(home, "skipped", [])
                messages.success(
                    request,
                    _("Đã đăng ký hộ cách ly %(code)s, %(n)s người.") % {"code": home.code, "n": len(home.admitted)},  # type: ignore[attr-defined]
                )
                if skipped:
                    messages.warning(
                        request,
                        _("Không thêm (đang cách ly/điều trị nơi khác): %(names)s") % {"names": ", ".join(skipped)},
                    )
                return redirect("web:isolation_home", home_id=home.pk)
    q = request.GET.get("q", "").strip()[:100]
    households = home_selectors.households_in_area(actor=actor, within=scope(request), q=q) if q else []
    found_people: list[Any] = []
    if q and has_perm(actor, Perm.PERSON_VIEW):
        from chihuy.people.selectors import person_search

        found_people = [p for p in person_search(actor=actor, q=q, within=scope(request), limit=15).items]
    return render(
        request,
        "web/isolation/homes/register.html",
        {
            "form": form,
            "q": q,
            "households": households,
            "found_people": found_people,
            "household": household,
            "member_rows": member_rows,
            "cohorts": HOME_COHORTS,
            "person_id": person_id if person_id.isdigit() else "",
        },
        status=status,
    )


# --- detail --------------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, home: HomeIsolation, **forms_in: Any) -> dict[str, Any]:
    members = home_selectors.home_members(home=home)
    for member in members:
        member.url = _url_or_none("web:isolation_stay", member.stay.pk)  # type: ignore[attr-defined]
    active = [m.stay for m in members if m.stay.status == StayStatus.ACTIVE]
    can_work = has_perm(request.user, Perm.HOME_ISOLATION) and home.status == HomeStatus.ACTIVE
    labels = dict(Symptom.choices)
    days = home_selectors.home_checks_by_day(home=home)
    for day in days:
        for check in day.checks:
            check.symptom_labels = [str(labels.get(s, s)) for s in check.symptoms]  # type: ignore[attr-defined]
    return {
        "home": home,
        "members": members,
        "days": days,
        "can_work": can_work,
        "check_form": forms_in.get("check_form") or OfficerCheckForm(stays=active),
        "member_form": forms_in.get("member_form")
        or MemberAddForm(
            candidates=home_selectors.household_candidates(home=home), initial={"cohort_on": clock.today()}
        ),
        "end_form": forms_in.get("end_form") or EndForm(),
        "public_url": _public_url(request, home),
        "phone": home_services.commune_phone(home),
        "until": doorsign.last_day(home),
        "has_active": bool(active),
    }


@screen(Perm.ISOLATION_VIEW)
def home_detail(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    return render(request, "web/isolation/homes/detail.html", _detail_context(request, home))


@require_POST
@screen(Perm.HOME_ISOLATION)
def home_checkin(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    active = home_selectors.public_members(home)
    form = OfficerCheckForm(request.POST, stays=active)
    if form.is_valid():
        stay = home_selectors.home_stay_get(actor=request.user, home=home, stay_id=form.cleaned_data["stay"])
        try:
            check = home_services.checkin_record(
                actor=request.user, stay=stay, source=form.cleaned_data["source"], values=form.values()
            )
        except ApplicationError as exc:
            _field_errors(form, exc)
        else:
            if check.danger:
                messages.error(
                    request,
                    _("%(n)s có dấu hiệu nguy hiểm (%(r)s): đã đề xuất chuyển điều trị và báo xã.")
                    % {"n": stay.person.full_name, "r": ", ".join(check.danger_reasons)},
                )
            else:
                messages.success(request, _("Đã ghi nhận khai báo của %(n)s.") % {"n": stay.person.full_name})
            return redirect("web:isolation_home", home_id=home.pk)
    return render(
        request, "web/isolation/homes/detail.html", _detail_context(request, home, check_form=form), status=422
    )


@require_POST
@screen(Perm.HOME_ISOLATION)
def home_member_add(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    form = MemberAddForm(request.POST, candidates=home_selectors.household_candidates(home=home))
    if form.is_valid():
        data = form.cleaned_data
        person = home_selectors.people_of(actor=request.user, ids=[data["person_id"]]).get(data["person_id"])
        try:
            if person is None:
                raise ApplicationError.field("person", _("Không tìm thấy người này trong địa bàn của bạn."))
            with transaction.atomic():
                stay = home_services.home_member_add(
                    actor=request.user,
                    home=home,
                    member=home_services.HomeMember(
                        person=person,
                        cohort=data["cohort"],
                        cohort_on=data["cohort_on"],
                        fully_vaccinated=data["fully_vaccinated"],
                    ),
                )
                response_isolation.stays_admitted(actor=request.user, stays=[stay])
        except ApplicationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm %(n)s vào hộ cách ly.") % {"n": stay.person.full_name})
            return redirect("web:isolation_home", home_id=home.pk)
    return render(
        request, "web/isolation/homes/detail.html", _detail_context(request, home, member_form=form), status=422
    )


@require_POST
@screen(Perm.HOME_ISOLATION)
def home_end(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            home_services.home_end(actor=request.user, home=home, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Hộ cách ly %(c)s đã kết thúc.") % {"c": home.code})
            return redirect("web:isolation_home", home_id=home.pk)
    return render(request, "web/isolation/homes/detail.html", _detail_context(request, home, end_form=form), status=422)


# --- door sign -----------------------------------------------------------------------------------------------


@screen(Perm.ISOLATION_VIEW)
def home_doorsign_pdf(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    try:
        pdf = doorsign.doorsign_pdf(home, _public_url(request, home))
    except doorsign.PdfUnavailable:
        return HttpResponse(
            _("Máy chủ chưa cài thư viện Pango nên chưa xuất được PDF; hãy in trang biển báo."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-bao-{home.code}.pdf"'
    return response


@screen(Perm.ISOLATION_VIEW)
def home_doorsign_html(request: HttpRequest, home_id: int) -> HttpResponse:
    home = iso_selectors.home_get(actor=request.user, home_id=home_id)
    return HttpResponse(doorsign.doorsign_html(home, _public_url(request, home)))


# --- public daily check (no account) ---------------------------------------------------------------------------


def _spo2_danger() -> Any:
    from chihuy.isolation.policies import home_care

    return home_care(clock.today())["spo2_danger"]


def public_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The door sign's QR: a member of the household picks their name and declares today's check. Phone-first,
    no account; an unknown token or an ended household is a plain 404 page."""
    try:
        home = home_services.home_by_token(token)
    except ApplicationError:
        return render(request, "web/isolation/homes/public_unknown.html", status=404)
    stays = home_selectors.public_members(home)
    phone = home_services.commune_phone(home)
    status = 200
    if request.method == "POST":
        form = PublicCheckForm(request.POST, stays=stays)
        status = 422
        if form.is_valid():
            try:
                check = home_services.public_checkin(
                    token=token, stay_id=form.cleaned_data["member"], values=form.values()
                )
            except ApplicationError as exc:
                _field_errors(form, exc)
            else:
                return render(
                    request,
                    "web/isolation/homes/public_done.html",
                    {"home": home, "check": check, "phone": phone, "token": token, "spo2_danger": _spo2_danger()},
                    status=201,
                )
    else:
        form = PublicCheckForm(stays=stays)
    return render(
        request,
        "web/isolation/homes/public.html",
        {"home": home, "form": form, "phone": phone, "stays": stays, "token": token},
        status=status,
    )


urlpatterns: list[Any] = [
    path("cach-ly/tai-nha/", home_list, name="isolation_homes"),
    path("cach-ly/tai-nha/moi/", home_create, name="isolation_home_create"),
    path("cach-ly/tai-nha/xuat.xlsx", home_export_xlsx, name="isolation_homes_xlsx"),
    path("cach-ly/tai-nha/<int:home_id>/", home_detail, name="isolation_home"),
    path("cach-ly/tai-nha/<int:home_id>/khai-bao/", home_checkin, name="isolation_home_checkin"),
    path("cach-ly/tai-nha/<int:home_id>/them-nguoi/", home_member_add, name="isolation_home_member_add"),
    path("cach-ly/tai-nha/<int:home_id>/ket-thuc/", home_end, name="isolation_home_end"),
    path("cach-ly/tai-nha/<int:home_id>/bien-bao.pdf", home_doorsign_pdf, name="isolation_home_doorsign"),
    path("cach-ly/tai-nha/<int:home_id>/bien-bao/", home_doorsign_html, name="isolation_home_doorsign_html"),
    path("cong-khai/khai-bao/<str:token>/", public_checkin, name="isolation_checkin_public"),
]
