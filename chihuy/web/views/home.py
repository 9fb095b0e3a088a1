"""Tổng quan (the user's unit, roles, people in view) and the unit switcher."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction
from chihuy.accounts.middleware import SCOPE_SESSION_KEY
from chihuy.accounts.roles import Perm
from chihuy.people.selectors import person_count
from chihuy.places.selectors import unit_get
from chihuy.web.context_processors import AREAS
from chihuy.web.views._common import safe_next, scope, screen


@screen()
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    people, capped = (
        person_count(actor=user, within=scope(request)) if has_perm(user, Perm.PERSON_VIEW) else (None, False)
    )
    scope_unit = unit_get(path=scope(request)) if scope(request) and scope(request) != user.unit_path else None
    areas = [a for a in AREAS if a["url"] and a["key"] != "home"]
    return render(
        request,
        "web/home.html",
        {
            "people_count": people,
            "people_count_capped": capped,
            "scope_unit": scope_unit,
            "areas": [{**a, "href": reverse(a["url"])} for a in areas],
        },
    )


@screen()
def pending(request: HttpRequest, area: str) -> HttpResponse:
    return render(request, "web/pending.html", {"area": area})


@require_POST
@screen()
def scope_switch(request: HttpRequest) -> HttpResponse:
    path = request.POST.get("path", "")
    if not in_jurisdiction(request.user, path):
        raise Http404
    unit = unit_get(path=path)
    request.session[SCOPE_SESSION_KEY] = unit.path
    return redirect(safe_next(request, reverse("web:home")))
