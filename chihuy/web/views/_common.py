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


# An upload larger than this runs in the worker and the user watches its job page.
BACKGROUND_IMPORT_BYTES = 256 * 1024


def import_upload(
    request: HttpRequest, *, enqueue: Callable[..., Any], run: Callable[..., Any]
) -> tuple[Any, dict[str, Any] | None, HttpResponse | None]:
    """The upload screens' one flow: a large file (or "background" ticked) is queued and the user goes to its job
    page; a small one is imported in the request. Returns (form, report, redirect); a file-level error goes beside
    the file field, a missing right stays a 403."""
    from django.shortcuts import redirect

    from chihuy.web.forms import UploadForm

    if request.method != "POST":
        return UploadForm(), None, None
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None, None
    upload = form.cleaned_data["file"]
    data = upload.read()
    values = {"actor": request.user, "within": scope(request), "data": data, "filename": upload.name}
    try:
        if len(data) > BACKGROUND_IMPORT_BYTES or request.POST.get("background"):
            job = enqueue(**values)
            return form, None, redirect("web:job", job_id=job.pk)
        return form, run(**values).as_dict(), None
    except ApplicationError as exc:
        if exc.code == ErrorCode.PERMISSION_DENIED:
            raise
        form.add_error("file", exc.message)
        return form, None, None
