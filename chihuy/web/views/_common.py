"""What every web view shares: login, ApplicationError → 404/403, permission checks, safe redirects."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from chihuy.accounts.access import has_perm
from chihuy.core.errors import ApplicationError, ErrorCode

View = Callable[..., HttpResponse]


def http_error(exc: ApplicationError) -> Exception:
    """A record outside the jurisdiction is "not found", like a missing one; a missing right is 403."""
    if exc.code == ErrorCode.NOT_FOUND:
        return Http404(exc.message)
    if exc.code == ErrorCode.PERMISSION_DENIED:
        return PermissionDenied(exc.message)
    return exc


def screen(perm: str | None = None) -> Callable[[View], View]:
    """Login required; `perm` (if any) or 403; not_found/permission_denied escaping the view become 404/403."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if perm is not None and not has_perm(request.user, perm):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as exc:
                raise http_error(exc) from exc

        return login_required(wrapped)

    return decorate


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def scope(request: HttpRequest) -> str:
    return str(getattr(request, "scope_path", "") or "")
