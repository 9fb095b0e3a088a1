"""URL map: the web shell, the API, the admin, login and language switching."""

from django.contrib import admin
from django.urls import include, path

from chihuy.api.main import api
from chihuy.web import auth_views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("chihuy.web.urls")),
]
