"""The public page's abuse guard, without a captcha (a commune's citizens on old phones must get through):

1. a honeypot field that people never see and form-filling robots fill in;
2. a signed "form issued at" stamp: a submission sooner than `min_seconds` after the form was issued (no person
   types that fast) or later than `max_age_seconds` (a replayed old form) is refused;
3. rate limits per phone and per IP an hour, from the policy `ticket.public_rate_limit`.

The limits count the tickets themselves in the database (`received_at`, `caller_phone`, `source_ip`, both
indexed), not a cache: Django's default cache is per process, so under several gunicorn workers a cache counter
would let each worker accept its own quota; the database is shared by every worker and needs no new service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from chihuy.command.models import Ticket
from chihuy.command.tickets.enums import TicketChannel
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get

_SALT = "chihuy.command.ticket-public-form"
RATE_LIMITED = "rate_limited"
DEFAULT_LIMITS = {"per_phone_per_hour": 5, "per_ip_per_hour": 20, "min_seconds": 3, "max_age_seconds": 7200}


class RateLimited(ApplicationError):
    """Too many submissions: HTTP 429."""

    def __init__(self, message: str):
        super().__init__(RATE_LIMITED, message)

    @property
    def http_status(self) -> int:
        return 429


def limits() -> dict[str, Any]:
    return {**DEFAULT_LIMITS, **policy_get("ticket.public_rate_limit", default={})}


def form_token() -> str:
    """The signed issue time put in a hidden field of the form."""
    return signing.dumps({"t": clock.now().timestamp()}, salt=_SALT, compress=True)


def _check_token(token: str, rules: dict[str, Any]) -> None:
    try:
        issued = float(signing.loads(token or "", salt=_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ApplicationError.field(
            "form_token", _("Biểu mẫu không hợp lệ. Vui lòng tải lại trang và gửi lại.")
        ) from exc
    age = clock.now().timestamp() - issued
    if age < float(rules["min_seconds"]):
        raise ApplicationError.field(
            "form_token", _("Biểu mẫu được gửi quá nhanh. Vui lòng kiểm tra lại nội dung rồi gửi lại.")
        )
    if age > float(rules["max_age_seconds"]):
        raise ApplicationError.field(
            "form_token", _("Biểu mẫu đã mở quá lâu. Vui lòng tải lại trang và gửi lại."), ErrorCode.VALIDATION
        )


def public_guard_check(*, token: str, honeypot: str, ip: str | None, phone: str) -> None:
    """Raise if the submission looks automated or exceeds a limit; `phone` is already normalised."""
    rules = limits()
    if honeypot.strip():
        # Said plainly but without detail: a robot learns nothing from it, a person never sees the field.
        message = _("Không gửi được phản ánh. Vui lòng gọi đường dây nóng.")
        raise ApplicationError(ErrorCode.VALIDATION, message, [{"field": "", "message": message}])
    _check_token(token, rules)
    since = clock.now() - dt.timedelta(hours=1)
    recent = Ticket.objects.filter(channel=TicketChannel.PUBLIC, received_at__gte=since)
    if phone and recent.filter(caller_phone=phone).count() >= int(rules["per_phone_per_hour"]):
        raise RateLimited(
            _(
                "Số điện thoại này đã gửi %(n)s phản ánh trong một giờ qua. Vui lòng chờ hoặc gọi đường dây nóng "
                "để được hỗ trợ ngay."
            )
            % {"n": rules["per_phone_per_hour"]}
        )
    if ip and recent.filter(source_ip=ip).count() >= int(rules["per_ip_per_hour"]):
        raise RateLimited(
            _("Có quá nhiều phản ánh gửi từ mạng này trong một giờ qua. Vui lòng thử lại sau hoặc gọi đường dây nóng.")
        )
