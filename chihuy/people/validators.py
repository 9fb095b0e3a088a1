"""Vietnamese identity numbers and phone numbers: validate and normalise."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError

# Province codes used in the first three digits of a 12-digit CCCD (Thông tư 07/2016/TT-BCA, 59/2021).
CCCD_PROVINCES = {
    1,
    2,
    4,
    6,
    8,
    10,
    11,
    12,
    14,
    15,
    17,
    19,
    20,
    22,
    24,
    25,
    26,
    27,
    30,
    31,
    33,
    34,
    35,
    36,
    37,
    38,
    40,
    42,
    44,
    45,
    46,
    48,
    49,
    51,
    52,
    54,
    56,
    58,
    60,
    62,
    64,
    66,
    67,
    68,
    70,
    72,
    74,
    75,
    77,
    79,
    80,
    82,
    83,
    84,
    86,
    87,
    89,
    91,
    92,
    93,
    94,
    95,
    96,
}
_DIGITS = re.compile(r"\d+")


def normalize_national_id(value: str, *, birth_year: int | None = None, sex: str | None = None) -> str:
    """A CMND (9 digits) or CCCD (12 digits). For a CCCD the province code must exist and the
    century/sex digit must agree with the birth year and sex when those are known."""
    raw = re.sub(r"[\s.\-]", "", value or "")
    if not raw:
        return ""
    if not raw.isdigit():
        raise ApplicationError.field("national_id", _("Số CCCD/CMND chỉ gồm chữ số."))
    if len(raw) not in (9, 12):
        raise ApplicationError.field(
            "national_id", _("Số CCCD phải có 12 chữ số, CMND 9 chữ số (nhận được %(n)s).") % {"n": len(raw)}
        )
    if len(raw) == 12:
        if int(raw[:3]) not in CCCD_PROVINCES:
            raise ApplicationError.field("national_id", _("3 số đầu của CCCD không phải mã tỉnh hợp lệ."))
        digit = int(raw[3])
        century = 1900 + 100 * (digit // 2)
        id_sex = "M" if digit % 2 == 0 else "F"
        id_year = century + int(raw[4:6])
        if birth_year is not None and birth_year != id_year:
            raise ApplicationError.field(
                "national_id",
                _("CCCD cho năm sinh %(id)s, khác năm sinh đã nhập (%(given)s).")
                % {"id": id_year, "given": birth_year},
            )
        if sex in ("M", "F") and sex != id_sex:
            raise ApplicationError.field("national_id", _("CCCD không khớp giới tính đã nhập."))
    return raw


_MOBILE_PREFIXES = ("03", "05", "07", "08", "09")


def normalize_phone(value: str) -> str:
    """Vietnamese phone numbers to the 0-prefixed national form: "+84 912 345 678" → "0912345678"."""
    if not value or not value.strip():
        return ""
    digits = "".join(_DIGITS.findall(value))
    if value.strip().startswith("+") and not digits.startswith("84"):
        raise ApplicationError.field("phone", _("Chỉ nhận số điện thoại Việt Nam (+84)."))
    if digits.startswith("0084"):  # the international dialling prefix written out
        digits = digits[2:]
    if digits.startswith("84") and len(digits) in (11, 12, 13):
        # "+84 (0) 912 …": the national trunk 0 is often kept after the country code.
        digits = digits[2:] if digits[2] == "0" else "0" + digits[2:]
    elif not digits.startswith("0") and len(digits) == 9:
        digits = "0" + digits
    if len(digits) == 10 and digits.startswith(_MOBILE_PREFIXES):
        return digits
    if len(digits) == 11 and digits.startswith("02"):
        return digits  # landline with area code
    raise ApplicationError.field(
        "phone",
        _(
            "Số điện thoại “%(v)s” không hợp lệ: di động 10 số bắt đầu bằng 03, 05, 07, 08, 09; "
            "cố định 11 số bắt đầu bằng 02."
        )
        % {"v": value.strip()},
    )
