"""Forms of the exposure screens (F1 candidates confirmed or dismissed, a person's check-ins, an on-demand search):
they parse input and carry field errors; the rules live in chihuy.response.exposure and chihuy.tracing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chihuy.core import clock
from chihuy.people.enums import Sex
from chihuy.web.forms import StyledForm, UnitField

MASK_CHOICES = [("", _("Không rõ")), ("1", _("Có")), ("0", _("Không"))]


class ConfirmForm(StyledForm):
    """Confirm an F1 candidate: the person (matched, picked, or new from the scan in a commune/village) and what
    the tracer learnt on the phone — distance, mask, minutes — which the rule in force qualifies."""

    person = forms.IntegerField(label=_("Người đã có"), required=False, min_value=1, widget=forms.HiddenInput)
    unit = UnitField(label=_("Xã / thôn, bản nơi ở (người mới)"), required=False)
    birth_year = forms.IntegerField(label=_("Năm sinh"), required=False, min_value=1900, max_value=2100)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False)
    distance_m = forms.FloatField(
        label=_("Khoảng cách gần nhất (m)"),
        required=False,
        min_value=0,
        help_text=_("Hỏi người đó; để trống nếu không rõ."),
    )
    masked = forms.TypedChoiceField(
        label=_("Đeo khẩu trang"),
        required=False,
        choices=MASK_CHOICES,
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    duration_minutes = forms.IntegerField(label=_("Thời gian tiếp xúc (phút)"), required=False, min_value=0)
    physical_contact = forms.BooleanField(label=_("Tiếp xúc trực tiếp (chạm, chăm sóc)"), required=False)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "unit": data.get("unit"),
            "birth_year": data.get("birth_year"),
            "sex": data.get("sex") or "",
            "distance_m": data.get("distance_m"),
            "masked": data.get("masked"),
            "physical_contact": bool(data.get("physical_contact")),
            "duration_minutes": data.get("duration_minutes"),
            "note": data.get("note") or "",
        }


class DismissForm(StyledForm):
    reason = forms.CharField(
        label=_("Lý do loại"),
        max_length=300,
        help_text=_("vd. khác tầng, nhân viên sau vách kính, quét nhầm"),
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class WindowForm(StyledForm):
    """Two days, by default the last 14."""

    date_from = _date(_("Từ ngày"))
    date_to = _date(_("Đến ngày"))

    @classmethod
    def default(cls, days: int = 14) -> WindowForm:
        today = clock.today()
        return cls(initial={"date_from": today - dt.timedelta(days=days - 1), "date_to": today})
