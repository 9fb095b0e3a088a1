"""Password rule beyond Django's: letters, digits and a symbol or upper-case letter."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        has_other = any(c.isupper() for c in password) or any(not c.isalnum() for c in password)
        if not (has_letter and has_digit and has_other):
            raise ValidationError(
                _("Mật khẩu phải có chữ cái, chữ số và ít nhất một chữ in hoa hoặc ký tự đặc biệt."),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có chữ cái, chữ số và ít nhất một chữ in hoa hoặc ký tự đặc biệt.")
