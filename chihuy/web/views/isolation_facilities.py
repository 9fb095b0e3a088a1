"""Isolation screens (issue 6) — facilities and admission: the list of quarantine areas and treatment facilities
with their beds and the time of the figures, describing a facility (site, staff, zones, a floor of rooms at once,
opening and closing), the room map of a zone (tiles coloured by state, refreshed every 30 s, a wall-screen mode),
a room (occupants, attributes, disinfection), admitting one person or a group (pasted ID numbers/phones and F1 of
the area awaiting isolation → a proposal on the map with a bed per person → admit now or reserve for the arrival),
moving a stay to another bed, the arrival of reserved groups, and the Excel list of a facility's occupants.

After every admission or arrival made here `chihuy.response.isolation.stays_admitted` closes the F1's tracing
step. Owns its URL patterns (included by chihuy/web/urls.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
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
from chihuy.isolation import selectors
from chihuy.isolation import selectors_facilities as reads
from chihuy.isolation.enums import Cohort, FacilityKind, RoomGender, RoomState, StayStatus, Tier
from chihuy.isolation.models import Facility, Zone
from chihuy.isolation.services import admissions
from chihuy.isolation.services import facilities as services
from chihuy.isolation.services.stays import Admission
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.response import isolation as response
from chihuy.web.forms import StyledForm, apply_error, unit_choices
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_F1_LISTED = 200
_ROW_FIELD = re.compile(r"^admissions\[(\d+)\]\.(\w+)$")


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _raise_unless_field(exc: ApplicationError) -> None:
    """A missing right or a record out of reach stays a 403/404; field errors go back to the form."""
    details = exc.details if isinstance(exc.details, list) else []
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    if exc.code == ErrorCode.NOT_FOUND and not any(d.get("field") for d in details):
        raise exc


# --- forms ---------------------------------------------------------------------------------------------


class FacilityForm(StyledForm):
    site = forms.TypedChoiceField(label=gettext_lazy("Cơ sở"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=FacilityKind.choices)
    tier = forms.TypedChoiceField(
        label=gettext_lazy("Tầng điều trị"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *Tier.choices],
        help_text=gettext_lazy("Chỉ với cơ sở điều trị."),
    )
    opened_on = forms.DateField(
        label=gettext_lazy("Ngày bắt đầu hoạt động"), widget=forms.DateInput(attrs={"type": "date"})
    )
    staff = forms.CharField(
        label=gettext_lazy("Cán bộ phụ trách"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mỗi dòng: họ tên | chức vụ | số điện thoại"),
    )

    def __init__(self, *args: Any, sites: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, f"{s.name} — {s.unit.name}") for s in sites]  # type: ignore[attr-defined]


class StaffForm(StyledForm):
    staff = FacilityForm.base_fields["staff"]


class ZoneForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Tên khu"), max_length=100)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=300, required=False)


class RoomsForm(StyledForm):
    zone = forms.TypedChoiceField(label=gettext_lazy("Khu"), coerce=int)
    first = forms.IntegerField(label=gettext_lazy("Từ phòng số"), min_value=0)
    last = forms.IntegerField(label=gettext_lazy("Đến phòng số"), min_value=0)
    beds_per_room = forms.IntegerField(label=gettext_lazy("Số giường mỗi phòng"), min_value=1, max_value=50, initial=4)
    code_prefix = forms.CharField(label=gettext_lazy("Tiền tố mã phòng"), max_length=10, required=False)
    floor = forms.IntegerField(label=gettext_lazy("Tầng nhà"), required=False)
    gender = forms.ChoiceField(label=gettext_lazy("Giới tính"), choices=RoomGender.choices, initial=RoomGender.ANY)
    is_family = forms.BooleanField(label=gettext_lazy("Phòng gia đình"), required=False)
    en_suite = forms.BooleanField(label=gettext_lazy("Có vệ sinh khép kín"), required=False)
    oxygen_point = forms.BooleanField(label=gettext_lazy("Có điểm oxy"), required=False)

    def __init__(self, *args: Any, zones: list[Zone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [(z.pk, z.name) for z in zones]  # type: ignore[attr-defined]


class RoomForm(StyledForm):
    gender = forms.ChoiceField(label=gettext_lazy("Giới tính"), choices=RoomGender.choices)
    is_family = forms.BooleanField(label=gettext_lazy("Phòng gia đình"), required=False)
    en_suite = forms.BooleanField(label=gettext_lazy("Có vệ sinh khép kín"), required=False)
    oxygen_point = forms.BooleanField(label=gettext_lazy("Có điểm oxy"), required=False)
    is_closed = forms.BooleanField(label=gettext_lazy("Đóng phòng (không xếp người)"), required=False)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=300, required=False)


def _cohort_choices(facility: Facility) -> list[tuple[str, Any]]:
    if facility.kind == FacilityKind.TREATMENT:
        return [(Cohort.F0.value, Cohort.F0.label)]
    return [(c.value, c.label) for c in (Cohort.F1, Cohort.ARRIVAL, Cohort.HOUSEHOLD)]


class AdmitForm(StyledForm):
    cohort = forms.ChoiceField(label=gettext_lazy("Đối tượng"))
    cohort_on = forms.DateField(
        label=gettext_lazy("Ngày phơi nhiễm / nhập cảnh / dương tính"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fully_vaccinated = forms.BooleanField(label=gettext_lazy("Đã tiêm đủ liều / đã khỏi bệnh"), required=False)
    bed = forms.TypedChoiceField(label=gettext_lazy("Giường"), coerce=int, empty_value=None, required=False)
    flag_reason = forms.CharField(
        label=gettext_lazy("Lý do nếu giường chọn vi phạm quy tắc xếp phòng"), max_length=300, required=False
    )
    reserve = forms.BooleanField(label=gettext_lazy("Chỉ giữ giường (người đang trên đường đến)"), required=False)

    def __init__(self, *args: Any, facility: Facility, bed_groups: list[tuple[str, list[tuple[int, str]]]], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["cohort"].choices = _cohort_choices(facility)  # type: ignore[attr-defined]
        self.fields["bed"].choices = [  # type: ignore[attr-defined]
            ("", _("Để hệ thống chọn theo quy tắc")),
            *[(label, beds) for label, beds in bed_groups],
        ]


class GroupStartForm(StyledForm):
    numbers = forms.CharField(
        label=gettext_lazy("Số CCCD/CMND hoặc số điện thoại"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "0912345678\n011090012345"}),
        help_text=gettext_lazy("Mỗi dòng một người."),
    )
    cohort = forms.ChoiceField(label=gettext_lazy("Đối tượng"))
    cohort_on = forms.DateField(
        label=gettext_lazy("Ngày phơi nhiễm / nhập cảnh (người dán số)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fully_vaccinated = forms.BooleanField(label=gettext_lazy("Cả nhóm đã tiêm đủ liều"), required=False)
    zone = forms.TypedChoiceField(label=gettext_lazy("Chỉ xếp vào khu"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, facility: Facility, zones: list[Zone], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["cohort"].choices = _cohort_choices(facility)  # type: ignore[attr-defined]
        self.fields["zone"].choices = [("", _("Mọi khu")), *[(z.pk, z.name) for z in zones]]  # type: ignore[attr-defined]


class MoveForm(StyledForm):
    bed = forms.TypedChoiceField(label=gettext_lazy("Giường mới"), coerce=int)
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Bắt buộc nếu phòng mới vi phạm quy tắc xếp phòng (lượt chuyển sẽ bị đánh dấu)."),
    )

    def __init__(self, *args: Any, bed_groups: list[tuple[str, list[tuple[int, str]]]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["bed"].choices = [("", "—"), *bed_groups]  # type: ignore[attr-defined]


def _staff_lines(text: str) -> list[dict[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (3 - len(parts))
        rows.append({"name": parts[0], "role": parts[1], "phone": parts[2]})
    return rows


def _staff_text(staff: list[dict[str, str]]) -> str:
    return "\n".join(" | ".join([s.get("name", ""), s.get("role", ""), s.get("phone", "")]) for s in staff or [])


def _bed_groups(facility: Facility, *, keep: set[int] | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
    """Free beds of a facility grouped by room for a select (plus `keep`: beds already chosen in the form)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    beds = reads.facility_beds(facility)
    for bed in beds:
        if bed.held and bed.pk not in (keep or set()):  # type: ignore[attr-defined]
            continue
        room = bed.room
        if (room.is_closed or room.cleaning_since) and bed.pk not in (keep or set()):
            continue
        label = _("%(zone)s · phòng %(room)s") % {"zone": room.zone.name, "room": room.code}
        extras = [
            str(x)
            for x, on in (
                (RoomGender(room.gender).label, room.gender != RoomGender.ANY),
                (_("gia đình"), room.is_family),
                (_("oxy"), room.oxygen_point),
            )
            if on
        ]
        if extras:
            label += f" ({', '.join(extras)})"
        groups.setdefault(label, []).append((bed.pk, bed.code))
    return list(groups.items())


# --- list, create, detail ------------------------------------------------------------------------------


@screen(Perm.ISOLATION_VIEW)
def facility_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    kind = request.GET.get("kind", "")
    kind = kind if kind in FacilityKind.values else ""
    tier_raw = request.GET.get("tier", "")
    tier = int(tier_raw) if tier_raw in ("1", "2", "3") else None
    units = unit_subtree(path=user_path(actor), levels=[UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE])
    within_raw = request.GET.get("within", "")
    within_unit = next((u for u in units if str(u.pk) == within_raw), None)
    within = within_unit.path if within_unit is not None else scope(request)
    qs = selectors.facility_list(actor=actor, within=within, kind=kind, tier=tier)
    cursor = request.GET.get("cursor") or None
    order = ["unit_path", "name", "id"]
    try:
        page = keyset_page(qs, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:
        page = keyset_page(qs, order=order, cursor=None, limit=PAGE_SIZE)
    query = {k: v for k, v in (("kind", kind), ("tier", tier_raw if tier else ""), ("within", within_raw)) if v}
    return render(
        request,
        "web/isolation/facilities/list.html",
        {
            "page": page,
            "kind": kind,
            "tier": tier,
            "kinds": FacilityKind.choices,
            "tiers": Tier.choices,
            "units": unit_choices(units),
            "within": within_raw,
            "query": urlencode(query),
            "cursor": cursor,
            "filtered": bool(query),
            "can_manage": has_perm(actor, Perm.FACILITY_MANAGE),
            "capacity_url": _url_or_none("web:isolation"),
        },
    )


@screen(Perm.FACILITY_MANAGE)
def facility_create(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    sites = list(reads.facility_sites(actor=actor)[:500])
    form = FacilityForm(
        request.POST if request.method == "POST" else None, sites=sites, initial={"opened_on": clock.today()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = reads.site_get(actor=actor, site_id=data["site"])
            facility = services.facility_create(
                actor=actor,
                site=site,
                kind=data["kind"],
                tier=data["tier"],
                opened_on=data["opened_on"],
                staff=_staff_lines(data["staff"]),
            )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã khai báo %(f)s.") % {"f": facility.name})
            return redirect("web:isolation_facility", facility_id=facility.pk)
    return render(
        request,
        "web/isolation/facilities/create.html",
        {"form": form, "no_sites": not sites, "site_url": _url_or_none("web:units")},
    )


def _facility_context(request: HttpRequest, facility: Facility, **extra: Any) -> dict[str, Any]:
    actor: Any = request.user
    zones = list(reads.facility_zones(facility))
    reserved = list(reads.facility_occupants(actor=actor, facility=facility, status=StayStatus.RESERVED)[:500])
    can_manage = has_perm(actor, Perm.FACILITY_MANAGE)
    return {
        "facility": facility,
        "zones": zones,
        "reserved": reserved,
        "can_manage": can_manage,
        "can_admit": has_perm(actor, Perm.STAY_WORK),
        "zone_form": extra.pop("zone_form", None) or ZoneForm(),
        "rooms_form": extra.pop("rooms_form", None) or RoomsForm(zones=zones),
        "staff_form": extra.pop("staff_form", None) or StaffForm(initial={"staff": _staff_text(facility.staff)}),
        **extra,
    }


@screen(Perm.ISOLATION_VIEW)
def facility_detail(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    return render(request, "web/isolation/facilities/detail.html", _facility_context(request, facility))


@require_POST
@screen(Perm.FACILITY_MANAGE)
def zone_create(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    form = ZoneForm(request.POST)
    if form.is_valid():
        try:
            zone = services.zone_create(actor=request.user, facility=facility, **form.cleaned_data)
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã thêm khu %(z)s.") % {"z": zone.name})
            return redirect("web:isolation_facility", facility_id=facility.pk)
    return render(
        request,
        "web/isolation/facilities/detail.html",
        _facility_context(request, facility, zone_form=form),
        status=422,
    )


@require_POST
@screen(Perm.FACILITY_MANAGE)
def rooms_create(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    zones = list(reads.facility_zones(facility))
    form = RoomsForm(request.POST, zones=zones)
    if form.is_valid():
        data = dict(form.cleaned_data)
        zone = next(z for z in zones if z.pk == data.pop("zone"))
        data["prefix"] = data.pop("code_prefix")
        try:
            rooms = services.rooms_bulk_create(actor=request.user, zone=zone, **data)
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("Đã tạo %(n)s phòng (%(a)s–%(b)s) ở %(z)s.")
                % {"n": len(rooms), "a": rooms[0].code, "b": rooms[-1].code, "z": zone.name},
            )
            return redirect("web:isolation_facility", facility_id=facility.pk)
    return render(
        request,
        "web/isolation/facilities/detail.html",
        _facility_context(request, facility, rooms_form=form),
        status=422,
    )


@require_POST
@screen(Perm.FACILITY_MANAGE)
def facility_staff(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    form = StaffForm(request.POST)
    if form.is_valid():
        try:
            services.facility_update(
                actor=request.user, facility=facility, staff=_staff_lines(form.cleaned_data["staff"])
            )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            form.add_error("staff", exc.details[0]["message"] if exc.details else exc.message)  # type: ignore[index]
        else:
            messages.success(request, _("Đã lưu danh bạ cán bộ."))
            return redirect("web:isolation_facility", facility_id=facility.pk)
    return render(
        request,
        "web/isolation/facilities/detail.html",
        _facility_context(request, facility, staff_form=form),
        status=422,
    )


@require_POST
@screen(Perm.FACILITY_MANAGE)
def facility_open(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    is_open = request.POST.get("open") == "1"
    try:
        services.facility_update(actor=request.user, facility=facility, is_open=is_open)
    except ApplicationError as exc:
        _raise_unless_field(exc)
        messages.error(
            request, exc.details[0]["message"] if isinstance(exc.details, list) and exc.details else exc.message
        )
    else:
        messages.success(request, _("Đã mở lại cơ sở.") if is_open else _("Đã đóng cơ sở."))
    return redirect("web:isolation_facility", facility_id=facility.pk)


@screen(Perm.ISOLATION_VIEW)
def facility_export(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor: Any = request.user
    facility = selectors.facility_get(actor=actor, facility_id=facility_id)
    headers = [
        _("Khu"),
        _("Phòng"),
        _("Giường"),
        _("Họ tên"),
        _("Giới tính"),
        _("Năm sinh"),
        _("Điện thoại"),
        _("Nơi cư trú"),
        _("Đối tượng"),
        _("Trạng thái"),
        _("Ngày phơi nhiễm / dương tính"),
        _("Ngày bắt đầu"),
        _("Ngày dự kiến kết thúc"),
        _("Đánh dấu vi phạm"),
    ]
    rows = [
        [
            s.room.zone.name if s.room else "",
            s.room.code if s.room else "",
            s.bed.code if s.bed else "",
            s.person.full_name,
            str(s.person.get_sex_display()),
            s.person.birth_year,
            s.person.phone,
            s.person.unit.name,
            str(Cohort(s.cohort).label),
            str(StayStatus(s.status).label),
            s.cohort_on,
            s.clock_start_on,
            s.release_on,
            s.flag_reason if s.flagged else "",
        ]
        for s in reads.facility_occupants(actor=actor, facility=facility)
    ]
    body = write_xlsx(title=_("Đang cách ly"), headers=[str(h) for h in headers], rows=rows)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="co-so-{facility.pk}-{clock.today():%Y%m%d}.xlsx"'
    return out


# --- the room map --------------------------------------------------------------------------------------


def _map_context(request: HttpRequest, zone_id: int) -> dict[str, Any]:
    zone = selectors.zone_get(actor=request.user, zone_id=zone_id)
    tiles = selectors.zone_map(actor=request.user, zone=zone)
    counts: dict[str, int] = {}
    for tile in tiles:
        counts[tile.state] = counts.get(tile.state, 0) + 1
    return {
        "zone": zone,
        "facility": zone.facility,
        "zones": list(reads.facility_zones(zone.facility)),
        "tiles": [_tile_extras(t) for t in tiles],
        "legend": [(s.value, s.label, counts.get(s.value, 0)) for s in RoomState],
        "now": clock.now(),
        "wall": request.GET.get("wall") == "1",
    }


def _tile_extras(tile: Any) -> tuple[Any, dt.date | None, str]:
    """A tile with its cohort's exposure date (the earliest in the room) and the occupants' sexes."""
    dates = [s.cohort_on for s in tile.people]
    sexes = sorted({s.person.get_sex_display() for s in tile.people if s.person.sex in ("M", "F")})
    return tile, min(dates) if dates else None, ", ".join(str(x) for x in sexes)


@screen(Perm.ISOLATION_VIEW)
def zone_map(request: HttpRequest, zone_id: int) -> HttpResponse:
    context = _map_context(request, zone_id)
    template = "web/isolation/facilities/wall.html" if context["wall"] else "web/isolation/facilities/map.html"
    return render(request, template, context)


@screen(Perm.ISOLATION_VIEW)
def zone_tiles(request: HttpRequest, zone_id: int) -> HttpResponse:
    """The tiles alone, for the map's 30-second htmx refresh."""
    return render(request, "web/isolation/facilities/_tiles.html", _map_context(request, zone_id))


# --- a room --------------------------------------------------------------------------------------------


def _room_context(request: HttpRequest, room: Any, form: RoomForm | None = None) -> dict[str, Any]:
    actor: Any = request.user
    return {
        "room": room,
        "facility": room.facility,
        "stays": reads.room_stays(room),
        "form": form
        or RoomForm(
            initial={
                "gender": room.gender,
                "is_family": room.is_family,
                "en_suite": room.en_suite,
                "oxygen_point": room.oxygen_point,
                "is_closed": room.is_closed,
                "note": room.note,
            }
        ),
        "beds": list(reads.facility_beds(room.facility, room_id=room.pk)),
        "can_manage": has_perm(actor, Perm.FACILITY_MANAGE),
        "can_work": has_perm(actor, Perm.STAY_WORK),
        "today": clock.today(),
    }


@screen(Perm.ISOLATION_VIEW)
def room_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    room = reads.room_get(actor=request.user, room_id=room_id)
    form = None
    if request.method == "POST":
        form = RoomForm(request.POST)
        if form.is_valid():
            try:
                services.room_update(actor=request.user, room=room, **form.cleaned_data)
            except ApplicationError as exc:
                _raise_unless_field(exc)
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu phòng %(r)s.") % {"r": room.code})
                return redirect("web:isolation_room", room_id=room.pk)
    return render(
        request,
        "web/isolation/facilities/room.html",
        _room_context(request, room, form),
        status=422 if form is not None else 200,
    )


@require_POST
@screen(Perm.STAY_WORK)
def room_cleaned(request: HttpRequest, room_id: int) -> HttpResponse:
    room = reads.room_get(actor=request.user, room_id=room_id)
    try:
        services.room_cleaned(actor=request.user, room=room)
    except ApplicationError as exc:
        _raise_unless_field(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Phòng %(r)s đã khử khuẩn xong, nhận người trở lại.") % {"r": room.code})
    return redirect("web:isolation_room", room_id=room.pk)


# --- admitting one person ------------------------------------------------------------------------------


@screen(Perm.STAY_WORK)
def admit_one(request: HttpRequest, facility_id: int) -> HttpResponse:
    from chihuy.people.selectors import person_get, person_search

    actor: Any = request.user
    facility = selectors.facility_get(actor=actor, facility_id=facility_id)
    q = request.GET.get("q", "").strip()
    person_id = request.POST.get("person") or request.GET.get("person") or ""
    person = person_get(actor=actor, person_id=int(person_id), audit=False) if person_id.isdigit() else None
    results = list(person_search(actor=actor, q=q, within=None, limit=20).items) if q and person is None else []
    current = None
    if person is not None:
        current = selectors.holding_stay(person)
    form = AdmitForm(
        request.POST if request.method == "POST" else None,
        facility=facility,
        bed_groups=_bed_groups(facility),
        initial={"cohort": _cohort_choices(facility)[0][0], "cohort_on": clock.today()},
    )
    if request.method == "POST" and person is not None and form.is_valid():
        data = form.cleaned_data
        try:
            bed = reads.bed_get(actor=actor, bed_id=data["bed"]) if data["bed"] else None
            stay = admissions.admit_one(
                actor=actor,
                facility=facility,
                person=person,
                cohort=data["cohort"],
                cohort_on=data["cohort_on"],
                fully_vaccinated=data["fully_vaccinated"],
                bed=bed,
                flag_reason=data["flag_reason"],
                reserve=data["reserve"],
            )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            _apply_row_error(form, exc)
        else:
            response.stays_admitted(actor=actor, stays=[stay])
            messages.success(
                request,
                _("Đã tiếp nhận %(n)s vào giường %(b)s.")
                % {"n": person.full_name, "b": stay.bed.code if stay.bed else ""},
            )
            return redirect("web:isolation_room", room_id=stay.room_id)
    return render(
        request,
        "web/isolation/facilities/admit.html",
        {"facility": facility, "q": q, "results": results, "person": person, "current": current, "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _apply_row_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service names `admissions[0].bed`/`.person`/`.cohort_on` or `people[0].cohort_on`: the form's fields."""
    details = exc.details if isinstance(exc.details, list) else []
    placed = False
    for detail in details:
        name = str(detail.get("field") or "").split(".")[-1]
        name = {"person": "", "reason": "flag_reason"}.get(name, name)
        if name in form.fields:
            if name == "bed" and "Ghi lý do" in str(detail.get("message", "")):
                form.add_error("flag_reason", str(detail.get("message")))
            else:
                form.add_error(name, str(detail.get("message") or exc.message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


# --- group admission -----------------------------------------------------------------------------------


def _awaiting_f1(request: HttpRequest) -> list[dict[str, Any]]:
    """F1 of the area awaiting isolation (the tracing queue: not reached yet, reached or informed), without a
    holding stay, with their exposure date."""
    actor: Any = request.user
    if not has_perm(actor, Perm.CASE_VIEW):
        return []
    from chihuy.cases.enums import TraceStatus
    from chihuy.cases.selectors import tracing_queue

    items: list[Any] = []
    for status in ("", TraceStatus.REACHED, TraceStatus.INFORMED):
        items += tracing_queue(actor=actor, within=scope(request), level=1, status=status, limit=MAX_F1_LISTED).items
    held = selectors.people_holding(c.person_id for c in items)
    rows = []
    seen: set[int] = set()
    for item in items:
        if item.person_id in held or item.person_id in seen:
            continue
        seen.add(item.person_id)
        rows.append(
            {
                "person": item.person,
                "exposure_on": clock.localdate(item.exposure_at) if item.exposure_at else None,
                "status": item.get_trace_status_display(),
            }
        )
    rows.sort(key=lambda r: (r["exposure_on"] or dt.date.max, r["person"].full_name))
    return rows


def _group_rows_from_post(request: HttpRequest, facility: Facility) -> list[dict[str, Any]]:
    """The proposal's rows as posted back (person, cohort, date, vaccinated, proposed bed, chosen bed, reason)."""
    post = request.POST
    raw_ids = post.getlist("row_person")
    people = {
        p.pk: p for p in selectors.people_in_area(actor=request.user, ids=[int(v) for v in raw_ids if v.isdigit()])
    }
    columns = {
        name: post.getlist(name)
        for name in ("row_cohort", "row_cohort_on", "row_vaccinated", "row_vulnerable", "row_bed", "row_proposed")
    }
    columns["row_reason"] = post.getlist("row_reason")
    columns["row_unplaced"] = post.getlist("row_unplaced")

    def at(name: str, i: int, default: str = "") -> str:
        values = columns[name]
        return values[i] if i < len(values) else default

    rows = []
    for i, raw in enumerate(raw_ids):
        pid = int(raw) if raw.isdigit() else 0
        if pid not in people:
            continue
        try:
            cohort_on = dt.date.fromisoformat(at("row_cohort_on", i))
        except ValueError:
            cohort_on = clock.today()
        bed = at("row_bed", i)
        proposed = at("row_proposed", i)
        rows.append(
            {
                "person": people[pid],
                "cohort": at("row_cohort", i, Cohort.F1),
                "cohort_on": cohort_on,
                "fully_vaccinated": at("row_vaccinated", i) == "1",
                "vulnerable": at("row_vulnerable", i) == "1",
                "bed_id": int(bed) if bed.isdigit() else None,
                "proposed_id": int(proposed) if proposed.isdigit() else None,
                "flag_reason": at("row_reason", i),
                "unplaced": at("row_unplaced", i),
                "error": "",
            }
        )
    return rows


def _proposal_context(
    request: HttpRequest, facility: Facility, rows: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    chosen = {r["bed_id"] for r in rows if r["bed_id"]}
    groups = _bed_groups(facility, keep=chosen)
    bed_room = {bed_id: label for label, beds in groups for bed_id, _code in beds}
    bed_code = {bed_id: code for _label, beds in groups for bed_id, code in beds}
    # The map: every zone's tiles with the people proposed in each room.
    proposed_in: dict[int, list[dict[str, Any]]] = {}
    rooms_of = {pk: bed.room_id for pk, bed in reads.beds_by_id(facility=facility, bed_ids=chosen).items()}
    for row in rows:
        if row["bed_id"] in rooms_of:
            proposed_in.setdefault(rooms_of[row["bed_id"]], []).append(row)
    zones = []
    for zone in reads.facility_zones(facility):
        tiles = [(t, proposed_in.get(t.room.pk, [])) for t in selectors.zone_map(actor=request.user, zone=zone)]
        if any(proposed for _tile, proposed in tiles):
            zones.append((zone, tiles))
    for row in rows:
        row["room_label"] = bed_room.get(row["bed_id"], "")
        row["bed_code"] = bed_code.get(row["bed_id"], "")
    return {
        "facility": facility,
        "rows": rows,
        "placed": [r for r in rows if r["bed_id"]],
        "unplaced": [r for r in rows if not r["bed_id"]],
        "bed_groups": groups,
        "map_zones": zones,
        **extra,
    }


@screen(Perm.STAY_WORK)
def admit_group(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor: Any = request.user
    facility = selectors.facility_get(actor=actor, facility_id=facility_id)
    zones = list(reads.facility_zones(facility))
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("admit", "reserve"):
        return _group_accept(request, facility, reserve=action == "reserve")
    awaiting = _awaiting_f1(request) if facility.kind == FacilityKind.QUARANTINE else []
    form = GroupStartForm(
        request.POST if request.method == "POST" else None,
        facility=facility,
        zones=zones,
        initial={"cohort": _cohort_choices(facility)[0][0], "cohort_on": clock.today()},
    )
    ticked: set[int] = set()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticked = {int(v) for v in request.POST.getlist("f1") if v.isdigit()}
        pasted = reads.people_by_numbers(actor=actor, lines=(data["numbers"] or "").splitlines())
        specs: list[admissions.PersonSpec] = []
        seen: set[int] = set()
        exposure = {r["person"].pk: r["exposure_on"] for r in awaiting}
        for person in selectors.people_in_area(actor=actor, ids=ticked):
            seen.add(person.pk)
            specs.append(
                admissions.PersonSpec(
                    person=person,
                    cohort=Cohort.F1 if facility.kind == FacilityKind.QUARANTINE else Cohort.F0,
                    cohort_on=exposure.get(person.pk) or data["cohort_on"],
                    fully_vaccinated=data["fully_vaccinated"],
                )
            )
        for person in pasted.found:
            if person.pk in seen:
                continue
            seen.add(person.pk)
            specs.append(
                admissions.PersonSpec(
                    person=person,
                    cohort=data["cohort"],
                    cohort_on=data["cohort_on"],
                    fully_vaccinated=data["fully_vaccinated"],
                )
            )
        if pasted.missing:
            form.add_error("numbers", _("Không tìm thấy trong địa bàn: %(l)s") % {"l": ", ".join(pasted.missing[:20])})
        if pasted.ambiguous:
            form.add_error(
                "numbers",
                _("Số dùng chung cho nhiều người, hãy dán số CCCD: %(l)s") % {"l": ", ".join(pasted.ambiguous[:20])},
            )
        if not specs and not form.errors:
            form.add_error(None, _("Dán số CCCD/điện thoại hoặc chọn F1 cần cách ly."))
        if not form.errors:
            try:
                proposal = admissions.group_propose(
                    actor=actor,
                    facility=facility,
                    people=specs,
                    zone_ids=[data["zone"]] if data["zone"] else None,
                )
            except ApplicationError as exc:
                _raise_unless_field(exc)
                form.add_error(
                    None, exc.details[0]["message"] if isinstance(exc.details, list) and exc.details else exc.message
                )
            else:
                rows = [
                    {
                        "person": r.person,
                        "cohort": r.cohort,
                        "cohort_on": r.cohort_on,
                        "fully_vaccinated": r.fully_vaccinated,
                        "vulnerable": r.vulnerable,
                        "bed_id": r.bed.pk if r.bed else None,
                        "proposed_id": r.bed.pk if r.bed else None,
                        "flag_reason": "",
                        "unplaced": r.reason,
                        "error": "",
                    }
                    for r in proposal.rows
                ]
                return render(
                    request,
                    "web/isolation/facilities/proposal.html",
                    _proposal_context(
                        request,
                        facility,
                        rows,
                        rooms_opened=proposal.rooms_opened,
                        window_days=proposal.window_days,
                    ),
                )
    return render(
        request,
        "web/isolation/facilities/group.html",
        {"facility": facility, "form": form, "awaiting": awaiting, "ticked": ticked},
        status=422 if request.method == "POST" else 200,
    )


def _group_accept(request: HttpRequest, facility: Facility, *, reserve: bool) -> HttpResponse:
    actor: Any = request.user
    rows = _group_rows_from_post(request, facility)
    chosen = [r for r in rows if r["bed_id"]]
    error = ""
    if not chosen:
        error = _("Chưa có ai được xếp giường.")
    else:
        beds = reads.beds_by_id(facility=facility, bed_ids=[r["bed_id"] for r in chosen])
        try:
            for r in chosen:
                if r["bed_id"] not in beds:
                    raise ApplicationError.field(
                        f"admissions[{chosen.index(r)}].bed", _("Giường không thuộc cơ sở này.")
                    )
            stays = admissions.group_admit(
                actor=actor,
                facility=facility,
                admissions=[
                    Admission(
                        person=r["person"],
                        cohort=r["cohort"],
                        cohort_on=r["cohort_on"],
                        bed=beds[r["bed_id"]],
                        fully_vaccinated=r["fully_vaccinated"],
                        flag_reason=r["flag_reason"],
                    )
                    for r in chosen
                ],
                reserve=reserve,
            )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            error = exc.message
            details = exc.details if isinstance(exc.details, list) else []
            for d in details:
                match = _ROW_FIELD.match(str(d.get("field", "")))
                if match and int(match.group(1)) < len(chosen):
                    chosen[int(match.group(1))]["error"] = str(d.get("message", ""))
                    error = _("Chưa tiếp nhận: sửa các dòng được đánh dấu.")
        else:
            response.stays_admitted(actor=actor, stays=stays)
            if reserve:
                messages.success(request, _("Đã giữ %(n)s giường, chờ nhóm đến.") % {"n": len(stays)})
            else:
                messages.success(request, _("Đã tiếp nhận %(n)s người.") % {"n": len(stays)})
            return redirect("web:isolation_facility", facility_id=facility.pk)
    return render(
        request,
        "web/isolation/facilities/proposal.html",
        _proposal_context(request, facility, rows, error=error),
        status=422,
    )


@require_POST
@screen(Perm.STAY_WORK)
def admit_arrive(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor: Any = request.user
    facility = selectors.facility_get(actor=actor, facility_id=facility_id)
    ids = [int(v) for v in request.POST.getlist("stay") if v.isdigit()]
    stays = reads.reserved_stays(actor=actor, facility=facility, stay_ids=ids)
    try:
        arrived = admissions.stays_arrive(actor=actor, stays=stays)
    except ApplicationError as exc:
        _raise_unless_field(exc)
        messages.error(
            request, exc.details[0]["message"] if isinstance(exc.details, list) and exc.details else exc.message
        )
    else:
        response.stays_admitted(actor=actor, stays=arrived)
        messages.success(request, _("Đã tiếp nhận %(n)s người đến.") % {"n": len(arrived)})
    return redirect("web:isolation_facility", facility_id=facility.pk)


# --- moving a stay -------------------------------------------------------------------------------------


@screen(Perm.STAY_WORK)
def move(request: HttpRequest, stay_id: int) -> HttpResponse:
    actor: Any = request.user
    stay = reads.stay_for_move(actor=actor, stay_id=stay_id)
    if stay.facility is None:
        raise ApplicationError.field("stay", _("Lượt cách ly tại nhà không có giường để chuyển."), ErrorCode.NOT_FOUND)
    facilities = [stay.facility] + [
        f
        for f in selectors.facility_list(actor=actor, kind=stay.facility.kind, open_only=True)[:20]
        if f.pk != stay.facility_id and (f.kind != FacilityKind.TREATMENT or f.tier == stay.facility.tier)
    ]
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for facility in facilities:
        for label, beds in _bed_groups(facility):
            groups.append((f"{facility.name} · {label}" if facility.pk != stay.facility_id else label, beds))
    form = MoveForm(request.POST if request.method == "POST" else None, bed_groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            bed = reads.bed_get(actor=actor, bed_id=form.cleaned_data["bed"])
            moved = admissions.stay_move(actor=actor, stay=stay, bed=bed, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            last = reads.last_move(moved)
            if last is not None and last.flagged:
                messages.warning(
                    request, _("Đã chuyển, lượt chuyển bị đánh dấu vi phạm quy tắc: %(r)s") % {"r": moved.flag_reason}
                )
            else:
                messages.success(
                    request, _("Đã chuyển %(n)s sang giường %(b)s.") % {"n": stay.person.full_name, "b": bed.code}
                )
            return redirect("web:isolation_room", room_id=moved.room_id)
    return render(
        request,
        "web/isolation/facilities/move.html",
        {"stay": stay, "form": form},
        status=422 if request.method == "POST" else 200,
    )


urlpatterns: list[Any] = [
    path("cach-ly/co-so/", facility_list, name="isolation_facilities"),
    path("cach-ly/co-so/moi/", facility_create, name="isolation_facility_create"),
    path("cach-ly/co-so/<int:facility_id>/", facility_detail, name="isolation_facility"),
    path("cach-ly/co-so/<int:facility_id>/khu/", zone_create, name="isolation_zone_create"),
    path("cach-ly/co-so/<int:facility_id>/day-phong/", rooms_create, name="isolation_rooms_create"),
    path("cach-ly/co-so/<int:facility_id>/can-bo/", facility_staff, name="isolation_facility_staff"),
    path("cach-ly/co-so/<int:facility_id>/mo-dong/", facility_open, name="isolation_facility_open"),
    path("cach-ly/co-so/<int:facility_id>/excel/", facility_export, name="isolation_facility_export"),
    path("cach-ly/co-so/<int:facility_id>/tiep-nhan/", admit_one, name="isolation_admit"),
    path("cach-ly/co-so/<int:facility_id>/tiep-nhan-nhom/", admit_group, name="isolation_admit_group"),
    path("cach-ly/co-so/<int:facility_id>/da-den/", admit_arrive, name="isolation_admit_arrive"),
    path("cach-ly/khu/<int:zone_id>/so-do/", zone_map, name="isolation_zone_map"),
    path("cach-ly/khu/<int:zone_id>/so-do/o/", zone_tiles, name="isolation_zone_tiles"),
    path("cach-ly/phong/<int:room_id>/", room_detail, name="isolation_room"),
    path("cach-ly/phong/<int:room_id>/da-khu-khuan/", room_cleaned, name="isolation_room_cleaned"),
    path("cach-ly/luot/<int:stay_id>/chuyen-giuong/", move, name="isolation_move"),
]
