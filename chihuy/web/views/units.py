"""Địa bàn: the unit tree with populations, sites attached to communes, population import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction, require_in_jurisdiction, require_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places import selectors, services
from chihuy.places.enums import AgeBand, UnitLevel
from chihuy.web.forms import SiteForm, UploadForm, apply_error
from chihuy.web.views._common import screen


@screen()
def unit_index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.unit_id:
        return redirect("web:unit", unit_id=user.unit_id)
    return render(request, "web/units/index.html", {"roots": selectors.unit_roots()})


def _unit_page(request: HttpRequest, unit: Any, site_form: SiteForm | None = None, **extra: Any) -> HttpResponse:
    population = selectors.unit_population(unit)
    totals = selectors.unit_children_totals(unit)
    children = [{"unit": c, "total": totals.get(c.pk, 0)} for c in selectors.unit_children(unit)]
    inside = in_jurisdiction(request.user, unit.path)
    can_sites = inside and has_perm(request.user, Perm.SITE_CHANGE)
    by_band: Any = population["bands"]
    bands = [{"label": label, "count": by_band.get(value, 0)} for value, label in AgeBand.choices]
    return render(
        request,
        "web/units/detail.html",
        {
            "unit": unit,
            "ancestors": selectors.unit_ancestors(unit),
            "children": children,
            "population": population,
            "bands": bands,
            "sites": selectors.site_list(within=unit.path),
            "can_sites": can_sites,
            "can_add_site": can_sites and unit.level in (UnitLevel.COMMUNE, UnitLevel.VILLAGE),
            "site_form": site_form or SiteForm(),
            "can_import_population": inside and has_perm(request.user, Perm.POPULATION_IMPORT),
            "upload_form": UploadForm(),
            **extra,
        },
    )


@screen()
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _unit_page(request, selectors.unit_get(unit_id=unit_id))


@require_POST
@screen(Perm.SITE_CHANGE)
def site_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(unit_id=unit_id)
    require_in_jurisdiction(request.user, unit.path)
    form = SiteForm(request.POST)
    if form.is_valid():
        try:
            site = services.site_create(actor=request.user, unit=unit, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã thêm %(name)s.") % {"name": site.name})
            return redirect("web:unit", unit_id=unit.pk)
    return _unit_page(request, unit, site_form=form)


@require_POST
@screen(Perm.SITE_CHANGE)
def site_deactivate(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get(within=user_path(request.user), site_id=site_id)
    services.site_deactivate(actor=request.user, site=site)
    messages.success(request, _("Đã ngừng sử dụng %(name)s.") % {"name": site.name})
    return redirect("web:unit", unit_id=site.unit_id)


@require_POST
@screen(Perm.POPULATION_IMPORT)
def population_import(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(unit_id=unit_id)
    require_in_jurisdiction(request.user, unit.path)
    require_perm(request.user, Perm.POPULATION_IMPORT)
    form = UploadForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.population_import(
                actor=request.user, within=unit, data=upload.read(), filename=upload.name
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise
            form.add_error("file", exc.message)
        else:
            if not report.errors:
                messages.success(request, _("Đã nhập dân số của %(n)s dòng.") % {"n": report.applied_rows})
                return redirect("web:unit", unit_id=unit.pk)
    return _unit_page(request, unit, upload_form=form, population_report=report)
