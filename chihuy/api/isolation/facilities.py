"""Isolation API — facilities (issue 6)."""

from ninja import Router

router = Router(tags=["isolation"])
