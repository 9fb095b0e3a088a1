"""Cases API: F0 reports and their status, contacts (one by one or a line list), F-levels with their path,
the tracing queue, itineraries, exposure-site notices (approved ones public), clusters, transmission graphs
and the 5S clock. Jurisdiction-scoped: a record outside the caller's area answers 404."""

from ninja import Router

from chihuy.api.cases import cases, clusters, contacts, notices

router = Router()
# Fixed paths first: "/contacts", "/clusters" … are never read as a case id.
router.add_router("", contacts.router)
router.add_router("", notices.router)
router.add_router("", clusters.router)
router.add_router("", cases.router)

__all__ = ["router"]
