"""Exposure screens (helper C): the F1-candidate queue, confirm/dismiss, a case's and a person's venue exposures, a
person's check-ins (audited), batch recompute with progress."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
