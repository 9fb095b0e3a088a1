"""Reads behind the citizen's check-in pages (a visit seen only through the visitor's own token) and the ingest
batches screen (a batch of the reader's area). Outside the reader's area is "not found"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core.errors import not_found
from chihuy.tracing.models import CheckIn, IngestBatch


def visit_of(*, token: str, checkin_id: int) -> CheckIn | None:
    """A check-in of the visitor holding `token` (their phone's cookie); None for anyone else's."""
    if not token:
        return None
    return (
        CheckIn.objects.select_related("venue", "venue__site", "visitor")
        .filter(pk=checkin_id, visitor__token=token)
        .first()
    )


def batch_get(*, actor: Any, batch_id: int) -> IngestBatch:
    require_perm(actor, Perm.CHECKIN_INGEST)
    batch = IngestBatch.objects.filter(scope_q(actor), pk=batch_id).select_related("actor").first()
    if batch is None:
        raise not_found(_("lô dữ liệu quét mã"))
    return batch
