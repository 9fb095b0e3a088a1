"""Labs API (mounted at /api/labs): labs, sampling campaigns, tubes single and pooled, shipments, results by
form and by file (a background job), the turnaround clock. Jurisdiction-scoped: a record outside the caller's
area, or a tube not sent to the caller's lab, answers 404. It lives in the API layer because results go through
`chihuy.response.labs`, which the labs app may not import."""

from ninja import Router

from chihuy.api.labs import campaigns, samples

router = Router()
router.add_router("", campaigns.router)
router.add_router("", samples.router)

__all__ = ["router"]
