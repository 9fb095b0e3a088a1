"""The NinjaAPI instance: authentication, error mapping to `{code, message, details}`, routers."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from chihuy.accounts.api import router as accounts_router
from chihuy.api.audit import router as audit_router
from chihuy.api.auth import AUTH
from chihuy.api.cases import router as cases_router
from chihuy.api.cases.imports import router as case_imports_router
from chihuy.api.isolation import router as isolation_router
from chihuy.api.jobs import router as jobs_router
from chihuy.api.labs import router as labs_router
from chihuy.api.reports import router as reports_router
from chihuy.api.tickets import router as tickets_router
from chihuy.api.tracing import router as tracing_router
from chihuy.api.units import router as places_router
from chihuy.api.vaccination import router as vaccination_router
from chihuy.command.api import router as command_router
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.notify.api import router as notify_router
from chihuy.people.api import router as people_router

api = NinjaAPI(
    title="ChiHuy API",
    version="1",
    description="API của hệ thống Trung tâm Chỉ huy phòng, chống dịch. Mọi bản ghi cá nhân giới hạn theo địa bàn "
    "của người dùng; bản ghi ngoài địa bàn trả về 404.",
    auth=AUTH,
    docs_url="/docs",
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details or []}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.http_status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", [])]
        details.append({"field": ".".join(loc), "message": err.get("msg", "")})
    first = details[0] if details else {"field": "", "message": ""}
    message = _("Dữ liệu không hợp lệ ở “%(field)s”: %(msg)s") % {
        "field": first["field"],
        "msg": first["message"],
    }
    return _error(request, 422, ErrorCode.VALIDATION, message, details)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, ErrorCode.NOT_AUTHENTICATED, _("Chưa đăng nhập hoặc khóa API không hợp lệ."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, ErrorCode.NOT_FOUND, _("Không tìm thấy."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/units", places_router)
api.add_router("/people", people_router)
api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/jobs", jobs_router)
api.add_router("/cases", cases_router)
api.add_router("/case-imports", case_imports_router)
api.add_router("/command", command_router)
api.add_router("/command/tickets", tickets_router)
api.add_router("/notify", notify_router)
api.add_router("/labs", labs_router)
api.add_router("/isolation", isolation_router)
api.add_router("/tracing", tracing_router)
api.add_router("/vaccination", vaccination_router)
api.add_router("/reports", reports_router)
