"""Venues (mounted at /api/tracing/venues…): list, map points, register, edit, approve/deactivate, the QR poster
(PNG/SVG/PDF). Helper A."""

from ninja import Router

router = Router(tags=["Địa điểm & quét mã QR"])
