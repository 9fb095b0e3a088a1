"""Forms of the ticket screens: the hotline operator's fast form, the public page's form, and the small forms
of the ticket page. They parse; the rules live in chihuy.command.tickets.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chihuy.command.tickets.enums import TicketCategory, TicketOutcome, TicketPriority
from chihuy.web.forms import StyledForm, UnitField


class HotlineForm(StyledForm):
    caller_name = forms.CharField(label=_("Người gọi"), required=False, max_length=150)
    caller_phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20)
    place_text = forms.CharField(label=_("Địa điểm (thôn, bản, địa chỉ)"), required=False, max_length=300)
    unit = UnitField(label=_("Đơn vị tiếp nhận, xử lý"))
    category = forms.ChoiceField(label=_("Loại phản ánh"), choices=TicketCategory.choices)
    priority = forms.ChoiceField(label=_("Mức độ"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL)
    text = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.set_units(units)
        self.fields["caller_name"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["caller_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["text"].widget.attrs["placeholder"] = _("Ctrl+Enter để lưu")


class PublicTicketForm(StyledForm):
    caller_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150)
    caller_phone = forms.CharField(label=_("Số điện thoại để cán bộ gọi lại"), max_length=20)
    unit = UnitField(label=_("Xã, phường nơi xảy ra sự việc"))
    place_text = forms.CharField(label=_("Thôn, bản, địa chỉ cụ thể"), required=False, max_length=300)
    category = forms.ChoiceField(label=_("Nội dung phản ánh về"), choices=TicketCategory.choices)
    text = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    # The honeypot: hidden from people by CSS and aria-hidden; robots fill in every field they see.
    website = forms.CharField(label=_("Để trống ô này"), required=False)
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.set_units(units)
        self.fields["caller_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class AssignForm(StyledForm):
    owner_user = forms.TypedChoiceField(label=_("Giao cho"), coerce=int)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [(u.pk, u.full_name or u.username) for u in users]
        self.fields["owner_user"].choices = choices  # type: ignore[attr-defined]


class CommentForm(StyledForm):
    text = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(StyledForm):
    reason = forms.CharField(label=_("Lý do chuyển cấp trên"), max_length=500)


class CloseForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Kết quả xử lý"), choices=[("", "—"), *TicketOutcome.choices])
    outcome_text = forms.CharField(
        label=_("Đã làm gì"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class LinkForm(StyledForm):
    person_id = forms.IntegerField(label=_("Mã người (ID)"), required=False, min_value=1)
    case_number = forms.CharField(label=_("Mã ca F0"), required=False, max_length=30)
    facility = forms.TypedChoiceField(label=_("Cơ sở"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, sites: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [("", "—"), *[(s.pk, f"{s.name} ({s.unit.name})") for s in sites]]
        self.fields["facility"].choices = choices  # type: ignore[attr-defined]
