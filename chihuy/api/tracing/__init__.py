"""Tracing API (mounted at /api/tracing): venues and their QR, check-ins (public, bulk ingest), exposure queries, F1
candidates and batch recompute jobs. Jurisdiction-scoped: a record outside the caller's area answers 404. It lives in
the API layer because confirming a candidate and the batch go through `chihuy.response.exposure`."""

from ninja import Router

from chihuy.api.tracing import checkins, exposures, venues

router = Router()
router.add_router("", venues.router)
router.add_router("", checkins.router)
router.add_router("", exposures.router)

__all__ = ["router"]
