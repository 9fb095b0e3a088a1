"""Writes of the labs domain (re-exported: callers import from `chihuy.labs.services`)."""

from chihuy.labs.services._common import require_lab_member
from chihuy.labs.services.campaigns import (
    campaign_add_people,
    campaign_create,
    campaign_transition,
    lab_upsert,
    target_mark,
)
from chihuy.labs.services.results import (
    Effects,
    Positive,
    ResultInput,
    follow_up_create,
    overdue_alert,
    rapid_effects,
    result_record,
    sample_link_case,
    samples_link_cases,
)
from chihuy.labs.services.samples import (
    follow_ups_answer,
    rapid_test_take,
    sample_take,
    shipment_create,
    shipment_receive,
)

__all__ = [
    "Effects",
    "Positive",
    "ResultInput",
    "campaign_add_people",
    "campaign_create",
    "campaign_transition",
    "follow_up_create",
    "follow_ups_answer",
    "lab_upsert",
    "overdue_alert",
    "rapid_effects",
    "rapid_test_take",
    "require_lab_member",
    "result_record",
    "sample_link_case",
    "sample_take",
    "samples_link_cases",
    "shipment_create",
    "shipment_receive",
    "target_mark",
]
