"""The testing rules in force on a day (policy rows of 0002_seed_lab_policies), read in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chihuy.core.policies import policy_get


def turnaround_hours(on: dt.date | None = None) -> float:
    return float(policy_get("labs.turnaround_hours", on=on, default={"hours": 12})["hours"])


def pool_sizes(on: dt.date | None = None) -> list[int]:
    return [int(s) for s in policy_get("labs.pool_sizes", on=on, default={"sizes": [1, 5, 10]})["sizes"]]


def ct_rule(on: dt.date | None = None) -> dict[str, Any]:
    return dict(policy_get("labs.ct", on=on, default={"min": 0, "max": 45, "genes": ["E", "N", "RdRp", "ORF1ab"]}))


def rapid_rule(on: dt.date | None = None) -> dict[str, Any]:
    return dict(policy_get("labs.rapid_positive", on=on, default={"f0_max_level": None, "two_within_hours": None}))


def notify_negatives(on: dt.date | None = None) -> bool:
    return bool(policy_get("labs.notify", on=on, default={"negatives_to_person": True})["negatives_to_person"])
