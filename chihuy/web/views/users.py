"""Tài khoản: users of the administrator's subtree (create, edit, reset password) and everyone's own API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts import selectors, services
from chihuy.accounts.access import user_path
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.web.forms import PasswordForm, TokenForm, UserCreateForm, UserEditForm, apply_error
from chihuy.web.views._common import http_error, scope, screen

ACCOUNT_LEVELS = [UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE, UnitLevel.VILLAGE]


def _units(request: HttpRequest) -> list[Any]:
    return unit_subtree(path=user_path(request.user), levels=ACCOUNT_LEVELS)


def _fail(form: Any, exc: ApplicationError) -> None:
    if exc.code == ErrorCode.PERMISSION_DENIED and not exc.details:
        raise http_error(exc) from exc
    apply_error(form, exc)


@screen(Perm.USER_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    users = selectors.user_list(actor=request.user, within=scope(request), q=q)[:500]
    return render(request, "web/users/list.html", {"users": users, "q": q})


@screen(Perm.USER_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    if request.method == "POST":
        form = UserCreateForm(request.POST, units=units)
        if form.is_valid():
            try:
                user = services.user_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("Đã tạo tài khoản %(u)s.") % {"u": user.username})
                return redirect("web:user", user_id=user.pk)
    else:
        form = UserCreateForm(units=units)
    return render(request, "web/users/form.html", {"form": form, "account": None})


@screen(Perm.USER_MANAGE)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(actor=request.user, user_id=user_id)
    units = _units(request)
    if request.method == "POST":
        form = UserEditForm(request.POST, units=units)
        if form.is_valid():
            try:
                services.user_update(actor=request.user, user=account, **form.cleaned_data)
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("Đã lưu tài khoản."))
                return redirect("web:user", user_id=account.pk)
    else:
        form = UserEditForm(
            units=units,
            initial={
                "full_name": account.full_name,
                "phone": account.phone,
                "unit": account.unit_id,
                "roles": account.roles,
                "is_active": account.is_active,
            },
        )
    return render(request, "web/users/form.html", {"form": form, "account": account, "password_form": PasswordForm()})


@require_POST
@screen(Perm.USER_MANAGE)
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(actor=request.user, user_id=user_id)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=account, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Đã đặt mật khẩu mới cho %(u)s.") % {"u": account.username})
            return redirect("web:user", user_id=account.pk)
    edit = UserEditForm(
        units=_units(request),
        initial={
            "full_name": account.full_name,
            "phone": account.phone,
            "unit": account.unit_id,
            "roles": account.roles,
            "is_active": account.is_active,
        },
    )
    return render(request, "web/users/form.html", {"form": edit, "account": account, "password_form": form})


@screen()
def token_list(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                user: Any = request.user
                _token, new_key = services.token_create(actor=user, user=user, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                form = TokenForm()
    else:
        form = TokenForm()
    tokens = selectors.token_list(user=request.user)
    return render(request, "web/users/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@screen()
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.token_get(user=request.user, token_id=token_id)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Đã thu hồi khóa %(n)s.") % {"n": token.name})
    return redirect("web:tokens")
