"""Citizen check-in pages (helper B): /q/<code>/ (scan the venue QR, phone remembered), check-out, the personal QR;
and the ingest batches screen."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
