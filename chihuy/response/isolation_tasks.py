"""Background task of the isolation sweep (thin: the logic is `chihuy.response.isolation.isolation_sweep`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def isolation_sweep_task(actor_id: int | None = None) -> dict[str, Any]:
    """The daily isolation sweep, by the worker's schedule; `actor_id` plans the sampling campaigns."""
    from chihuy.accounts.models import User
    from chihuy.core.audit import audit_context
    from chihuy.response.isolation import isolation_sweep

    actor = User.objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    with audit_context(channel="task"):
        return isolation_sweep(actor=actor)
