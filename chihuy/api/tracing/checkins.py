"""Check-ins: the public check-in (no account), check-out, bulk ingest (JSON or CSV, per-event results), ingest
batches. Helper B."""

from ninja import Router

router = Router(tags=["Địa điểm & quét mã QR"])
