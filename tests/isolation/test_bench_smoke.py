"""bench/isolation.py --quick runs end to end on a fresh SQLite file and reports what the full run reports (no
timings are asserted: performance lives in the bench's JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_quick_bench_runs_and_reports_proposals_and_capacity(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["CHIHUY_SQLITE_PATH"] = str(tmp_path / "bench.sqlite3")
    out = tmp_path / "isolation.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "isolation.py"), "--quick", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert json.loads(out.read_text()) == result
    assert (result["bench"], result["size"], result["database"]) == ("isolation", "quick", "sqlite")
    proposal = result["proposal"]
    assert proposal["arrivals"] == 500
    assert proposal["total"]["n"] == 3
    assert proposal["queries_per_run"] == 3
    assert proposal["proposer"]["violations"] == proposal["proposer"]["violations_rechecked"] == 0
    assert proposal["proposer"]["placed"] + proposal["proposer"]["unplaced"] == 500
    assert proposal["first_fit"]["placed"] == 500
    assert proposal["first_fit"]["violations"] > 0
    assert proposal["build_arrivals_queries"] == 1  # the vulnerable rule, read once for the whole group
    capacity = result["capacity"]
    assert capacity["facilities"] == 20
    assert result["sizes"]["beds"] == 4000
    assert capacity["beds_total"] == 4000 - result["sizes"]["beds_in_closed_rooms"]
    assert capacity["overview"]["queries"] == 4
    assert set(result["targets_met"]) == {"proposal_p95_lt_2s", "capacity_p95_lt_200ms", "proposer_no_violations"}
