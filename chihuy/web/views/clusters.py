"""Ổ dịch: the cluster list (unknown-source cases flagged), create, the system's suggestions accepted in one
click, the cluster page (cases by generation, contacts by F-level, epi curve), and the transmission-chain
graph of a cluster or of a person's neighbourhood (JSON for Cytoscape.js, CSV export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction, user_path
from chihuy.accounts.roles import Perm
from chihuy.cases import graph, selectors, services
from chihuy.cases.enums import CaseStatus, ClusterKind, ClusterStatus, Setting, TraceStatus
from chihuy.cases.models import Case
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.policies import policy_get
from chihuy.people.selectors import person_get
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_get, unit_subtree
from chihuy.web.forms import StyledForm, UnitField, apply_error
from chihuy.web.views._common import http_error, scope, screen

CLUSTER_UNIT_LEVELS = [UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE, UnitLevel.VILLAGE]
LOOSE_CASES_SHOWN = 100


def _numbers(text: str) -> list[str]:
    return [n for n in re.split(r"[\s,;]+", text.strip().upper()) if n]


class ClusterForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Tên ổ dịch"), max_length=200)
    unit = UnitField(label=gettext_lazy("Đơn vị quản lý"))
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=ClusterKind.choices, initial=ClusterKind.OTHER)
    cases = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Ca chưa thuộc ổ dịch nào"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    numbers = forms.CharField(
        label=gettext_lazy("Mã ca khác"),
        required=False,
        help_text=gettext_lazy("Cách nhau bởi dấu phẩy hoặc khoảng trắng, ví dụ: BN0012, BN0015"),
    )
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: list[Any], loose: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)  # type: ignore[attr-defined]
        self.fields["cases"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.number} · {c.person.full_name if c.person else '—'} · {c.detected_at:%d/%m}") for c in loose
        ]


class AddCasesForm(StyledForm):
    numbers = forms.CharField(
        label=gettext_lazy("Mã ca"), help_text=gettext_lazy("Cách nhau bởi dấu phẩy hoặc khoảng trắng")
    )


def _case_ids(actor: Any, numbers: list[str]) -> list[int]:
    """Case numbers typed by the user → ids; an unknown (or not visible) number is a field error."""
    found = dict(selectors.case_visible_qs(actor).filter(number__in=numbers).values_list("number", "pk"))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ApplicationError.field(
            "numbers", _("Không tìm thấy ca %(n)s.") % {"n": ", ".join(missing)}, ErrorCode.NOT_FOUND
        )
    return [found[n] for n in numbers]


def _loose_cases(request: HttpRequest) -> list[Case]:
    return list(
        selectors.case_visible_qs(request.user, within=scope(request))
        .filter(cluster__isnull=True, status="active")
        .select_related("person")
        .order_by("-detected_at", "-id")[:LOOSE_CASES_SHOWN]
    )


def _common_path(paths: list[str], floor: str) -> str:
    """The deepest unit holding every path, never above the reader's own unit (`floor`)."""
    parts = [p.strip("/").split("/") for p in paths if p]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    path = "/".join(common) + "/" if common else ""
    return path if path.startswith(floor) else floor


# --- list, suggestions, create -------------------------------------------------------------------


@screen(Perm.CASE_VIEW)
def cluster_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ClusterStatus.values:
        status = ""
    qs = selectors.cluster_list(actor=request.user, within=scope(request), status=status).annotate(
        case_count=Count("cases"), unknown_count=Count("cases", filter=Q(cases__source_known=False))
    )
    try:
        page = keyset_page(qs, order=["-opened_on", "-id"], cursor=request.GET.get("cursor") or None, limit=50)
    except ApplicationError:  # a tampered cursor: start again from the first page
        page = keyset_page(qs, order=["-opened_on", "-id"], cursor=None, limit=50)
    can_change = has_perm(request.user, Perm.CLUSTER_CHANGE)
    return render(
        request,
        "web/clusters/list.html",
        {
            "page": page,
            "status": status,
            "statuses": ClusterStatus.choices,
            "can_change": can_change,
            "suggestions": _suggestion_rows(request) if can_change else [],
            "close_after_days": policy_get("cluster.close_after_days")["days"],
        },
    )


def _suggestion_rows(request: HttpRequest) -> list[dict[str, Any]]:
    suggestions = selectors.cluster_suggestions(actor=request.user, within=scope(request))
    ids = {i for s in suggestions for i in s.case_ids}
    cases = {c.pk: c for c in selectors.case_visible_qs(request.user).filter(pk__in=ids).select_related("person")}
    joined = {
        c.pk: c
        for c in selectors.cluster_list(actor=request.user).filter(
            pk__in={s.cluster_id for s in suggestions if s.cluster_id}
        )
    }
    floor = scope(request) or user_path(request.user)
    kinds = dict(ClusterKind.choices)
    rows = []
    for s in suggestions:
        members = sorted((cases[i] for i in s.case_ids if i in cases), key=lambda c: (c.detected_at, c.pk))
        if not members:
            continue
        rows.append(
            {
                "kind": s.kind,
                "kind_label": kinds.get(s.kind, s.kind),
                "reason": s.reason,
                "cases": members,
                "case_ids": ",".join(str(c.pk) for c in members),
                "cluster": joined.get(s.cluster_id) if s.cluster_id else None,
                "name": _("Ổ dịch %(n)s") % {"n": members[0].number},
                "unit_path": _common_path([c.unit_path for c in members], floor),
            }
        )
    return rows


@require_POST
@screen(Perm.CLUSTER_CHANGE)
def suggestion_accept(request: HttpRequest) -> HttpResponse:
    """One click: the suggested cases join the existing cluster, or found a new one."""
    try:
        case_ids = [int(i) for i in request.POST.get("case_ids", "").split(",") if i.strip()]
    except ValueError:
        case_ids = []
    if not case_ids:
        messages.error(request, _("Gợi ý không còn ca nào."))
        return redirect("web:clusters")
    try:
        if request.POST.get("cluster_id"):
            cluster = selectors.cluster_get(actor=request.user, cluster_id=int(request.POST["cluster_id"]))
            cluster = services.cluster_add_cases(actor=request.user, cluster=cluster, case_ids=case_ids)
            messages.success(request, _("Đã thêm %(n)s ca vào ổ dịch %(c)s.") % {"n": len(case_ids), "c": cluster})
        else:
            kind = request.POST.get("kind", "")
            cluster = services.cluster_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                unit=unit_get(path=request.POST.get("unit_path", "")),
                kind=kind if kind in ClusterKind.values else ClusterKind.OTHER,
                case_ids=case_ids,
            )
            messages.success(request, _("Đã tạo ổ dịch %(c)s với %(n)s ca.") % {"n": len(case_ids), "c": cluster})
    except ApplicationError as exc:
        if exc.code == ErrorCode.PERMISSION_DENIED:
            raise http_error(exc) from exc
        messages.error(request, exc.message)
        return redirect("web:clusters")
    return redirect("web:cluster", cluster_id=cluster.pk)


@screen(Perm.CLUSTER_CHANGE)
def cluster_create(request: HttpRequest) -> HttpResponse:
    units = unit_subtree(path=user_path(request.user), levels=CLUSTER_UNIT_LEVELS)
    loose = _loose_cases(request)
    if request.method == "POST":
        form = ClusterForm(request.POST, units=units, loose=loose)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_ids = list(data["cases"]) + _case_ids(request.user, _numbers(data["numbers"]))
                cluster = services.cluster_create(
                    actor=request.user,
                    name=data["name"],
                    unit=data["unit"],
                    kind=data["kind"],
                    case_ids=sorted(set(case_ids)),
                    note=data["note"],
                )
            except ApplicationError as exc:
                if exc.code == ErrorCode.PERMISSION_DENIED:
                    raise http_error(exc) from exc
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã tạo ổ dịch %(c)s.") % {"c": cluster})
                return redirect("web:cluster", cluster_id=cluster.pk)
    else:
        initial: dict[str, Any] = {}
        own = [u for u in units if u.path == scope(request)]
        if own:
            initial["unit"] = own[0].pk
        preselected = [int(i) for i in request.GET.getlist("case") if i.isdigit()]
        if preselected:
            initial["cases"] = preselected
        form = ClusterForm(units=units, loose=loose, initial=initial)
    return render(request, "web/clusters/form.html", {"form": form})


# --- the cluster page ----------------------------------------------------------------------------


@screen(Perm.CASE_VIEW)
def cluster_detail(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = selectors.cluster_get(actor=request.user, cluster_id=cluster_id)
    summary = selectors.cluster_summary(actor=request.user, cluster=cluster)
    days = int(policy_get("cluster.close_after_days")["days"])
    closes_on = (
        cluster.last_case_on + dt.timedelta(days=days + 1)
        if cluster.status == ClusterStatus.ACTIVE and cluster.last_case_on
        else None
    )
    unknown = {c.pk for c in summary.unknown_source}
    # Unknown-source cases first: they decide the epidemic level and the risk colour.
    cases = sorted(summary.cases, key=lambda c: (c.pk not in unknown, summary.generations.get(c.pk, 1), c.detected_at))
    return render(
        request,
        "web/clusters/detail.html",
        {
            "cluster": cluster,
            "summary": summary,
            "cases": [
                {"case": c, "generation": summary.generations.get(c.pk, 1), "unknown": c.pk in unknown} for c in cases
            ],
            "generation_count": max(summary.generations.values(), default=0),
            "contact_levels": [{"level": lvl, "count": n} for lvl, n in summary.contacts_by_level.items()],
            "curve": {
                "labels": [d.strftime("%d/%m") for d, _n in summary.epi_curve],
                "counts": [n for _d, n in summary.epi_curve],
                "label": _("Ca mới theo ngày phát hiện"),
            },
            "close_after_days": days,
            "closes_on": closes_on,
            "can_change": has_perm(request.user, Perm.CLUSTER_CHANGE)
            and in_jurisdiction(request.user, cluster.unit_path),
            "add_form": AddCasesForm(),
            "today": clock.today(),
        },
    )


@require_POST
@screen(Perm.CLUSTER_CHANGE)
def cluster_add_cases(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = selectors.cluster_get(actor=request.user, cluster_id=cluster_id)
    form = AddCasesForm(request.POST)
    if form.is_valid():
        try:
            ids = _case_ids(request.user, _numbers(form.cleaned_data["numbers"]))
            services.cluster_add_cases(actor=request.user, cluster=cluster, case_ids=ids)
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise http_error(exc) from exc
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã thêm %(n)s ca.") % {"n": len(ids)})
    else:
        messages.error(request, _("Nhập mã ca cần thêm."))
    return redirect("web:cluster", cluster_id=cluster.pk)


# --- the transmission-chain graph ----------------------------------------------------------------


def _window(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    """The date window of the graph (?from=YYYY-MM-DD&to=…); an unreadable date is no bound."""

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, "").strip())
        except ValueError:
            return None

    start, end = day("from"), day("to")
    if start and end and start > end:
        start, end = end, start
    return start, end


def _graph_page(request: HttpRequest, *, title: str, back: str, back_label: str, base: str) -> HttpResponse:
    start, end = _window(request)
    query = "&".join(f"{k}={v.isoformat()}" for k, v in (("from", start), ("to", end)) if v)
    suffix = f"?{query}" if query else ""
    try:
        case_url = reverse("web:case", args=[0]).replace("/0/", "/{id}/")
    except NoReverseMatch:  # the case page comes with the case screens
        case_url = ""
    return render(
        request,
        "web/clusters/graph.html",
        {
            "title": title,
            "back": back,
            "back_label": back_label,
            "date_from": start,
            "date_to": end,
            "json_url": f"{base}graph.json{suffix}",
            "csv_url": f"{base}graph.csv{suffix}",
            "case_url": case_url,
            "person_url": reverse("web:person_graph", args=[0]).replace("/0/", "/{id}/"),
            "settings": [{"key": k, "label": label} for k, label in Setting.choices],
            "labels": {
                "status": {k: str(v) for k, v in [*CaseStatus.choices, *TraceStatus.choices]},
                "setting": {k: str(v) for k, v in Setting.choices},
                "unclassified": _("Không còn phân loại"),
                "case": _("Mở hồ sơ ca"),
                "neighbourhood": _("Xem các mối tiếp xúc quanh người này"),
                "empty": _("Không có ca hay tiếp xúc nào trong khoảng thời gian này."),
                "error": _("Không tải được sơ đồ. Thử lại sau."),
            },
        },
    )


def _graph_json(payload: graph.GraphPayload) -> JsonResponse:
    return JsonResponse(
        {
            "truncated": payload.truncated,
            "message": payload.message,
            "nodes": [
                {
                    "id": n.id,
                    "label": n.label,
                    "level": n.level,
                    "status": n.status,
                    "unit": n.unit,
                    "case_id": n.case_id,
                    "x": n.x,
                    "y": n.y,
                }
                for n in payload.nodes
            ],
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "kind": e.kind,
                    "setting": e.setting,
                    "qualifies": e.qualifies,
                    "exposure_at": clock.local(e.exposure_at).isoformat() if e.exposure_at else None,
                }
                for e in payload.edges
            ],
        }
    )


def _graph_csv(request: HttpRequest, payload: graph.GraphPayload, *, obj: Any, filename: str) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV with Vietnamese letters only with the BOM
    writer = csv.writer(out)
    rows = graph.graph_csv_rows(payload)
    writer.writerows(rows)
    # Names of people leave the system: who took which chain out is recorded.
    audit_record(
        actor=request.user,
        action="export",
        obj=obj,
        details={
            "export": "graph.csv",
            "rows": len(rows) - 1,
            "from": request.GET.get("from", ""),
            "to": request.GET.get("to", ""),
        },
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{clock.today():%Y%m%d}.csv"'
    return response


@screen(Perm.CASE_VIEW)
def cluster_graph(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = selectors.cluster_get(actor=request.user, cluster_id=cluster_id)
    return _graph_page(
        request,
        title=_("Chuỗi lây nhiễm: %(c)s") % {"c": cluster.name},
        back=reverse("web:cluster", args=[cluster.pk]),
        back_label=cluster.name,
        base=reverse("web:cluster", args=[cluster.pk]),
    )


@screen(Perm.CASE_VIEW)
def cluster_graph_json(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = selectors.cluster_get(actor=request.user, cluster_id=cluster_id)
    start, end = _window(request)
    return _graph_json(graph.cluster_graph(actor=request.user, cluster=cluster, date_from=start, date_to=end))


@screen(Perm.CASE_VIEW)
def cluster_graph_csv(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = selectors.cluster_get(actor=request.user, cluster_id=cluster_id)
    start, end = _window(request)
    payload = graph.cluster_graph(actor=request.user, cluster=cluster, date_from=start, date_to=end)
    return _graph_csv(request, payload, obj=cluster, filename=f"chuoi-lay-o-dich-{cluster.pk}")


@screen(Perm.CASE_VIEW)
def person_graph(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(actor=request.user, person_id=person_id, audit=False)
    return _graph_page(
        request,
        title=_("Các mối tiếp xúc quanh %(p)s") % {"p": person.full_name},
        back=reverse("web:person", args=[person.pk]),
        back_label=person.full_name,
        base=reverse("web:person", args=[person.pk]),
    )


def _hops(request: HttpRequest) -> int:
    value = request.GET.get("hops", "")
    return int(value) if value.isdigit() else 2


@screen(Perm.CASE_VIEW)
def person_graph_json(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(actor=request.user, person_id=person_id, audit=False)
    start, end = _window(request)
    return _graph_json(
        graph.person_graph(actor=request.user, person=person, hops=_hops(request), date_from=start, date_to=end)
    )


@screen(Perm.CASE_VIEW)
def person_graph_csv(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(actor=request.user, person_id=person_id, audit=False)
    start, end = _window(request)
    payload = graph.person_graph(actor=request.user, person=person, hops=_hops(request), date_from=start, date_to=end)
    return _graph_csv(request, payload, obj=person, filename=f"tiep-xuc-{person.pk}")
