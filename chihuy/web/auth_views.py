"""Login and logout with audit events; lockout is django-axes'."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views
from django.http import HttpRequest, HttpResponse

from chihuy.core.audit import audit_record


class LoginView(views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit_record(actor=user, action="login", obj=user, unit_path=user.unit_path)
        return response


class LogoutView(views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            user: Any = request.user
            audit_record(actor=user, action="logout", obj=user, unit_path=user.unit_path)
        return super().post(request, *args, **kwargs)
