"""Reports API (mounted at /api/reports): epidemic level assessments with their explanations, daily reports
(submit, approve, export), dashboard data, and the public aggregates (no personal data, no account)."""

from ninja import Router

from chihuy.api.reports import daily, dashboard, levels

router = Router()
router.add_router("", levels.router)
router.add_router("", daily.router)
router.add_router("", dashboard.router)

__all__ = ["router"]
