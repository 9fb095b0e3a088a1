from django.urls import path

from chihuy.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("scope/", views.scope_switch, name="scope"),
    path("chua-co/<slug:area>/", views.pending, name="pending"),
    path("people/", views.people, name="people"),
    path("units/", views.units, name="units"),
    path("audit/", views.audit, name="audit"),
    path("users/", views.users, name="users"),
]
