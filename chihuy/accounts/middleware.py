"""Per-request context: the narrowed view (unit switcher) and the audit context (IP, channel)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from chihuy.accounts.access import view_path
from chihuy.core.audit import audit_context

SCOPE_SESSION_KEY = "chihuy_scope_path"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        narrowed = request.session.get(SCOPE_SESSION_KEY) if hasattr(request, "session") else None
        request.scope_path = view_path(user, narrowed)  # type: ignore[attr-defined]
        channel = "api" if request.path.startswith("/api/") else "web"
        with audit_context(ip_address=client_ip(request), channel=channel):
            return self.get_response(request)
