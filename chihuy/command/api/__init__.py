"""Command API (mounted at /api/command): centres, members, who is on duty, the roster, directives, tasks and
their reports. Jurisdiction-scoped: a record outside the caller's area answers 404."""

from ninja import Router

from chihuy.command.api import centres, directives

router = Router()
router.add_router("", centres.router)
router.add_router("", directives.router)

__all__ = ["router"]
