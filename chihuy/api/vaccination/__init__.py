"""Vaccination API (mounted at /api/vaccination): doses (one by one and bulk import jobs with progress, the review
queue of unmatched rows), a person's doses, coverage by unit and age band, priority lists, campaign targets.
Jurisdiction-scoped: a record outside the caller's area answers 404."""

from ninja import Router

from chihuy.api.vaccination import coverage, doses

router = Router()
router.add_router("", doses.router)
router.add_router("", coverage.router)

__all__ = ["router"]
