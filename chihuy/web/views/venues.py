"""Venue screens (helper A): the venue list and map of the area, register/edit/approve/deactivate, the QR poster; the
owner's public registration and private page (poster, staff scan of personal QR codes)."""

from django.urls import path

from chihuy.web.views.home import pending

# Placeholder until the venue list exists: the "tracing" area of the navigation points here.
urlpatterns: list = [path("venues/", pending, {"area": "tracing"}, name="venues")]
