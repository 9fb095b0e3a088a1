"""Isolation and treatment figures for the daily report and the briefing (DOMAIN.md "Daily report indicators"):
quarantine in facilities and at home — new, current, released in the reporting window; F0 under treatment by
tier and by oxygen modality; new admissions to treatment, recoveries and deaths in the window; beds.

"Current" is read now (the stays holding a place when the report is generated); "new", "released", "discharged"
and "died" count the stays admitted or ended within [start, end). A transfer between tiers is not a new F0."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.isolation.enums import OxygenMode, StayKind, StayStatus, Tier
from chihuy.isolation.models import Stay
from chihuy.isolation.selectors import beds_free_total, stay_scope_q


@dataclass
class QuarantineFigures:
    new: int = 0
    current: int = 0
    released: int = 0


@dataclass
class IsolationNumbers:
    facility: QuarantineFigures = field(default_factory=QuarantineFigures)
    home: QuarantineFigures = field(default_factory=QuarantineFigures)
    treatment_new: int = 0
    treatment_current: int = 0
    by_tier: dict[int, int] = field(default_factory=dict)  # tier → F0 under treatment now
    by_oxygen: dict[str, int] = field(default_factory=dict)  # oxygen mode (not "none") → F0 now
    discharged: int = 0
    died: int = 0
    transferred_out: int = 0
    beds_free: int = 0

    @property
    def on_oxygen(self) -> int:
        return sum(self.by_oxygen.values())

    def tier_rows(self) -> list[tuple[int, str, int]]:
        return [(t.value, str(t.label), self.by_tier.get(t.value, 0)) for t in Tier]

    def oxygen_rows(self) -> list[tuple[str, str, int]]:
        return [(m.value, str(m.label), self.by_oxygen.get(m.value, 0)) for m in OxygenMode if m != OxygenMode.NONE]

    def oxygen_used(self) -> list[tuple[str, str, int]]:
        """The modalities in use now (for a one-line detail)."""
        return [row for row in self.oxygen_rows() if row[2]]


def isolation_numbers(*, actor: Any, within: str | None, start: dt.datetime, end: dt.datetime) -> IsolationNumbers:
    """The figures of the area `within` (inside the reader's) for the window [start, end); three grouped
    queries and the beds free from the facilities' kept figures."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    stays = Stay.objects.filter(stay_scope_q(actor, within=within))
    out = IsolationNumbers()
    in_window = Q(admitted_at__gte=start, admitted_at__lt=end)
    ended_in_window = Q(ended_at__gte=start, ended_at__lt=end)
    first_treatment = ~Q(previous__kind=StayKind.TREATMENT)
    counts = stays.aggregate(
        f_new=Count("pk", filter=Q(kind=StayKind.FACILITY) & in_window),
        f_cur=Count("pk", filter=Q(kind=StayKind.FACILITY, status=StayStatus.ACTIVE)),
        f_rel=Count("pk", filter=Q(kind=StayKind.FACILITY, status=StayStatus.RELEASED) & ended_in_window),
        h_new=Count("pk", filter=Q(kind=StayKind.HOME) & in_window),
        h_cur=Count("pk", filter=Q(kind=StayKind.HOME, status=StayStatus.ACTIVE)),
        h_rel=Count("pk", filter=Q(kind=StayKind.HOME, status=StayStatus.RELEASED) & ended_in_window),
        t_new=Count("pk", filter=Q(kind=StayKind.TREATMENT) & in_window & first_treatment),
        t_cur=Count("pk", filter=Q(kind=StayKind.TREATMENT, status=StayStatus.ACTIVE)),
        t_dis=Count("pk", filter=Q(kind=StayKind.TREATMENT, status=StayStatus.DISCHARGED) & ended_in_window),
        t_died=Count("pk", filter=Q(kind=StayKind.TREATMENT, status=StayStatus.DIED) & ended_in_window),
        t_out=Count("pk", filter=Q(kind=StayKind.TREATMENT, status=StayStatus.TRANSFERRED_OUT) & ended_in_window),
    )
    out.facility = QuarantineFigures(counts["f_new"], counts["f_cur"], counts["f_rel"])
    out.home = QuarantineFigures(counts["h_new"], counts["h_cur"], counts["h_rel"])
    out.treatment_new, out.treatment_current = counts["t_new"], counts["t_cur"]
    out.discharged, out.died, out.transferred_out = counts["t_dis"], counts["t_died"], counts["t_out"]
    current = stays.filter(kind=StayKind.TREATMENT, status=StayStatus.ACTIVE).order_by()
    out.by_tier = {
        int(tier): n for tier, n in current.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n") if tier
    }
    out.by_oxygen = {
        mode: n
        for mode, n in current.exclude(oxygen_mode__in=["", OxygenMode.NONE])
        .values_list("oxygen_mode")
        .annotate(n=Count("pk"))
        .values_list("oxygen_mode", "n")
    }
    out.beds_free = beds_free_total(actor=actor, within=within)
    return out
