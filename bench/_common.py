"""What every benchmark script shares: the statement counter and the summary of timed samples (median, p95, mean,
max in milliseconds), so that every JSON reads the same. No Django import here: the scripts set up Django after
choosing their database."""

from __future__ import annotations

import statistics
from typing import Any


class QueryCount:
    """Counts the statements Django sends (`connection.execute_wrapper`); COPY of core.bulk goes around it."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def summary(samples: list[float]) -> dict[str, Any]:
    """The samples in ms: count, median, p95 (the sample at the 95th rank), mean, max."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)] if ordered else 0.0
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p95_ms": round(p95, 2),
        "mean_ms": round(statistics.fmean(ordered), 2) if ordered else None,
        "max_ms": round(ordered[-1], 2) if ordered else None,
    }
