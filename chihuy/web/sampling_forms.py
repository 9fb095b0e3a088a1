"""Forms of the field testing screens: plan a campaign, take a tube, record a rapid test, ship tubes. They parse;
the rules (pool sizes in force, kinds, dates, codes) live in chihuy.labs.services and chihuy.response.labs."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chihuy.labs.enums import CampaignKind, Result, TestMethod
from chihuy.web.forms import StyledForm, UnitField

_ID_SPLIT = re.compile(r"[\s,;]+")


def lines(text: str) -> list[str]:
    """One team or site per line; blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_ids(text: str, *, field_label: str = "") -> list[int]:
    """Person ids pasted from a list ("12, 15 #18"): every token must be a number."""
    ids: list[int] = []
    bad: list[str] = []
    for token in _ID_SPLIT.split(text or ""):
        token = token.strip().lstrip("#")
        if not token:
            continue
        if token.isdigit() and int(token) > 0:
            if int(token) not in ids:
                ids.append(int(token))
        else:
            bad.append(token[:20])
    if bad:
        raise ValidationError(_("Mã người không hợp lệ: %(b)s.") % {"b": ", ".join(bad[:10])})
    return ids


class IdListField(forms.CharField):
    """A textarea of person ids; cleans to a list of ints (empty list when blank)."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        return parse_ids(text)


class CampaignForm(StyledForm):
    name = forms.CharField(label=_("Tên đợt lấy mẫu"), max_length=200)
    kind = forms.ChoiceField(label=_("Loại đợt"), choices=CampaignKind.choices, initial=CampaignKind.VILLAGE)
    unit = UnitField(label=_("Địa bàn (thôn, bản hoặc xã)"), required=False)
    planned_on = forms.DateField(
        label=_("Ngày lấy mẫu"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pool_size = forms.TypedChoiceField(label=_("Số mẫu gộp mỗi ống"), coerce=int)
    test_method = forms.ChoiceField(label=_("Loại xét nghiệm"), choices=TestMethod.choices, initial=TestMethod.RT_PCR)
    lab = forms.TypedChoiceField(label=_("Phòng xét nghiệm nhận mẫu"), required=False, coerce=int, empty_value=None)
    teams = forms.CharField(
        label=_("Tổ lấy mẫu (mỗi dòng một tổ)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sites = forms.CharField(
        label=_("Điểm lấy mẫu (mỗi dòng một điểm)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    person_ids = IdListField(
        label=_("Danh sách người (mã người, cách nhau bởi dấu phẩy hoặc xuống dòng)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "12, 15, 18"}),
    )
    cluster = forms.TypedChoiceField(
        label=_("Hoặc: toàn bộ F1 của ổ dịch"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, units: list[Any], pool_sizes: list[int], labs: list[Any], clusters: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)
        pool: Any = self.fields["pool_size"]
        pool.choices = [(s, _("Mẫu đơn") if s == 1 else _("Gộp %(n)s") % {"n": s}) for s in pool_sizes]
        lab_field: Any = self.fields["lab"]
        lab_field.choices = [("", "—"), *[(lab.pk, lab.name) for lab in labs]]
        cluster_field: Any = self.fields["cluster"]
        cluster_field.choices = [("", "—"), *[(c.pk, f"{c.name} · {c.unit.name}") for c in clusters]]
        if not clusters:
            del self.fields["cluster"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if data.get("cluster") and kind != CampaignKind.LIST:
            self.add_error("cluster", _("Chọn ổ dịch chỉ với loại “Danh sách”."))
        elif data.get("cluster") and data.get("person_ids"):
            self.add_error("person_ids", _("Chọn ổ dịch hoặc nhập danh sách, không cả hai."))
        elif not data.get("cluster") and data.get("unit") is None and "unit" not in self.errors:
            self.add_error("unit", _("Chọn địa bàn của đợt lấy mẫu."))
        return data


class TakeForm(StyledForm):
    code = forms.CharField(label=_("Mã ống"), max_length=60)
    person_ids = forms.CharField(required=False, widget=forms.HiddenInput)
    team = forms.CharField(label=_("Tổ"), required=False, max_length=100)
    site = forms.CharField(label=_("Điểm lấy mẫu"), required=False, max_length=200)

    def __init__(self, *args: Any, teams: list[str] = (), sites: list[str] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        code = self.fields["code"].widget
        code.attrs.update(
            {
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "done",
                "placeholder": _("Quét hoặc nhập mã ống rồi Enter"),
            }
        )
        if teams:
            self.fields["team"] = forms.ChoiceField(
                label=_("Tổ"), required=False, choices=[("", "—"), *[(t, t) for t in teams]]
            )
        if sites:
            self.fields["site"] = forms.ChoiceField(
                label=_("Điểm lấy mẫu"), required=False, choices=[("", "—"), *[(s, s) for s in sites]]
            )
        self.style()

    def person_list(self, raw: list[str]) -> list[int]:
        """The people of the tube, as the screen posts them (one `person_ids` value each)."""
        ids: list[int] = []
        for value in raw:
            for token in _ID_SPLIT.split(value or ""):
                if token.isdigit():
                    ids.append(int(token))
        return ids


class RapidForm(StyledForm):
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    result = forms.ChoiceField(
        label=_("Kết quả test nhanh"),
        choices=[(r.value, r.label) for r in (Result.POSITIVE, Result.NEGATIVE, Result.INCONCLUSIVE)],
        widget=forms.RadioSelect,
    )
    campaign = forms.TypedChoiceField(label=_("Đợt test nhanh (nếu có)"), required=False, coerce=int, empty_value=None)
    code = forms.CharField(label=_("Mã que test (nếu có)"), required=False, max_length=40)

    def __init__(self, *args: Any, campaigns: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["campaign"]
        field.choices = [("", "—"), *[(c.pk, f"{c.code} · {c.name}") for c in campaigns]]

    def clean_person(self) -> Any:
        value = self.cleaned_data.get("person")
        if not value:
            raise ValidationError(_("Tìm và chọn người được test."))
        return value


class FollowUpTakeForm(StyledForm):
    code = forms.CharField(label=_("Mã ống"), max_length=60)


class ShipmentForm(StyledForm):
    lab = forms.TypedChoiceField(label=_("Gửi đến phòng xét nghiệm"), coerce=int, empty_value=None)
    codes = forms.CharField(
        label=_("Mã các ống (quét hoặc dán, mỗi dòng một mã)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "autocapitalize": "characters", "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)

    def __init__(self, *args: Any, labs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["lab"]
        field.choices = [("", "—"), *[(lab.pk, lab.name) for lab in labs]]
