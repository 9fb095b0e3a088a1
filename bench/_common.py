"""What every benchmark script shares: the statement counter and the summary of timed samples (median, p95, mean,
max in milliseconds), so that every JSON reads the same. No Django import here: the scripts set up Django after
choosing their database."""

from __future__ import annotations

import contextlib
import resource
import statistics
from pathlib import Path
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


def reset_peak() -> None:
    """Start a new high-water mark of resident memory (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """The process's peak resident memory since the last `reset_peak` (VmHWM; ru_maxrss where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
