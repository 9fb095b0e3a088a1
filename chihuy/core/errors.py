"""One application error for every layer: a code, a Vietnamese message, and details with field paths.

The API maps it to `{code, message, details}` with the HTTP status of its code; forms show the
message beside the field named in details.
"""

from __future__ import annotations

from typing import Any


class ErrorCode:
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    DUPLICATE_CANDIDATES = "duplicate_candidates"
    UPLOAD_TOO_LARGE = "upload_too_large"
    BAD_FILE = "bad_file"
    NOT_AUTHENTICATED = "not_authenticated"


HTTP_STATUS = {
    ErrorCode.VALIDATION: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.DUPLICATE_CANDIDATES: 409,
    ErrorCode.UPLOAD_TOO_LARGE: 413,
    ErrorCode.BAD_FILE: 422,
    ErrorCode.NOT_AUTHENTICATED: 401,
}


class ApplicationError(Exception):
    def __init__(self, code: str, message: str, details: list[dict[str, Any]] | dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details if details is not None else []

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}

    @classmethod
    def field(cls, field: str, message: str, code: str = ErrorCode.VALIDATION) -> ApplicationError:
        return cls(code, message, [{"field": field, "message": str(message)}])


def not_found(what: str = "") -> ApplicationError:
    from django.utils.translation import gettext as _

    return ApplicationError(ErrorCode.NOT_FOUND, what or _("Không tìm thấy."))


def not_found_on(exc: ApplicationError, field: str, message: str) -> ApplicationError:
    """A "not found" raised by a selector, told on the request's field that named the record (e.g. `bed_id`);
    any other error unchanged."""
    if exc.code != ErrorCode.NOT_FOUND:
        return exc
    return ApplicationError.field(field, message, ErrorCode.NOT_FOUND)


def from_django_validation(exc: Any) -> ApplicationError:
    """Turn a django ValidationError (from full_clean) into an ApplicationError with field paths."""
    from django.utils.translation import gettext as _

    details: list[dict[str, Any]] = []
    if hasattr(exc, "message_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                details.append({"field": "" if field == "__all__" else field, "message": str(message)})
    else:
        details = [{"field": "", "message": str(m)} for m in exc.messages]
    first = details[0]["message"] if details else _("Dữ liệu không hợp lệ.")
    return ApplicationError(ErrorCode.VALIDATION, first, details)


def save_validated(obj: Any, *, exclude: list[str] | None = None) -> None:
    """full_clean() then save(): the services' one way to write a model, a ValidationError becoming an
    ApplicationError with field paths. `exclude`: fields the service has already checked (e.g. foreign keys it
    just loaded), to spare their per-field queries."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    obj.save()
