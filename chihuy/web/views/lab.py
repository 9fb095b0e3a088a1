"""Phòng xét nghiệm: the lab's own screens — its home (boxes on the road, the queue of tubes received and
waiting for a result, overdue first, hours left against the target), receiving a box by scanning, one result by
form, a result file with its job page and row report (errors exportable to Excel for correction) — and the
turnaround dashboard of the area (median, 95th percentile, share within target, backlog, clearance, the
overdue tubes). Results go through `chihuy.response.labs` (an individual positive becomes an F0 at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm
from chihuy.accounts.roles import Perm
from chihuy.accounts.selectors import job_get
from chihuy.cases.selectors import case_visible_qs
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import Job
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.labs import policies, selectors
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result, SampleStatus, ShipmentStatus
from chihuy.labs.models import Lab, Sample, Shipment
from chihuy.response import labs as response
from chihuy.web.forms import StyledForm, UploadForm
from chihuy.web.views._common import scope, screen

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
TEMPLATE_COLUMNS = ["ma_mau", "ket_qua", "so_mau_gop", "ct_e", "ct_n", "ct_rdrp", "ct_orf1ab", "ghi_chu"]
RESULT_CHOICES = [
    (Result.POSITIVE, gettext_lazy("Dương tính")),
    (Result.NEGATIVE, gettext_lazy("Âm tính")),
    (Result.INCONCLUSIVE, gettext_lazy("Không xác định")),
]
OVERDUE_HEADERS = [
    gettext_lazy("mã mẫu"),
    gettext_lazy("loại"),
    gettext_lazy("số người"),
    gettext_lazy("đơn vị lấy mẫu"),
    gettext_lazy("đợt lấy mẫu"),
    gettext_lazy("phòng xét nghiệm"),
    gettext_lazy("trạng thái"),
    gettext_lazy("lấy lúc"),
    gettext_lazy("hạn trả kết quả"),
    gettext_lazy("số giờ quá hạn"),
]


# --- shared pieces ---------------------------------------------------------------------------------


def _lab(request: HttpRequest, lab_id: int) -> Lab:
    """The lab, for its own technicians (or a lab manager over it); anyone else: not found."""
    lab = selectors.lab_get(actor=request.user, lab_id=lab_id)
    if not selectors.can_work_in_lab(request.user, lab):
        raise Http404
    return lab


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600, 1)


def _clock_of(sample: Sample, now: Any) -> dict[str, Any]:
    """Hours left before the tube's due time (negative: overdue by), for its badge."""
    left = _hours((sample.due_at - now).total_seconds())
    return {"left": left, "late": -left if left < 0 else 0.0, "overdue": left < 0, "soon": 0 <= left < 2}


def _page(qs: Any, request: HttpRequest) -> Any:
    try:
        return keyset_page(qs, order=["due_at", "id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ApplicationError as exc:  # a tampered cursor: the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        return keyset_page(qs, order=["due_at", "id"], cursor=None, limit=PAGE_SIZE)


def _case_links(actor: Any, numbers: list[str]) -> list[dict[str, Any]]:
    """F0 numbers with a link to the case page for those who may open it (a technician sees the number)."""
    found: dict[str, int] = {}
    if numbers and has_perm(actor, Perm.CASE_VIEW):
        found = dict(case_visible_qs(actor).filter(number__in=numbers).values_list("number", "pk"))
    return [{"number": n, "url": reverse("web:case", args=[found[n]]) if n in found else ""} for n in numbers]


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="{filename}"'
    return out


# --- lab home --------------------------------------------------------------------------------------


@screen(Perm.SAMPLE_VIEW)
def lab_home(request: HttpRequest, lab_id: int) -> HttpResponse:
    lab = _lab(request, lab_id)
    now = clock.now()
    queue = selectors.sample_list(
        actor=request.user, lab=lab, status=SampleStatus.RECEIVED, result=Result.PENDING
    ).annotate(people=Count("members"))
    page = _page(queue, request)
    boxes = list(
        selectors.shipment_list(actor=request.user, lab=lab).filter(
            status__in=[ShipmentStatus.IN_TRANSIT, ShipmentStatus.DISCREPANCY]
        )[:100]
    )
    return render(
        request,
        "web/lab/home.html",
        {
            "lab": lab,
            "rows": [(s, _clock_of(s, now)) for s in page.items],
            "page": page,
            "cursor": request.GET.get("cursor"),
            "boxes": boxes,
            "stats": selectors.turnaround_stats(actor=request.user, lab=lab),
            "target": policies.turnaround_hours(),
            "can_work": has_perm(request.user, Perm.LAB_WORK),
        },
    )


# --- receiving a box -------------------------------------------------------------------------------


def _shipment(request: HttpRequest, lab: Lab, shipment_id: int) -> Shipment:
    shipment = selectors.shipment_get(actor=request.user, shipment_id=shipment_id)
    if shipment.lab_id != lab.pk:
        raise Http404
    return shipment


def _normal(raw: str) -> str:
    return "".join(str(raw or "").split()).upper()


def _scan_state(shipment: Shipment, codes: list[str], notice: str = "", notice_css: str = "") -> dict[str, Any]:
    declared = selectors.shipment_tubes(shipment)
    rows = [{"code": c, "expected": c in declared} for c in codes]
    matched = sum(1 for r in rows if r["expected"])
    return {
        "codes": codes,
        "codes_text": "\n".join(codes),
        "rows": list(reversed(rows)),  # the last scanned on top
        "matched": matched,
        "unexpected": len(rows) - matched,
        "missing": max(0, len(declared) - matched),
        "declared": shipment.declared_count,
        "notice": notice,
        "notice_css": notice_css,
    }


@screen(Perm.LAB_WORK)
def lab_receive(request: HttpRequest, lab_id: int, shipment_id: int) -> HttpResponse:
    """GET: the box and the scanner. POST: receive the scanned codes (chihuy.labs.services.shipment_receive)."""
    lab = _lab(request, lab_id)
    shipment = _shipment(request, lab, shipment_id)
    error = ""
    codes = [c for c in (_normal(x) for x in request.POST.get("codes", "").splitlines()) if c]
    if request.method == "POST":
        try:
            lab_services.shipment_receive(
                actor=request.user, shipment=shipment, scanned_codes=codes, note=request.POST.get("note", "")
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
                raise
            error = exc.message
        else:
            return redirect("web:lab_receive", lab_id=lab.pk, shipment_id=shipment.pk)
    return render(
        request,
        "web/lab/receive.html",
        {"lab": lab, "shipment": shipment, "state": _scan_state(shipment, codes), "error": error},
        status=422 if error else 200,
    )


@screen(Perm.LAB_WORK)
def lab_receive_scan(request: HttpRequest, lab_id: int, shipment_id: int) -> HttpResponse:
    """htmx: add a scanned code (or pasted codes) to the running list; duplicates are ignored and said so."""
    lab = _lab(request, lab_id)
    shipment = _shipment(request, lab, shipment_id)
    codes = [c for c in (_normal(x) for x in request.POST.get("codes", "").splitlines()) if c]
    new = [_normal(x) for x in [request.POST.get("scan", ""), *request.POST.get("paste", "").splitlines()]]
    added, repeated = 0, []
    for code in new:
        if not code:
            continue
        if code in codes:
            repeated.append(code)
            continue
        codes.append(code)
        added += 1
    declared = selectors.shipment_tubes(shipment)
    notice, css = "", ""
    if repeated:
        notice, css = _("Đã quét rồi, bỏ qua: %(c)s.") % {"c": ", ".join(repeated[:10])}, "warning"
    elif added == 1 and codes[-1] not in declared:
        notice, css = _("%(c)s không có trong chuyến này.") % {"c": codes[-1]}, "danger"
    elif added:
        notice, css = _("Đã thêm %(n)s mã.") % {"n": added}, "success"
    state = _scan_state(shipment, codes, notice, css)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/lab/_scan_state.html", {"lab": lab, "shipment": shipment, "state": state})
    return render(request, "web/lab/receive.html", {"lab": lab, "shipment": shipment, "state": state, "error": ""})


# --- one result by form ----------------------------------------------------------------------------


def _genes() -> list[str]:
    return [str(g) for g in policies.ct_rule()["genes"]]


class FindForm(StyledForm):
    ma = forms.CharField(label=gettext_lazy("Mã mẫu (quét hoặc gõ)"), max_length=60)


class ResultForm(StyledForm):
    result = forms.ChoiceField(label=gettext_lazy("Kết quả"), choices=RESULT_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=300)

    def __init__(self, *args: Any, genes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.genes = genes
        for gene in genes:
            self.fields[f"ct_{gene.lower()}"] = forms.CharField(
                label=_("Ct gen %(g)s") % {"g": gene},
                required=False,
                max_length=10,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )

    def ct_values(self) -> dict[str, str]:
        return {
            g: self.cleaned_data.get(f"ct_{g.lower()}", "")
            for g in self.genes
            if self.cleaned_data.get(f"ct_{g.lower()}")
        }

    def ct_fields(self) -> list[Any]:
        return [self[f"ct_{g.lower()}"] for g in self.genes]

    def place(self, exc: ApplicationError) -> str:
        """Put the service's error beside its field; an error about the tube itself is returned for the header."""
        details = exc.details if isinstance(exc.details, list) and exc.details else [{}]
        name = str(details[0].get("field") or "")
        message = str(details[0].get("message") or exc.message)
        if name.startswith("ct.") and f"ct_{name[3:].lower()}" in self.fields:
            self.add_error(f"ct_{name[3:].lower()}", message)
        elif name == "result":
            self.add_error("result", message)
        elif name == "ct":
            self.add_error(f"ct_{self.genes[0].lower()}" if self.genes else None, message)
        elif name in ("code", "sample"):
            return message
        else:
            self.add_error(None, message)
        return ""


@screen(Perm.LAB_WORK)
def lab_result(request: HttpRequest, lab_id: int) -> HttpResponse:
    """Find a tube by its code, enter its result and Ct values; the outcome of the last one stays on top."""
    lab = _lab(request, lab_id)
    code = _normal(request.POST.get("ma") or request.GET.get("ma", ""))
    find = FindForm(initial={"ma": code})
    sample: Sample | None = None
    form: ResultForm | None = None
    tube_error = ""
    status = 200
    if code:
        try:
            sample = selectors.sample_get_by_code(actor=request.user, code=code)
        except ApplicationError as exc:
            if exc.code != ErrorCode.NOT_FOUND:
                raise
        if sample is None or sample.lab_id != lab.pk:
            sample = None
            tube_error = _("Không có mẫu %(c)s trong các mẫu gửi đến %(lab)s.") % {"c": code, "lab": lab.name}
            status = 422 if request.method == "POST" else 200
        elif sample.status in (SampleStatus.COLLECTED, SampleStatus.SHIPPED):
            tube_error = _("Mẫu %(c)s chưa được nhận tại phòng xét nghiệm (quét nhận chuyến trước).") % {"c": code}
    if sample is not None and not tube_error:
        form = ResultForm(request.POST if request.method == "POST" else None, genes=_genes())
        if request.method == "POST" and form.is_valid():
            try:
                outcome = response.result_record(
                    actor=request.user,
                    sample=sample,
                    result=form.cleaned_data["result"],
                    ct_values=form.ct_values(),
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                if exc.code == ErrorCode.PERMISSION_DENIED:
                    raise
                tube_error = form.place(exc) or tube_error
                status = 422
            else:
                request.session["lab_last_outcome"] = {
                    "code": outcome.sample.code,
                    "result": outcome.sample.get_result_display(),
                    "positive": outcome.sample.result == Result.POSITIVE,
                    "kind": outcome.sample.kind,
                    "changed": outcome.changed,
                    "cases": outcome.case_numbers,
                    "follow_ups": outcome.follow_ups,
                    "not_confirmed": [str(r.get("message", "")) for r in outcome.not_confirmed],
                }
                return redirect("web:lab_result", lab_id=lab.pk)
        elif request.method == "POST":
            status = 422
    last = request.session.pop("lab_last_outcome", None) if request.method == "GET" and not code else None
    if last:
        last["case_links"] = _case_links(request.user, last.get("cases", []))
    return render(
        request,
        "web/lab/result.html",
        {
            "lab": lab,
            "find": find,
            "code": code,
            "sample": sample,
            "members": selectors.sample_members(sample) if sample is not None else [],
            "form": form,
            "tube_error": tube_error,
            "last": last,
        },
        status=status,
    )


# --- result file -----------------------------------------------------------------------------------


@screen(Perm.LAB_WORK)
def lab_upload(request: HttpRequest, lab_id: int) -> HttpResponse:
    lab = _lab(request, lab_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            job = response.results_import_start(actor=request.user, lab=lab, data=data, filename=upload.name)
        except ApplicationError as exc:
            if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                raise
            form.add_error("file", exc.message)
        else:
            return redirect("web:lab_job", lab_id=lab.pk, job_id=job.pk)
    recent = Job.objects.filter(kind=response.JOB_KIND, created_by_id=request.user.pk, params__lab_id=lab.pk)[:10]
    return render(
        request,
        "web/lab/upload.html",
        {"lab": lab, "form": form, "columns": TEMPLATE_COLUMNS, "recent": list(recent)},
        status=422 if form.errors else 200,
    )


@screen(Perm.LAB_WORK)
def lab_upload_template(request: HttpRequest, lab_id: int) -> HttpResponse:
    _lab(request, lab_id)
    example = [["VD-0001", "âm tính", 5, "", "", "", "", ""], ["VD-0002", "dương tính", 1, 24.5, 26.1, "", "", ""]]
    return _xlsx(write_xlsx(title="Ket qua", headers=TEMPLATE_COLUMNS, rows=example), "mau-ket-qua-xet-nghiem.xlsx")


def _job(request: HttpRequest, lab: Lab, job_id: int) -> Job:
    job = job_get(actor=request.user, job_id=job_id)
    if job.kind != response.JOB_KIND or (job.params or {}).get("lab_id") != lab.pk:
        raise Http404
    return job


@screen(Perm.LAB_WORK)
def lab_job(request: HttpRequest, lab_id: int, job_id: int) -> HttpResponse:
    """The file's job: progress polled by htmx every second until it ends, then the row report."""
    lab = _lab(request, lab_id)
    job = _job(request, lab, job_id)
    report = job.result if isinstance(job.result, dict) and "applied" in job.result else None
    context = {
        "lab": lab,
        "job": job,
        "report": report,
        "case_links": _case_links(request.user, list(report.get("cases", []))) if report else [],
        "file_details": (job.result or {}).get("details", []) if isinstance(job.result, dict) else [],
    }
    template = "web/lab/_job_progress.html" if request.htmx else "web/lab/job.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@screen(Perm.LAB_WORK)
def lab_job_errors_xlsx(request: HttpRequest, lab_id: int, job_id: int) -> HttpResponse:
    """The wrong rows of the file as uploaded, with the reason beside each: corrected, the file goes back up."""
    lab = _lab(request, lab_id)
    job = _job(request, lab, job_id)
    report = job.result if isinstance(job.result, dict) else {}
    reasons: dict[int, list[str]] = {}
    for error in report.get("errors", []):
        reasons.setdefault(int(error["row"]), []).append(f"{error.get('field') or ''}: {error['message']}")
    # The import keeps each wrong row's values as uploaded (the job drops the file itself when it ends).
    originals: dict[int, dict[str, str]] = {}
    for error in report.get("errors", []):
        originals.setdefault(int(error["row"]), error.get("values") or {})
    headers: list[str] = list(report.get("columns") or [])  # the file's order (jsonb keeps no key order)
    for values in originals.values():
        headers += [h for h in values if h and h not in headers]
    rows = [
        [originals[number].get(h, "") for h in headers] + [number, "; ".join(reasons[number])]
        for number in sorted(reasons)
    ]
    body = write_xlsx(title="Dong loi", headers=[*headers, "dong_goc", "loi"], rows=rows)
    return _xlsx(body, f"loi-ket-qua-{job.pk}.xlsx")


# --- turnaround dashboard --------------------------------------------------------------------------


def _overdue_row(sample: Sample, now: Any) -> dict[str, Any]:
    return {"sample": sample, "late": _hours((now - sample.due_at).total_seconds())}


def _breakdowns(request: HttpRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Turnaround per lab that tubes of the area went to, and per campaign of the area still open or recent."""
    within = scope(request) or None
    since = clock.now() - dt.timedelta(days=7)
    lab_ids = set(
        selectors.sample_visible_qs(request.user, within=within)
        .filter(collected_at__gte=since)
        .exclude(lab=None)
        .values_list("lab_id", flat=True)
        .distinct()
    )
    labs = [lab for lab in selectors.lab_list(actor=request.user) if lab.pk in lab_ids]
    per_lab = [
        {"lab": lab, "stats": selectors.turnaround_stats(actor=request.user, lab=lab, within=within)} for lab in labs
    ]
    campaigns = selectors.campaign_list(actor=request.user, within=within).filter(
        planned_on__gte=clock.localdate(since)
    )[:20]
    per_campaign = [
        {"campaign": c, "stats": selectors.turnaround_stats(actor=request.user, campaign=c, within=within)}
        for c in campaigns
    ]
    return per_lab, per_campaign


@screen(Perm.SAMPLE_VIEW)
def turnaround(request: HttpRequest) -> HttpResponse:
    within = scope(request) or None
    now = clock.now()
    overdue = selectors.overdue_list(actor=request.user, within=within).annotate(people=Count("members"))
    page = _page(overdue, request)
    per_lab, per_campaign = _breakdowns(request)
    context = {
        "stats": selectors.turnaround_stats(actor=request.user, within=within),
        "per_lab": per_lab,
        "per_campaign": per_campaign,
        "overdue": [_overdue_row(s, now) for s in page.items],
        "page": page,
        "cursor": request.GET.get("cursor"),
        "now": now,
    }
    template = "web/lab/_turnaround_body.html" if request.htmx else "web/lab/turnaround.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@screen(Perm.SAMPLE_VIEW)
def turnaround_overdue_xlsx(request: HttpRequest) -> HttpResponse:
    within = scope(request) or None
    now = clock.now()
    tubes = selectors.overdue_list(actor=request.user, within=within).annotate(people=Count("members"))[:20000]
    rows = [
        [
            s.code,
            s.get_kind_display(),
            s.people,
            s.unit.name,
            s.campaign.name if s.campaign else "",
            s.lab.name if s.lab else "",
            s.get_status_display(),
            clock.local(s.collected_at).strftime("%d/%m/%Y %H:%M"),
            clock.local(s.due_at).strftime("%d/%m/%Y %H:%M"),
            _hours((now - s.due_at).total_seconds()),
        ]
        for s in tubes
    ]
    body = write_xlsx(title="Mau qua han", headers=[str(h) for h in OVERDUE_HEADERS], rows=rows)
    return _xlsx(body, f"mau-qua-han-{clock.today():%Y%m%d}.xlsx")
