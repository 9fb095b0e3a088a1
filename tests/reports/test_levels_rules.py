"""The rule sets of the epidemic level, pure: every row of DOMAIN.md's 4800 matrix with its boundaries, the
criterion-3 switch, 218's "above 600", the 2686 risk map, and the exact sentences a commander reads."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.reports import levels
from chihuy.reports.levels import assess_218, assess_2686_area, assess_2686_commune, assess_4800

V4800: dict[str, Any] = {
    "bands": [0, 20, 50, 150],
    "matrix_high_coverage": [1, 1, 2, 3, 4],
    "matrix_low_coverage": [1, 2, 3, 4, 4],
    "coverage_high": {"adult_one_dose_pct": 70, "over50_full_pct": 80},
    "capacity_not_met": "stay",
}
HIGH = {"adult_one_dose_pct": 75.0, "over50_full_pct": 85.0}
LOW = {"adult_one_dose_pct": 58.0, "over50_full_pct": 85.0}


# Population 100,000: the community cases ARE the rate per 100k.
@pytest.mark.parametrize(
    ("cases", "band", "high_level", "low_level"),
    [
        (0, 0, 1, 1),
        (1, 1, 1, 2),
        (19, 1, 1, 2),
        (20, 2, 2, 3),
        (49, 2, 2, 3),
        (50, 3, 3, 4),
        (149, 3, 3, 4),
        (150, 4, 4, 4),
        (900, 4, 4, 4),
    ],
)
def test_4800_matrix(cases: int, band: int, high_level: int, low_level: int) -> None:
    high = assess_4800(community_cases=cases, population=100_000, capacity_met=True, values=V4800, **HIGH)
    low = assess_4800(community_cases=cases, population=100_000, capacity_met=True, values=V4800, **LOW)
    assert (high.band, high.coverage_high, high.level) == (band, True, high_level)
    assert (low.band, low.coverage_high, low.level) == (band, False, low_level)


def test_4800_sentence_of_domain_md() -> None:
    outcome = assess_4800(community_cases=63, population=100_000, capacity_met=True, values=V4800, **LOW)
    assert outcome.explanation == (
        "Cấp 4: 63 ca cộng đồng/100.000 dân/tuần (≥ 50), 58 % người ≥ 18 tuổi đã tiêm ≥ 1 mũi (< 70 %)"
    )
    assert outcome.inputs == {
        "community_cases": 63,
        "population": 100_000,
        "cases_per_100k_week": 63.0,
        "adult_one_dose_pct": 58.0,
        "over50_full_pct": 85.0,
        "capacity_met": True,
    }


def test_4800_sentences_high_coverage_zero_and_small_rate() -> None:
    zero = assess_4800(community_cases=0, population=5_000, capacity_met=True, values=V4800, **HIGH)
    assert zero.explanation == (
        "Cấp 1: 0 ca cộng đồng trong tuần, 75 % người ≥ 18 tuổi đã tiêm ≥ 1 mũi (≥ 70 %), "
        "85 % người ≥ 50 tuổi đã tiêm đủ liều (≥ 80 %)"
    )
    # 3 cases in 4,000 people = 75 per 100k
    three = assess_4800(community_cases=3, population=4_000, capacity_met=True, values=V4800, **HIGH)
    assert three.level == 3
    assert three.explanation.startswith("Cấp 3: 75 ca cộng đồng/100.000 dân/tuần (≥ 50), ")
    # 1 case in 7,000 people = 14.3 per 100k (band 1)
    one = assess_4800(community_cases=1, population=7_000, capacity_met=True, values=V4800, **LOW)
    assert one.explanation.startswith("Cấp 2: 14,3 ca cộng đồng/100.000 dân/tuần (< 20), ")


def test_4800_boundary_rounding_decides_on_what_is_shown() -> None:
    # 1 case / 2,001 people = 49.975… → shown and compared as 50
    outcome = assess_4800(community_cases=1, population=2_001, capacity_met=True, values=V4800, **HIGH)
    assert outcome.inputs["cases_per_100k_week"] == 50.0
    assert outcome.band == 3


@pytest.mark.parametrize(("switch", "base", "expected"), [("stay", 2, 2), ("up", 2, 3), ("up", 4, 4), ("stay", 4, 4)])
def test_4800_capacity_switch(switch: str, base: int, expected: int) -> None:
    values = {**V4800, "capacity_not_met": switch}
    cases = {2: 20, 4: 150}[base]
    met = assess_4800(community_cases=cases, population=100_000, capacity_met=True, values=values, **HIGH)
    not_met = assess_4800(community_cases=cases, population=100_000, capacity_met=False, values=values, **HIGH)
    assert met.level == base
    assert not_met.level == expected
    tail = {
        "stay": "năng lực điều trị chưa đáp ứng: giữ cấp theo quy định đang dùng",
        "up": f"năng lực điều trị chưa đáp ứng: nâng 1 cấp (từ cấp {base})",
    }[switch]
    assert not_met.explanation.endswith(tail)


def test_4800_missing_population_is_low_coverage_and_top_band() -> None:
    outcome = assess_4800(
        community_cases=2,
        population=None,
        adult_one_dose_pct=None,
        over50_full_pct=None,
        capacity_met=True,
        values=V4800,
    )
    assert (outcome.level, outcome.band, outcome.coverage_high) == (4, 4, False)
    assert outcome.explanation == (
        "Cấp 4: 2 ca cộng đồng trong tuần, chưa có số dân nên không tính được trên 100.000 dân: xếp nhóm cao nhất, "
        "chưa tính được độ bao phủ tiêm chủng (thiếu hoặc sai số dân): coi như bao phủ thấp"
    )
    none = assess_4800(
        community_cases=0,
        population=None,
        adult_one_dose_pct=None,
        over50_full_pct=None,
        capacity_met=True,
        values=V4800,
    )
    assert none.level == 1


@pytest.mark.parametrize(
    ("cases", "high_level", "low_level"),
    [(0, 1, 1), (49, 1, 2), (50, 2, 3), (149, 2, 3), (150, 3, 4), (600, 3, 4), (601, 4, 4)],
)
def test_218_bands_level4_strictly_above_600(cases: int, high_level: int, low_level: int) -> None:
    values = levels.merged(
        "218", {"level4_above_per_100k_week": 600, "coverage_full_pct": 75, "coverage_high_risk_pct": 90}
    )
    high = assess_218(
        new_cases=cases, population=100_000, full_pct=80.0, high_risk_full_pct=92.0, capacity_met=True, values=values
    )
    low = assess_218(
        new_cases=cases, population=100_000, full_pct=74.9, high_risk_full_pct=92.0, capacity_met=True, values=values
    )
    assert (high.level, low.level) == (high_level, low_level)


def test_218_sentence() -> None:
    outcome = assess_218(
        new_cases=601, population=100_000, full_pct=74.9, high_risk_full_pct=92.0, capacity_met=True, values={}
    )
    assert (
        outcome.explanation == "Cấp 4: 601 ca mắc mới/100.000 dân/tuần (> 600), 74,9 % dân số đã tiêm đủ liều (< 75 %)"
    )


@pytest.mark.parametrize(
    ("community", "unknown", "neighbour", "level"),
    [(0, 0, None, 1), (1, 0, None, 2), (3, 1, None, 3), (2, 2, None, 4), (0, 0, 4, 3), (0, 0, 3, 2), (1, 0, 4, 3)],
)
def test_2686_commune(community: int, unknown: int, neighbour: int | None, level: int) -> None:
    outcome = assess_2686_commune(
        community_cases=community, unknown_source_cases=unknown, values={}, neighbour_max_level=neighbour
    )
    assert outcome.level == level


def test_2686_sentences() -> None:
    red = assess_2686_commune(community_cases=3, unknown_source_cases=3, values={})
    assert red.explanation == "Cấp 4: đỏ — ổ dịch 3 ca cộng đồng không rõ nguồn lây (≥ 2)"
    area = assess_2686_area(commune_levels=[4, 1, 1, 1, 1, 1, 1, 1, 1, 1], values={})
    assert area.explanation == "Cấp 3: cam — 1 xã nguy cơ rất cao"


@pytest.mark.parametrize(
    ("communes", "level"),
    [
        ([1] * 10, 1),
        ([2] + [1] * 9, 2),
        ([4] + [1] * 9, 3),  # one very high commune
        ([3] * 3 + [1] * 7, 3),  # 30 % high
        ([2] * 5 + [1] * 5, 3),  # 50 % at risk
        ([4] * 3 + [1] * 7, 4),  # 30 % very high
        ([3] * 5 + [1] * 5, 4),  # 50 % high
        ([3] * 2 + [1] * 8, 2),  # 20 % high: yellow
    ],
)
def test_2686_district(communes: list[int], level: int) -> None:
    assert assess_2686_area(commune_levels=communes, values={}).level == level


def test_rule_table_marks_the_row_and_column_used() -> None:
    outcome = assess_4800(community_cases=63, population=100_000, capacity_met=True, values=V4800, **LOW)
    table = levels.rule_table("4800", V4800, band=outcome.band, high=outcome.coverage_high)
    assert [(r.label, r.cells, r.used) for r in table.rows] == [
        ("0", ["1", "1"], False),
        ("< 20", ["1", "2"], False),
        ("20 – < 50", ["2", "3"], False),
        ("50 – < 150", ["3", "4"], True),
        ("≥ 150", ["4", "4"], False),
    ]
    assert table.used_column == 1
    t218 = levels.rule_table("218", {})
    assert [r.label for r in t218.rows] == ["0", "< 50", "50 – < 150", "150 – < 600", "> 600"]
