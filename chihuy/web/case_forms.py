"""Forms of the 5S screens (F0 report, contacts, tracing, itinerary, notices): they parse input and carry
field errors; the rules live in chihuy.cases.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chihuy.cases.enums import (
    CaseStatus,
    ClinicalState,
    DetectionWay,
    RuleOutReason,
    Setting,
    TestType,
    TraceStatus,
)
from chihuy.core import clock
from chihuy.core.errors import ApplicationError
from chihuy.people.enums import Sex
from chihuy.web.forms import StyledForm, UnitField, apply_error

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def apply_renamed(form: forms.Form, exc: ApplicationError, rename: dict[str, str]) -> None:
    """`apply_error` after renaming the service's field names to the form's (source_case_ids → source_numbers)."""
    details = exc.details if isinstance(exc.details, list) else []
    renamed = [
        {**d, "field": rename.get(str(d.get("field") or ""), d.get("field"))} for d in details if isinstance(d, dict)
    ]
    apply_error(form, ApplicationError(exc.code, exc.message, renamed))


class PickOrNewPersonForm(StyledForm):
    """Either an existing person (`person`, an id picked from the search) or the fields of a new one."""

    person = forms.IntegerField(label=_("Người đã có"), required=False, min_value=1, widget=forms.HiddenInput)
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150)
    birth_year = forms.IntegerField(label=_("Năm sinh"), required=False)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20)
    national_id = forms.CharField(label=_("Số CCCD/CMND"), required=False, max_length=20)
    unit = UnitField(label=_("Xã / thôn, bản nơi ở"), required=False)
    address_text = forms.CharField(label=_("Địa chỉ"), required=False, max_length=300)

    PERSON_FIELDS = ["full_name", "birth_year", "sex", "phone", "national_id", "unit", "address_text"]

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person") and not (data.get("full_name") or "").strip():
            self.add_error("person", _("Chọn một người đã có, hoặc nhập họ tên người mới."))
        return data

    def person_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.PERSON_FIELDS}
        for key in ("full_name", "phone", "national_id", "address_text"):
            values[key] = values[key] or ""
        values["sex"] = values["sex"] or Sex.UNKNOWN
        return values


class CaseReportForm(PickOrNewPersonForm):
    detection_way = forms.ChoiceField(label=_("Hình thức phát hiện"), choices=DetectionWay.choices)
    detected_at = datetime_field(_("Thời điểm có kết quả dương tính"))
    sample_date = date_field(_("Ngày lấy mẫu"))
    onset_date = date_field(_("Ngày khởi phát triệu chứng"))
    asymptomatic = forms.BooleanField(label=_("Không triệu chứng"), required=False)
    test_type = forms.ChoiceField(label=_("Loại xét nghiệm"), choices=TestType.choices, initial=TestType.RT_PCR)
    result_ref = forms.CharField(label=_("Số phiếu kết quả"), required=False, max_length=100)
    ct_value = forms.FloatField(label=_("Giá trị Ct"), required=False)
    place_detected = forms.CharField(label=_("Nơi phát hiện"), required=False, max_length=300)
    source_known = forms.BooleanField(label=_("Đã rõ nguồn lây"), required=False)
    source_numbers = forms.CharField(
        label=_("Lây từ ca (mã ca, cách nhau bởi dấu phẩy)"),
        required=False,
        max_length=300,
        help_text=_("vd. BN12, CH000003"),
    )
    cluster = forms.TypedChoiceField(label=_("Ổ dịch"), required=False, coerce=int, empty_value=None)
    clinical_state = forms.ChoiceField(
        label=_("Tình trạng lâm sàng"), choices=ClinicalState.choices, initial=ClinicalState.MILD
    )
    treatment_place = forms.CharField(label=_("Nơi cách ly, điều trị"), required=False, max_length=300)

    CASE_FIELDS = [
        "detection_way",
        "detected_at",
        "sample_date",
        "onset_date",
        "asymptomatic",
        "test_type",
        "result_ref",
        "ct_value",
        "place_detected",
        "source_known",
        "clinical_state",
        "treatment_place",
    ]

    def __init__(self, *args: Any, units: list[Any], clusters: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, units=units, **kwargs)
        cluster_field: Any = self.fields["cluster"]
        cluster_field.choices = [("", "—"), *[(c.pk, f"{c.name} ({c.unit.name})") for c in clusters]]

    def source_number_list(self) -> list[str]:
        text = self.cleaned_data.get("source_numbers") or ""
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]

    def case_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.CASE_FIELDS}
        for key in ("result_ref", "place_detected", "treatment_place"):
            values[key] = values[key] or ""
        return values


class ContactForm(PickOrNewPersonForm):
    setting = forms.ChoiceField(label=_("Bối cảnh tiếp xúc"), choices=Setting.choices, initial=Setting.HOUSEHOLD)
    relation = forms.CharField(label=_("Quan hệ với người nguồn"), required=False, max_length=100)
    exposure_at = datetime_field(_("Thời điểm tiếp xúc"))
    duration_minutes = forms.IntegerField(label=_("Thời gian (phút)"), required=False, min_value=0)
    distance_m = forms.FloatField(label=_("Khoảng cách (m)"), required=False, min_value=0)
    masked = forms.TypedChoiceField(
        label=_("Đeo khẩu trang"),
        required=False,
        choices=[("", _("Không rõ")), ("1", _("Có")), ("0", _("Không"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    physical_contact = forms.BooleanField(label=_("Tiếp xúc trực tiếp (chạm, chăm sóc)"), required=False)

    EXPOSURE_FIELDS = ["setting", "relation", "exposure_at", "duration_minutes", "distance_m", "masked"]
    EXPOSURE_FIELDS += ["physical_contact"]

    def exposure_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.EXPOSURE_FIELDS}
        values["relation"] = values["relation"] or ""
        return values


class PasteForm(StyledForm):
    text = forms.CharField(
        label=_("Dán danh sách"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "form-control font-monospace"}),
        help_text=_("Chép từ Excel cả dòng tiêu đề (các cột cách nhau bởi dấu Tab)."),
    )
    file = forms.FileField(label=_("Hoặc tải tệp CSV (UTF-8) / Excel (.xlsx)"), required=False)
    default_exposure = datetime_field(_("Thời điểm tiếp xúc cho dòng để trống"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and not data.get("file"):
            self.add_error("text", _("Dán danh sách hoặc chọn một tệp."))
        return data


class TransitionForm(StyledForm):
    to = forms.ChoiceField(choices=[(s, s.label) for s in CaseStatus if s != CaseStatus.ACTIVE])
    rule_out_reason = forms.ChoiceField(
        label=_("Lý do loại trừ"), required=False, choices=[("", "—"), *RuleOutReason.choices]
    )
    died_on = date_field(_("Ngày tử vong"))
    reason = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)


OUTCOMES = [(s.value, s.label) for s in TraceStatus if s != TraceStatus.PENDING]


class AttemptForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Kết quả liên hệ"), choices=OUTCOMES)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)


class ItineraryForm(StyledForm):
    place = forms.CharField(label=_("Địa điểm"), max_length=200)
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=300)
    start_at = datetime_field(_("Từ"))
    end_at = datetime_field(_("Đến"))
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)


class NoticeForm(StyledForm):
    title = forms.CharField(label=_("Tiêu đề"), max_length=200)
    stop_ids = forms.TypedMultipleChoiceField(
        label=_("Các mốc công bố"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    advice = forms.CharField(
        label=_("Khuyến cáo người dân"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_(
            "Người đã đến các địa điểm trên trong khung giờ nêu trên liên hệ ngay trạm y tế xã hoặc gọi đường dây "
            "nóng, tự theo dõi sức khỏe và thực hiện 5K."
        ),
    )

    def __init__(self, *args: Any, stops: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stop_field: Any = self.fields["stop_ids"]
        stop_field.choices = [
            (s.pk, f"{s.place} · {clock.local(s.start_at):%H:%M %d/%m} – {clock.local(s.end_at):%H:%M %d/%m}")
            for s in stops
        ]
