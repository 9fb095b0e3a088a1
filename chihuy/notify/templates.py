"""Message templates: each app registers its own (code, subject, body) at import of its `notifications.py`.

Django template syntax rendered as plain text (no HTML escaping: SMS, Zalo and email bodies are text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template
from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError, ErrorCode

_engine = Engine(autoescape=False)


@dataclass(frozen=True)
class MessageTemplate:
    code: str
    subject: Template
    body: Template


_registry: dict[str, MessageTemplate] = {}


def register(code: str, *, subject: str, body: str) -> None:
    """Register (or replace, on module reload) the template `code`; compiled once."""
    _registry[code] = MessageTemplate(code=code, subject=_engine.from_string(subject), body=_engine.from_string(body))


def is_registered(code: str) -> bool:
    return code in _registry


def render(code: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of template `code`; an unknown code is a programming error reported as one."""
    try:
        template = _registry[code]
    except KeyError:
        raise ApplicationError(ErrorCode.VALIDATION, _("Chưa đăng ký mẫu tin “%(code)s”.") % {"code": code}) from None
    ctx = Context(context, autoescape=False)
    subject = " ".join(template.subject.render(ctx).split())
    return subject[:300], template.body.render(ctx).strip()


# The notify app's own templates.
register(
    "notify.broadcast",
    subject="{% if urgent %}[KHẨN] {% endif %}{{ title }}",
    body="{{ body }}\n\n— {{ sender_unit }}. Xác nhận đã nhận: {{ ack_url }}",
)
