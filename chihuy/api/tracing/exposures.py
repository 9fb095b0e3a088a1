"""Exposures: query for a person and window, F1 candidates (list, get, confirm, dismiss), batch recompute jobs with
progress, a person's check-ins (audited). Helper C."""

from ninja import Router

router = Router(tags=["Địa điểm & quét mã QR"])
