"""Isolation screens (issue 6) — treatment. Owns its URL patterns (included by chihuy/web/urls.py)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
