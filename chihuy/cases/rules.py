"""The Ministry's rules as they apply to one case or one exposure, read from the policy in force.

Pure functions over policy values: the infectious window of an F0 and whether an exposure makes a contact
an F1 (11042/BYT-DP; before 29/12/2021 household members and co-travellers were F1 automatically).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from chihuy.cases.enums import Setting
from chihuy.core.models import Policy
from chihuy.core.policies import policy_get, policy_row


def infectious_window(
    *, onset_date: dt.date | None, sample_date: dt.date | None, negative_on: dt.date | None = None
) -> tuple[dt.date, dt.date | None]:
    """From N days (policy) before symptom onset, or before the positive sample if asymptomatic, until the
    first negative test (or Ct above the threshold), if known."""
    start = onset_date or sample_date
    if start is None:
        raise ValueError("onset_date or sample_date is required")
    rule = policy_get("f0.infectious_window", on=start)
    begin = start - dt.timedelta(days=int(rule["days_before_onset_or_sample"]))
    return begin, negative_on


@dataclass(frozen=True)
class Qualification:
    qualifies: bool
    reason: str
    rule_source: str


@dataclass(frozen=True)
class Exposure:
    setting: str
    exposure_at: dt.datetime
    duration_minutes: int | None
    distance_m: float | None
    masked: bool | None
    physical_contact: bool


def qualify_contact(
    exposure: Exposure, *, source_is_f0: bool, window: tuple[dt.date, dt.date | None] | None
) -> Qualification:
    """Does this exposure make the contact an F1 of the source (or F(n+1) of an F(n))? The rule is the one
    in force on the exposure date; the reason names the criterion met or missed, in Vietnamese."""
    day = exposure.exposure_at.date()
    row: Policy | None = policy_row("contact.f1_rule", on=day)
    if row is None:
        return Qualification(False, _("Chưa có quy định F1 hiệu lực ngày %(d)s.") % {"d": _d(day)}, "")
    rule = row.value
    source = row.source_document
    if source_is_f0 and window is not None:
        begin, end = window
        if day < begin or (end is not None and day > end):
            return Qualification(
                False,
                _("Tiếp xúc ngày %(d)s ngoài thời kỳ lây truyền của F0 (%(b)s – %(e)s).")
                % {"d": _d(day), "b": _d(begin), "e": _d(end) if end else _("nay")},
                source,
            )
    if exposure.physical_contact:
        return Qualification(True, _("Tiếp xúc trực tiếp (chạm, bắt tay, chăm sóc) — %(s)s.") % {"s": source}, source)
    if exposure.setting == Setting.HOUSEHOLD and rule.get("household_automatic"):
        return Qualification(True, _("Sống cùng hộ gia đình: F1 theo quy định lúc đó — %(s)s.") % {"s": source}, source)
    if exposure.setting == Setting.VEHICLE and rule.get("co_traveller_automatic"):
        return Qualification(True, _("Đi cùng phương tiện: F1 theo quy định lúc đó — %(s)s.") % {"s": source}, source)
    limit = float(rule["distance_m"])
    if exposure.distance_m is None:
        return Qualification(
            False,
            _("Chưa ghi khoảng cách tiếp xúc; chưa xác định được F1 (ngưỡng %(m)s m).") % {"m": _n(limit)},
            source,
        )
    if exposure.distance_m > limit:
        return Qualification(
            False,
            _("Khoảng cách %(d)s m lớn hơn %(m)s m — %(s)s.")
            % {"d": _n(exposure.distance_m), "m": _n(limit), "s": source},
            source,
        )
    if exposure.masked is False:
        return Qualification(
            True,
            _("Không đeo khẩu trang, trong vòng %(m)s m — %(s)s.") % {"m": _n(limit), "s": source},
            source,
        )
    minutes = int(rule["masked_min_minutes"])
    if exposure.duration_minutes is not None and exposure.duration_minutes >= minutes:
        return Qualification(
            True,
            _("Có khẩu trang, trong vòng %(m)s m, %(t)s phút (≥ %(min)s phút) — %(s)s.")
            % {"m": _n(limit), "t": exposure.duration_minutes, "min": minutes, "s": source},
            source,
        )
    if exposure.duration_minutes is None:
        return Qualification(
            False,
            _("Có khẩu trang trong vòng %(m)s m nhưng chưa ghi thời gian (cần ≥ %(min)s phút).")
            % {"m": _n(limit), "min": minutes},
            source,
        )
    return Qualification(
        False,
        _("Có khẩu trang, %(t)s phút (< %(min)s phút) — %(s)s.")
        % {"t": exposure.duration_minutes, "min": minutes, "s": source},
        source,
    )


def max_level(on: dt.date | None = None) -> int:
    return int(policy_get("contact.max_level", on=on, default={"max_level": 3})["max_level"])


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _n(value: float) -> str:
    return f"{value:g}".replace(".", ",")
