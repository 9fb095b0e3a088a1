"""Xét nghiệm, the field side: the testing index (campaigns of the area, follow-up tubes to take), planning a
campaign, the campaign page (progress, target list, absent/refused marks, Excel, printable tube labels with QR
codes and the tally sheet), the phone-first sampling screen (scan a tube, pick the people, close the tube), the
rapid antigen entry, and shipments of tubes to a lab with their printable manifest.

The lab side (receiving, results, turnaround) lives in chihuy.web.views.lab."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.core.text import fold
from chihuy.labs import policies
from chihuy.labs import selectors as lab_selectors
from chihuy.labs import services as lab_services
from chihuy.labs.enums import CampaignStatus, ShipmentStatus, TargetStatus, TestMethod
from chihuy.labs.models import Campaign, CampaignTarget, Sample
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.response import labs as response_labs
from chihuy.web.forms import apply_error
from chihuy.web.sampling_forms import CampaignForm, FollowUpTakeForm, RapidForm, ShipmentForm, TakeForm, lines
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
LABELS_PER_PAGE = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _url_or_none(name: str, *args: Any) -> str | None:
    """A link to a screen another part of the app may not have yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _raise_unless_field(exc: ApplicationError) -> None:
    """A missing right or a record out of reach stays a 403/404; field errors go back to the form."""
    details = exc.details if isinstance(exc.details, list) else []
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    if exc.code == ErrorCode.NOT_FOUND and not any(d.get("field") for d in details):
        raise exc


# --- index -----------------------------------------------------------------------------------------


@screen(Perm.SAMPLE_VIEW)
def labs_index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in CampaignStatus.values else ""
    qs = lab_selectors.campaign_list(actor=request.user, within=scope(request), status=status)
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(qs, order=["-planned_on", "-id"], cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:  # a tampered cursor: the first page
        page = keyset_page(qs, order=["-planned_on", "-id"], cursor=None, limit=PAGE_SIZE)
    follow_ups = list(lab_selectors.follow_up_list(actor=request.user, within=scope(request))[:50])
    labs = lab_selectors.labs_of(request.user)
    return render(
        request,
        "web/sampling/index.html",
        {
            "page": page,
            "status": status,
            "statuses": CampaignStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "cursor": cursor,
            "follow_ups": follow_ups,
            "lab_links": [(lab, url) for lab in labs if (url := _url_or_none("web:lab_home", lab.pk))],
            "turnaround_url": _url_or_none("web:turnaround"),
            "can_manage": has_perm(request.user, Perm.CAMPAIGN_MANAGE),
            "can_take": has_perm(request.user, Perm.SAMPLE_TAKE),
        },
    )


# --- campaign create -------------------------------------------------------------------------------


def _campaign_form(request: HttpRequest, data: Any = None) -> CampaignForm:
    user: Any = request.user
    units = unit_subtree(path=user_path(user), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])
    clusters: list[Any] = []
    if has_perm(user, Perm.CASE_VIEW):
        from chihuy.cases.selectors import cluster_list

        clusters = list(cluster_list(actor=user, within=scope(request), status="active").order_by("-opened_on")[:100])
    initial = {"planned_on": clock.today(), "pool_size": 1}
    return CampaignForm(
        data,
        units=units,
        pool_sizes=policies.pool_sizes(clock.today()),
        labs=lab_selectors.lab_list(actor=user),
        clusters=clusters,
        initial=initial,
    )


@screen(Perm.CAMPAIGN_MANAGE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = _campaign_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lab = lab_selectors.lab_get(actor=request.user, lab_id=data["lab"]) if data.get("lab") else None
        common = {
            "actor": request.user,
            "name": data["name"],
            "planned_on": data["planned_on"],
            "pool_size": data["pool_size"],
            "lab": lab,
            "teams": lines(data["teams"]),
            "sites": lines(data["sites"]),
        }
        try:
            if data.get("cluster"):
                from chihuy.cases.selectors import cluster_get

                cluster = cluster_get(actor=request.user, cluster_id=data["cluster"])
                campaign = response_labs.campaign_for_cluster(cluster=cluster, **common)
            else:
                campaign = lab_services.campaign_create(
                    kind=data["kind"],
                    unit=data["unit"],
                    test_method=data["test_method"],
                    person_ids=data["person_ids"] or None,
                    note=data["note"],
                    **common,
                )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã lập đợt lấy mẫu %(c)s.") % {"c": campaign.code})
            return redirect("web:campaign", campaign_id=campaign.pk)
    status = 422 if form.errors else 200
    return render(request, "web/sampling/campaign_form.html", {"form": form}, status=status)


# --- campaign page ---------------------------------------------------------------------------------


def _target_filter(qs: QuerySet[CampaignTarget], q: str) -> QuerySet[CampaignTarget]:
    """Search a target list by name (diacritics-insensitive), phone or ID number."""
    q = q.strip()
    if not q:
        return qs
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) >= 3 and len(digits) >= len(q.replace(" ", "")) - 1:
        return qs.filter(Q(person__phone__contains=digits) | Q(person__national_id__contains=digits))
    folded = fold(q)
    return qs.filter(person__name_folded__contains=folded) if folded else qs


TARGET_ORDER = ["person__unit_path", "person__name_folded", "id"]


def _campaign_with_people(request: HttpRequest, campaign_id: int) -> Campaign:
    """A campaign whose list of people the reader may read: a lab technician sees the campaign's tubes sent to
    their lab, never its list of residents (names, phones, ID numbers)."""
    if lab_selectors.lab_only(request.user):
        raise Http404
    return lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)


@screen(Perm.SAMPLE_VIEW)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    status = request.GET.get("status", "")
    status = status if status in TargetStatus.values else ""
    q = request.GET.get("q", "").strip()[:60]
    show_people = not lab_selectors.lab_only(request.user)
    qs = _target_filter(lab_selectors.campaign_targets(actor=request.user, campaign=campaign, status=status), q)
    if not show_people:
        qs = qs.none()
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(qs, order=TARGET_ORDER, cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:
        page = keyset_page(qs, order=TARGET_ORDER, cursor=None, limit=PAGE_SIZE)
    progress = lab_selectors.campaign_progress(campaign)
    can_manage = has_perm(request.user, Perm.CAMPAIGN_MANAGE) and campaign.status != CampaignStatus.CLOSED
    return render(
        request,
        "web/sampling/campaign.html",
        {
            "campaign": campaign,
            "progress": progress,
            "sampled": progress.by_status.get(TargetStatus.SAMPLED, 0),
            "pending": progress.by_status.get(TargetStatus.PENDING, 0),
            "absent": progress.by_status.get(TargetStatus.ABSENT, 0),
            "refused": progress.by_status.get(TargetStatus.REFUSED, 0),
            "positive": progress.by_result.get("positive", 0),
            "negative": progress.by_result.get("negative", 0),
            "page": page,
            "q": q,
            "status": status,
            "statuses": TargetStatus.choices,
            "query": urlencode({k: v for k, v in {"q": q, "status": status}.items() if v}),
            "cursor": cursor,
            "can_manage": can_manage,
            "show_people": show_people,
            "can_take": has_perm(request.user, Perm.SAMPLE_TAKE) and campaign.status != CampaignStatus.CLOSED,
            "tubes": _tube_count(progress.targets, campaign.pool_size),
            "turnaround_url": _url_or_none("web:turnaround"),
        },
    )


@require_POST
@screen(Perm.SAMPLE_TAKE)
def target_mark(request: HttpRequest, campaign_id: int, target_id: int) -> HttpResponse:
    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    target = lab_selectors.campaign_targets(actor=request.user, campaign=campaign).filter(pk=target_id).first()
    if target is None:
        raise Http404
    try:
        lab_services.target_mark(
            actor=request.user, target=target, status=request.POST.get("status", ""), note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        _raise_unless_field(exc)
        messages.error(request, exc.message)
    back = reverse("web:campaign", args=[campaign.pk])
    query = request.POST.get("query", "")
    return redirect(f"{back}?{query}" if query else back)


@require_POST
@screen(Perm.CAMPAIGN_MANAGE)
def campaign_close(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    try:
        lab_services.campaign_transition(actor=request.user, campaign=campaign, to=CampaignStatus.CLOSED)
    except ApplicationError as exc:
        _raise_unless_field(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã kết thúc đợt lấy mẫu %(c)s.") % {"c": campaign.code})
    return redirect("web:campaign", campaign_id=campaign.pk)


def _person_row(person: Any) -> list[Any]:
    return [
        person.pk,
        person.full_name,
        person.birth_year or (person.birth_date.year if person.birth_date else ""),
        person.get_sex_display(),
        person.phone,
        person.national_id,
        person.unit.name,
        person.address_text,
    ]


PERSON_HEADERS = ["mã người", "họ tên", "năm sinh", "giới tính", "điện thoại", "CCCD/CMND", "thôn, bản", "địa chỉ"]


@screen(Perm.SAMPLE_VIEW)
def campaign_export_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_with_people(request, campaign_id)
    targets = lab_selectors.campaign_targets(actor=request.user, campaign=campaign)
    rows = [
        [
            *_person_row(t.person),
            t.get_reason_display(),
            t.get_status_display(),
            t.sample.code if t.sample else "",
            t.sample.get_result_display() if t.sample else "",
            t.note,
        ]
        for t in targets.iterator(chunk_size=2000)
    ]
    headers = [*PERSON_HEADERS, "lý do", "trạng thái", "mã ống", "kết quả", "ghi chú"]
    body = write_xlsx(title=campaign.code, headers=headers, rows=rows)
    return _xlsx(body, f"{campaign.code}-danh-sach.xlsx")


# --- labels and tally sheet ------------------------------------------------------------------------


def _tube_count(targets: int, pool_size: int) -> dict[str, int]:
    """Tubes to print: one per pool of the list, plus 10 % spare (rounded up) for broken or mislabelled ones."""
    needed = math.ceil(targets / max(1, pool_size)) if targets else 0
    spare = math.ceil(needed * 0.1)
    return {"needed": needed, "spare": spare, "total": needed + spare}


def tube_codes(campaign: Campaign, total: int) -> list[str]:
    """The campaign's code and a running tube number: "LM-2021-0001-001"."""
    width = max(3, len(str(total)))
    return [f"{campaign.code}-{i:0{width}d}" for i in range(1, total + 1)]


def _tally(actor: Any, campaign: Campaign) -> list[dict[str, Any]]:
    """The planned list cut into tubes of the pool size, household by household, in the order of the list."""
    targets = (
        lab_selectors.campaign_targets(actor=actor, campaign=campaign, reason="planned")
        .select_related("person__household")
        .order_by("person__unit_path", "person__household_id", "person__name_folded", "id")
    )
    people = [t.person for t in targets.iterator(chunk_size=2000)]
    size = max(1, campaign.pool_size)
    count = _tube_count(len(people), size)
    codes = tube_codes(campaign, count["total"])
    return [
        {"code": codes[i // size], "people": people[i : i + size], "number": i // size + 1}
        for i in range(0, len(people), size)
    ]


@screen(Perm.SAMPLE_VIEW)
def campaign_labels(request: HttpRequest, campaign_id: int) -> HttpResponse:
    import segno

    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    progress = lab_selectors.campaign_progress(campaign)
    count = _tube_count(progress.targets, campaign.pool_size)
    codes = tube_codes(campaign, count["total"])
    pages = max(1, math.ceil(len(codes) / LABELS_PER_PAGE))
    try:
        number = min(max(1, int(request.GET.get("page", "1"))), pages)
    except ValueError:
        number = 1
    chunk = codes[(number - 1) * LABELS_PER_PAGE : number * LABELS_PER_PAGE]
    labels = [
        {"code": code, "svg": segno.make(code, error="m").svg_inline(scale=2, border=1), "spare": i >= count["needed"]}
        for i, code in enumerate(chunk, start=(number - 1) * LABELS_PER_PAGE)
    ]
    return render(
        request,
        "web/sampling/labels.html",
        {"campaign": campaign, "labels": labels, "count": count, "page": number, "pages": range(1, pages + 1)},
    )


@screen(Perm.SAMPLE_VIEW)
def campaign_tally(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_with_people(request, campaign_id)
    return render(request, "web/sampling/tally.html", {"campaign": campaign, "tubes": _tally(request.user, campaign)})


@screen(Perm.SAMPLE_VIEW)
def campaign_tally_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_with_people(request, campaign_id)
    rows: list[list[Any]] = []
    for tube in _tally(request.user, campaign):
        for position, person in enumerate(tube["people"], 1):
            rows.append([tube["code"], position, *_person_row(person), "", ""])
    headers = ["mã ống", "thứ tự trong ống", *PERSON_HEADERS, "đã lấy (x)", "ký tên"]
    return _xlsx(write_xlsx(title=campaign.code, headers=headers, rows=rows), f"{campaign.code}-kiem-dem.xlsx")


# --- the sampling screen ---------------------------------------------------------------------------


def _pending_targets(actor: Any, campaign: Campaign, q: str) -> list[CampaignTarget]:
    qs = lab_selectors.campaign_targets(actor=actor, campaign=campaign, status=TargetStatus.PENDING)
    return list(_target_filter(qs, q)[:15]) if q.strip() else []


def _panel_context(request: HttpRequest, campaign: Campaign, form: TakeForm, **extra: Any) -> dict[str, Any]:
    progress = lab_selectors.campaign_progress(campaign)
    recent = list(
        lab_selectors.sample_list(actor=request.user, campaign=campaign).prefetch_related("members__person")[:10]
    )
    return {
        "campaign": campaign,
        "form": form,
        "progress": progress,
        "sampled": progress.by_status.get(TargetStatus.SAMPLED, 0),
        "pending": progress.by_status.get(TargetStatus.PENDING, 0),
        "recent": recent,
        **extra,
    }


@screen(Perm.SAMPLE_TAKE)
def sampling(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Phone-first: pick the people of the tube (search the pending list), scan the tube's code, Enter."""
    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    teams, sites = list(campaign.teams), list(campaign.sites)
    chosen: list[CampaignTarget] = []
    status = 200
    saved: Sample | None = None
    if request.method == "POST":
        form = TakeForm(request.POST, teams=teams, sites=sites)
        ids = form.person_list(request.POST.getlist("person_ids"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = lab_services.sample_take(
                    actor=request.user,
                    code=data["code"],
                    person_ids=ids,
                    campaign=campaign,
                    team=data.get("team") or "",
                    site=data.get("site") or "",
                )
            except ApplicationError as exc:
                _raise_unless_field(exc)
                apply_error(form, exc)
        if saved is None:
            # htmx swaps only 2xx answers: the panel with its errors comes back as 200 there.
            status = 200 if request.htmx else 422  # type: ignore[attr-defined]
            chosen = list(
                lab_selectors.campaign_targets(actor=request.user, campaign=campaign).filter(person_id__in=ids)
            )
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(
                    request,
                    _("Đã đóng ống %(c)s: %(n)s người.") % {"c": saved.code, "n": len(ids)},
                )
                return redirect("web:sampling", campaign_id=campaign.pk)
            # The next tube: same team and site, empty code and people.
            form = TakeForm(teams=teams, sites=sites, initial={"team": data.get("team"), "site": data.get("site")})
        campaign.refresh_from_db()
    else:
        form = TakeForm(teams=teams, sites=sites)
    context = _panel_context(request, campaign, form, chosen=chosen, saved=saved)
    template = "web/sampling/_sampling_panel.html" if request.htmx else "web/sampling/sampling.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@screen(Perm.SAMPLE_TAKE)
def sampling_search(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """htmx: the campaign's people not yet sampled matching the search (name, phone, ID number)."""
    campaign = lab_selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    q = request.GET.get("q", "").strip()[:60]
    return render(
        request,
        "web/sampling/_search_results.html",
        {"targets": _pending_targets(request.user, campaign, q), "q": q, "campaign": campaign},
    )


@screen(Perm.SAMPLE_TAKE)
def follow_up_take(request: HttpRequest, target_id: int) -> HttpResponse:
    """A follow-up tube (retest of a positive pool, RT-PCR confirmation) from the index: one person, one code."""
    target = lab_selectors.follow_up_list(actor=request.user).filter(pk=target_id).first()
    if target is None:
        raise Http404
    form = FollowUpTakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        campaign = target.campaign if target.campaign and target.campaign.status != CampaignStatus.CLOSED else None
        try:
            sample = lab_services.sample_take(
                actor=request.user, code=form.cleaned_data["code"], person_ids=[target.person_id], campaign=campaign
            )
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            messages.success(
                request, _("Đã lấy mẫu đơn %(c)s cho %(p)s.") % {"c": sample.code, "p": target.person.full_name}
            )
            return redirect("web:labs")
    status = 422 if form.errors else 200
    return render(request, "web/sampling/follow_up.html", {"target": target, "form": form}, status=status)


# --- rapid antigen test ----------------------------------------------------------------------------


@screen(Perm.SAMPLE_TAKE)
def rapid_test(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    campaigns = list(
        lab_selectors.campaign_list(actor=user, within=scope(request))
        .filter(test_method=TestMethod.RAPID_ANTIGEN)
        .exclude(status=CampaignStatus.CLOSED)[:50]
    )
    form = RapidForm(request.POST if request.method == "POST" else None, campaigns=campaigns)
    outcome = None
    cases: list[Any] = []
    picked = None
    if request.method == "POST":
        from chihuy.people.selectors import person_get

        pid = request.POST.get("person", "")
        if pid.isdigit():
            try:
                picked = person_get(actor=user, person_id=int(pid), audit=False)
            except ApplicationError:
                picked = None
        if form.is_valid():
            data = form.cleaned_data
            if picked is None:
                form.add_error("person", _("Không tìm thấy người này trong địa bàn."))
            else:
                campaign = next((c for c in campaigns if c.pk == data.get("campaign")), None)
                try:
                    outcome = response_labs.rapid_test_record(
                        actor=user, person=picked, result=data["result"], campaign=campaign, code=data["code"]
                    )
                except ApplicationError as exc:
                    _raise_unless_field(exc)
                    apply_error(form, exc)
        if outcome is not None:
            if has_perm(user, Perm.CASE_VIEW):
                from chihuy.cases.selectors import case_by_number

                for number in outcome.case_numbers:
                    try:
                        cases.append(case_by_number(actor=user, number=number))
                    except ApplicationError:
                        cases.append({"number": number})
            else:
                cases = [{"number": n} for n in outcome.case_numbers]
            form = RapidForm(campaigns=campaigns)
    status = 422 if form.errors else 200
    return render(
        request,
        "web/sampling/rapid.html",
        {"form": form, "outcome": outcome, "cases": cases, "picked": None if outcome else picked},
        status=status,
    )


@screen(Perm.SAMPLE_TAKE)
def person_search(request: HttpRequest) -> HttpResponse:
    """htmx: people of the area (name, phone, ID number) to pick for a rapid test or a list campaign."""
    from chihuy.people.selectors import person_search as search

    q = request.GET.get("q", "").strip()[:60]
    mode = "add" if request.GET.get("mode") == "add" else "pick"
    people = search(actor=request.user, q=q, within=scope(request), limit=10).items if q else []
    return render(request, "web/sampling/_people.html", {"people": people, "q": q, "mode": mode})


# --- shipments -------------------------------------------------------------------------------------


@screen(Perm.SAMPLE_VIEW)
def shipment_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ShipmentStatus.values else ""
    qs = lab_selectors.shipment_list(actor=request.user, status=status)
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(qs, order=["-shipped_at", "-id"], cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:
        page = keyset_page(qs, order=["-shipped_at", "-id"], cursor=None, limit=PAGE_SIZE)
    return render(
        request,
        "web/sampling/shipments.html",
        {
            "page": page,
            "status": status,
            "statuses": ShipmentStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "cursor": cursor,
            "can_take": has_perm(request.user, Perm.SAMPLE_TAKE),
        },
    )


@screen(Perm.SAMPLE_TAKE)
def shipment_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    labs = lab_selectors.lab_list(actor=user)
    form = ShipmentForm(request.POST if request.method == "POST" else None, labs=labs)
    code_errors: list[str] = []
    ticked = request.POST.getlist("tick") if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lab = next((lab for lab in labs if lab.pk == data["lab"]), None)
        codes = [c for c in data["codes"].split() if c] + [c for c in ticked if c]
        try:
            if lab is None:
                raise ApplicationError.field("lab", _("Chọn phòng xét nghiệm nhận mẫu."))
            shipment = lab_services.shipment_create(actor=user, lab=lab, sample_codes=codes, note=data["note"])
        except ApplicationError as exc:
            _raise_unless_field(exc)
            details = exc.details if isinstance(exc.details, list) else []
            code_errors = [str(d["message"]) for d in details if str(d.get("field", "")).startswith("sample_codes.")]
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("Đã tạo chuyến %(c)s: %(n)s ống.") % {"c": shipment.code, "n": shipment.declared_count},
            )
            return redirect("web:shipment", shipment_id=shipment.pk)
    collected = list(
        lab_selectors.sample_list(actor=user, within=scope(request), status="collected")
        .filter(test_method=TestMethod.RT_PCR)
        .order_by("collected_at", "id")[:300]
    )
    status = 422 if form.errors else 200
    return render(
        request,
        "web/sampling/shipment_form.html",
        {"form": form, "collected": collected, "ticked": set(ticked), "code_errors": code_errors},
        status=status,
    )


@screen(Perm.SAMPLE_VIEW)
def shipment_detail(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """The shipment and its printable manifest: every tube with its campaign and the number of swabs."""
    shipment = lab_selectors.shipment_get(actor=request.user, shipment_id=shipment_id)
    samples = list(
        lab_selectors.sample_visible_qs(request.user)
        .filter(shipment=shipment)
        .select_related("campaign")
        .prefetch_related("members")
        .order_by("code")
    )
    return render(request, "web/sampling/manifest.html", {"shipment": shipment, "samples": samples})


# --- a person's page -------------------------------------------------------------------------------


def person_tests_context(request: HttpRequest, person_id: int) -> list[Any] | None:
    """The "Xét nghiệm" section of a person's page (None: the reader does not see tests)."""
    if not has_perm(request.user, Perm.SAMPLE_VIEW):
        return None
    return lab_selectors.person_tests(actor=request.user, person_id=person_id)
