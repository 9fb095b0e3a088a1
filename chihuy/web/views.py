"""Web views: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {})


@login_required
def pending(request: HttpRequest, area: str) -> HttpResponse:
    return render(request, "web/pending.html", {"area": area})


def scope_switch(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


people = units = audit = users = scope_switch
_: Any = None
