"""Forms of the web shell: they parse input and carry field errors; the rules live in the services.

`apply_error` puts an ApplicationError's details beside the fields they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError
from chihuy.core.models import AuditAction
from chihuy.people.enums import ChronicCondition, Sex
from chihuy.places.enums import SiteKind


def apply_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show each detail beside its field (or above the form when it names none of the form's fields)."""
    placed = False
    details = exc.details if isinstance(exc.details, list) else []
    for detail in details:
        parts = str(detail.get("field") or "").split(".")
        # "person_id" → the form's "person"; "admissions[0].bed" → "admissions[0]" or else the form's "bed".
        names = [p.removesuffix("_id") if p.removesuffix("_id") in form.fields else p for p in (parts[0], parts[-1])]
        name = next((n for n in names if n in form.fields), "")
        if name:
            form.add_error(name, str(detail.get("message") or exc.message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class Styled:
    """Bootstrap classes on every widget, so that templates render fields with one include."""

    def style(self) -> None:
        fields: Any = getattr(self, "fields", {})
        for field in fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class StyledForm(Styled, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


def unit_choices(units: list[Any], *, base_depth: int | None = None) -> list[tuple[int, str]]:
    """Units as indented choices ("— — Bản 1"), in tree order."""
    if not units:
        return []
    top = min(u.depth for u in units) if base_depth is None else base_depth
    return [(u.pk, "— " * max(0, u.depth - top) + u.name) for u in units]


class UnitField(forms.TypedChoiceField):
    """A unit picked from a list the view loaded (already scoped); cleans to the Unit itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)
        self.units: dict[int, Any] = {}

    def set_units(self, units: list[Any]) -> None:
        self.units = {u.pk: u for u in units}
        self.choices = [("", "—"), *unit_choices(units)]

    def clean(self, value: Any) -> Any:
        pk = super().clean(value)
        return self.units.get(pk) if pk is not None else None


class PersonForm(StyledForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    birth_date = forms.DateField(
        label=_("Ngày sinh"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    birth_year = forms.IntegerField(label=_("Năm sinh (nếu không rõ ngày)"), required=False)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, initial=Sex.UNKNOWN)
    national_id = forms.CharField(label=_("Số CCCD/CMND"), required=False, max_length=20)
    phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20)
    address_text = forms.CharField(label=_("Địa chỉ"), required=False, max_length=300)
    unit = UnitField(label=_("Xã / thôn, bản nơi ở"), required=False)
    occupation = forms.CharField(label=_("Nghề nghiệp"), required=False, max_length=150)
    chronic_conditions = forms.MultipleChoiceField(
        label=_("Bệnh nền"), required=False, choices=ChronicCondition.choices, widget=forms.CheckboxSelectMultiple
    )
    is_pregnant = forms.BooleanField(label=_("Đang mang thai"), required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["chronic_conditions"] = list(data.get("chronic_conditions") or [])
        for key in ("national_id", "phone", "address_text", "occupation"):
            data[key] = data.get(key) or ""
        return data


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Lý do"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(ReasonForm):
    source = forms.IntegerField(label=_("Mã hồ sơ trùng (sẽ gộp vào hồ sơ này)"), min_value=1)


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Tệp CSV (UTF-8) hoặc Excel (.xlsx)"))


class SiteForm(StyledForm):
    kind = forms.ChoiceField(label=_("Loại"), choices=SiteKind.choices)
    name = forms.CharField(label=_("Tên"), max_length=200)
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=300)
    phone = forms.CharField(label=_("Điện thoại"), required=False, max_length=20)


class AuditFilterForm(StyledForm):
    action = forms.ChoiceField(label=_("Thao tác"), required=False, choices=[("", _("Tất cả")), *AuditAction.choices])
    object_type = forms.CharField(label=_("Loại đối tượng"), required=False, max_length=60)
    username = forms.CharField(label=_("Tên đăng nhập"), required=False, max_length=150)
    object_id = forms.CharField(label=_("Mã đối tượng"), required=False, max_length=64)
    since = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class UserForm(StyledForm):
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150)
    phone = forms.CharField(label=_("Điện thoại"), required=False, max_length=20)
    unit = UnitField(label=_("Đơn vị"))
    roles = forms.MultipleChoiceField(
        label=_("Vai trò"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)


class UserCreateForm(UserForm):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput(render_value=False), strip=False)
    field_order = ["username", "full_name", "phone", "unit", "roles", "password"]


class UserEditForm(UserForm):
    is_active = forms.BooleanField(label=_("Đang hoạt động"), required=False)


class PasswordForm(StyledForm):
    password = forms.CharField(label=_("Mật khẩu mới"), widget=forms.PasswordInput(render_value=False), strip=False)


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Tên khóa (dùng cho hệ thống nào)"), max_length=100)
