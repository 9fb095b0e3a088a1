"""Issue 8 — stub router, filled by its slice."""

from ninja import Router

router = Router(tags=["reports"])
