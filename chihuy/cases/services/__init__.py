"""Writes of the cases domain, one module per topic (DESIGN.md: a module past ~400 lines becomes a package)."""

from chihuy.cases.services.cases import (
    Confirmation,
    Confirmed,
    case_confirm_many,
    case_report,
    case_set_sources,
    case_transition,
    case_treatment_closed,
    case_treatment_started,
    case_update,
    fives_refresh,
)
from chihuy.cases.services.clusters import cluster_add_cases, cluster_close_stale, cluster_create
from chihuy.cases.services.contacts import contact_add, contact_deactivate, contacts_import, person_match
from chihuy.cases.services.tracing import (
    classifications_mark_isolated,
    itinerary_add,
    notice_draft,
    notice_transition,
    trace_attempt_record,
)

__all__ = [
    "Confirmation",
    "Confirmed",
    "case_confirm_many",
    "case_report",
    "case_set_sources",
    "case_transition",
    "case_treatment_closed",
    "case_treatment_started",
    "case_update",
    "classifications_mark_isolated",
    "cluster_add_cases",
    "cluster_close_stale",
    "cluster_create",
    "contact_add",
    "contact_deactivate",
    "contacts_import",
    "fives_refresh",
    "itinerary_add",
    "notice_draft",
    "notice_transition",
    "person_match",
    "trace_attempt_record",
]
