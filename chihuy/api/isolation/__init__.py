"""Isolation API (mounted at /api/isolation): facilities, zones, rooms, beds, stays, admissions (single and group),
moves, home isolation and its check-ins, treatment records, capacity. Jurisdiction-scoped: a record outside the
caller's area answers 404. It lives in the API layer because release, positives and test tasks go through
`chihuy.response.isolation`, which the isolation app may not import."""

from ninja import Router

from chihuy.api.isolation import facilities, homes, stays, treatment

router = Router()
router.add_router("", facilities.router)
router.add_router("", stays.router)
router.add_router("", homes.router)
router.add_router("", treatment.router)

__all__ = ["router"]
