"""5S orchestration of isolation: what an admission, a positive result, a release or a discharge means for the
other domains. The web and the API call these for the steps that cross domains; plain facility and stay writes go
straight to `chihuy.isolation.services`.

- `stays_admitted`: F1/F2 admitted to quarantine (facility or home) close their tracing item's "isolated" step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.cases import services as case_services
from chihuy.cases.enums import TraceStatus
from chihuy.isolation.enums import Cohort, StayKind, StayStatus
from chihuy.isolation.models import Stay


@transaction.atomic
def stays_admitted(*, actor: Any, stays: Sequence[Stay]) -> int:
    """After `isolation.services.stays.stays_admit` (or a reserved stay's arrival): every person admitted to
    quarantine who is under tracing gets the outcome "quarantined" / "home isolation" and its time (the 5S step
    "F1 isolated" of their F0). Reserved stays wait for the arrival. Returns the tracing items closed."""
    by_kind: dict[str, list[Stay]] = {}
    for stay in stays:
        if stay.status != StayStatus.ACTIVE or stay.cohort == Cohort.F0 or stay.kind == StayKind.TREATMENT:
            continue
        by_kind.setdefault(stay.kind, []).append(stay)
    closed = 0
    for kind, group in by_kind.items():
        outcome = TraceStatus.HOME_ISOLATION if kind == StayKind.HOME else TraceStatus.QUARANTINED
        place = group[0].facility.name if group[0].facility else _("cách ly tại nhà")
        closed += case_services.classifications_mark_isolated(
            actor=actor,
            person_ids=[s.person_id for s in group],
            outcome=outcome,
            note=_("Tiếp nhận cách ly: %(place)s") % {"place": place},
            at=min(s.admitted_at for s in group if s.admitted_at),
        )
    return closed
