"""The rule sets of the epidemic level (cấp độ dịch), pure: numbers and the policy row's values in, the level, the
sentence a commander reads and the inputs used out. No database here — `assess.py` gathers the inputs from the
facts and stores the result; the screens render `rule_table` so the sentence can be checked against the rule.

- 4800/QĐ-BYT (12/10/2021): community cases per 100,000 people per week in bands (`bands` [0, 20, 50, 150]: band 0
  is exactly zero cases, then "< 20", "20 – < 50", "50 – < 150", "≥ 150") × coverage high/low (≥ 70 % of people ≥ 18
  with ≥ 1 dose AND ≥ 80 % of people ≥ 50 fully vaccinated) → a matrix; criterion 3 (treatment capacity) not met:
  the switch `capacity_not_met` "stay" (the level stays) or "up" (one level up, at most 4).
- 218/QĐ-BYT (27/01/2022): the same shape over ALL new cases; level 4 strictly above `level4_above_per_100k_week`
  (600, [V]); coverage high = full-dose % of the population ≥ 75 and of the high-risk group (people ≥ 50) ≥ 90.
  The other bands are [U] policy data (`bands`, matrices). Oxygen-requiring cases and deaths are not read: the
  facts do not hold oxygen modality yet.
- 2686/QĐ-BCĐQG (31/05/2021), the risk map: a commune is red (4) for a cluster of unknown source (≥
  `commune_cluster_min_cases` community cases of unknown source in the week), orange (3) for a case of unknown
  source or next to a red commune, yellow (2) for a community case of known source or next to an orange one, green
  (1) otherwise. Adjacency is an optional input (`neighbour_max_level`): the places tree holds no commune borders,
  so `assess.py` passes none. A district (or the province) is red if ≥ 30 % of its communes are very high (red)
  or ≥ 50 % high (orange or red); orange if ≥ 30 % are high, ≥ 50 % at risk (yellow or more) or one is red;
  yellow if any commune is yellow or more; green otherwise.

Coverage that cannot be computed (no population, or a denominator smaller than the people vaccinated) counts as
low coverage — the safe side — and the sentence says so. Likewise a unit with cases but no population: the rate
cannot be computed and the unit is put in the top band, said in the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chihuy.reports.enums import RuleSet

# Values used when a policy row lacks a key (a row seeded before the key existed); stored merged with the row.
DEFAULTS: dict[str, dict[str, Any]] = {
    RuleSet.QD_4800: {
        "bands": [0, 20, 50, 150],
        "matrix_high_coverage": [1, 1, 2, 3, 4],
        "matrix_low_coverage": [1, 2, 3, 4, 4],
        "coverage_high": {"adult_one_dose_pct": 70, "over50_full_pct": 80},
        "capacity_not_met": "stay",
    },
    RuleSet.QD_218: {
        "bands": [0, 50, 150],
        "level4_above_per_100k_week": 600,
        "matrix_high_coverage": [1, 1, 2, 3, 4],
        "matrix_low_coverage": [1, 2, 3, 4, 4],
        "coverage_full_pct": 75,
        "coverage_high_risk_pct": 90,
        "capacity_not_met": "stay",
    },
    RuleSet.QD_2686: {
        "commune_cluster_min_cases": 2,
        "district_high_if_communes_high_pct": 30,
        "district_high_if_communes_at_risk_pct": 50,
        "district_red_if_communes_very_high_pct": 30,
        "district_red_if_communes_high_pct": 50,
    },
}
CAPACITY_SWITCH = ("stay", "up")


def merged(rule_set: str, values: dict[str, Any] | None) -> dict[str, Any]:
    """The policy row's values over the defaults of its rule set."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS[rule_set].items()}
    for key, value in (values or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


@dataclass
class Outcome:
    level: int
    explanation: str
    inputs: dict[str, Any]
    band: int | None = None  # the row of the rule table used
    coverage_high: bool | None = None  # the column used
    notes: list[str] = field(default_factory=list)


def num(value: float | int | None) -> str:
    """Vietnamese number: a decimal comma, no trailing ",0"."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")


def rate_per_100k(cases: int, population: int | None) -> float | None:
    """Cases per 100,000 people, rounded to one decimal before any comparison, so the sentence and the rule
    table agree on what was compared."""
    if not population or population <= 0:
        return None
    return round(cases * 100_000 / population, 1)


def band_of(rate: float, bands: list[float], *, top_strict: bool = False) -> int:
    """0 for exactly zero, i for bands[i-1] ≤ rate < bands[i], len(bands) for the top. `top_strict`: the top band
    starts strictly above its bound (218: "above 600")."""
    if rate <= 0:
        return 0
    last = len(bands) - 1
    for i in range(1, len(bands)):
        if rate < bands[i] or (top_strict and i == last and rate == bands[i]):
            return i
    return len(bands)


def band_label(band: int, bands: list[float], *, top_strict: bool = False) -> str:
    """The rule table's wording of a band: "0", "< 20", "20 – < 50", "≥ 150" (or "> 600")."""
    if band == 0:
        return "0"
    if band == 1:
        return f"< {num(bands[1])}" if len(bands) > 1 else f"> {num(bands[0])}"
    if band >= len(bands):
        return f"{'>' if top_strict else '≥'} {num(bands[-1])}"
    return f"{num(bands[band - 1])} – < {num(bands[band])}"


def _band_bound(band: int, bands: list[float], *, top_strict: bool = False) -> str:
    """The bound the sentence quotes: "(< 20)" for band 1, "(≥ 50)" above."""
    if band == 1:
        return f"< {num(bands[1])}" if len(bands) > 1 else f"> {num(bands[0])}"
    if band >= len(bands) and top_strict:
        return f"> {num(bands[-1])}"
    return f"≥ {num(bands[band - 1])}"


def _capacity(level: int, capacity_met: bool, switch: str) -> tuple[int, str]:
    if capacity_met:
        return level, ""
    if switch == "up":
        raised = min(4, level + 1)
        return raised, _("năng lực điều trị chưa đáp ứng: nâng 1 cấp (từ cấp %(from)s)") % {"from": level}
    return level, _("năng lực điều trị chưa đáp ứng: giữ cấp theo quy định đang dùng")


def _rate_part(cases: int, rate: float | None, band: int, bands: list[float], what: str, top_strict: bool) -> str:
    if cases == 0:
        return _("0 %(what)s trong tuần") % {"what": what}
    if rate is None:
        return _(
            "%(cases)s %(what)s trong tuần, chưa có số dân nên không tính được trên 100.000 dân: xếp nhóm cao nhất"
        ) % {"cases": num(cases), "what": what}
    return _("%(rate)s %(what)s/100.000 dân/tuần (%(bound)s)") % {
        "rate": num(rate),
        "what": what,
        "bound": _band_bound(band, bands, top_strict=top_strict),
    }


def _pct_part(pct: float | None, threshold: float, text: str) -> str:
    sign = "≥" if pct is not None and pct >= threshold else "<"
    return f"{num(pct)} % {text} ({sign} {num(threshold)} %)"


def _coverage_parts(
    checks: list[tuple[float | None, float, str]],
) -> tuple[bool, list[str], bool]:
    """(high, the parts of the sentence, missing): high only if every percentage is known and meets its bar; the
    sentence names the bars not met (or all of them when coverage is high)."""
    missing = any(pct is None for pct, _t, _x in checks)
    high = not missing and all(pct is not None and pct >= t for pct, t, _x in checks)
    if missing:
        return False, [_("chưa tính được độ bao phủ tiêm chủng (thiếu hoặc sai số dân): coi như bao phủ thấp")], True
    if high:
        return True, [_pct_part(p, t, x) for p, t, x in checks], False
    return False, [_pct_part(p, t, x) for p, t, x in checks if p is None or p < t], False


def assess_4800(
    *,
    community_cases: int,
    population: int | None,
    adult_one_dose_pct: float | None,
    over50_full_pct: float | None,
    capacity_met: bool,
    values: dict[str, Any],
) -> Outcome:
    v = merged(RuleSet.QD_4800, values)
    bands = [float(b) for b in v["bands"]]
    rate = rate_per_100k(community_cases, population)
    band = 0 if community_cases == 0 else (len(bands) if rate is None else band_of(rate, bands))
    high, cov_parts, _missing = _coverage_parts(
        [
            (adult_one_dose_pct, v["coverage_high"]["adult_one_dose_pct"], _("người ≥ 18 tuổi đã tiêm ≥ 1 mũi")),
            (over50_full_pct, v["coverage_high"]["over50_full_pct"], _("người ≥ 50 tuổi đã tiêm đủ liều")),
        ]
    )
    matrix = v["matrix_high_coverage"] if high else v["matrix_low_coverage"]
    level, cap_text = _capacity(int(matrix[band]), capacity_met, v["capacity_not_met"])
    parts = [_rate_part(community_cases, rate, band, bands, _("ca cộng đồng"), False), *cov_parts]
    if cap_text:
        parts.append(cap_text)
    inputs = {
        "community_cases": community_cases,
        "population": population,
        "cases_per_100k_week": rate,
        "adult_one_dose_pct": adult_one_dose_pct,
        "over50_full_pct": over50_full_pct,
        "capacity_met": capacity_met,
    }
    return Outcome(level, _sentence(level, parts), inputs, band=band, coverage_high=high)


def assess_218(
    *,
    new_cases: int,
    population: int | None,
    full_pct: float | None,
    high_risk_full_pct: float | None,
    capacity_met: bool,
    values: dict[str, Any],
) -> Outcome:
    v = merged(RuleSet.QD_218, values)
    bands = [float(b) for b in v["bands"]] + [float(v["level4_above_per_100k_week"])]
    rate = rate_per_100k(new_cases, population)
    band = 0 if new_cases == 0 else (len(bands) if rate is None else band_of(rate, bands, top_strict=True))
    high, cov_parts, _missing = _coverage_parts(
        [
            (full_pct, v["coverage_full_pct"], _("dân số đã tiêm đủ liều")),
            (high_risk_full_pct, v["coverage_high_risk_pct"], _("người ≥ 50 tuổi (nhóm nguy cơ) đã tiêm đủ liều")),
        ]
    )
    matrix = v["matrix_high_coverage"] if high else v["matrix_low_coverage"]
    level, cap_text = _capacity(int(matrix[band]), capacity_met, v["capacity_not_met"])
    parts = [_rate_part(new_cases, rate, band, bands, _("ca mắc mới"), True), *cov_parts]
    if cap_text:
        parts.append(cap_text)
    inputs = {
        "new_cases": new_cases,
        "population": population,
        "cases_per_100k_week": rate,
        "full_pct": full_pct,
        "high_risk_full_pct": high_risk_full_pct,
        "capacity_met": capacity_met,
    }
    return Outcome(level, _sentence(level, parts), inputs, band=band, coverage_high=high)


COLOUR_NAMES = {1: _("xanh"), 2: _("vàng"), 3: _("cam"), 4: _("đỏ")}


def assess_2686_commune(
    *,
    community_cases: int,
    unknown_source_cases: int,
    values: dict[str, Any],
    neighbour_max_level: int | None = None,
) -> Outcome:
    v = merged(RuleSet.QD_2686, values)
    cluster = int(v["commune_cluster_min_cases"])
    known = max(0, community_cases - unknown_source_cases)
    if unknown_source_cases >= cluster:
        level, why = (
            4,
            _("ổ dịch %(n)s ca cộng đồng không rõ nguồn lây (≥ %(min)s)")
            % {
                "n": num(unknown_source_cases),
                "min": num(cluster),
            },
        )
    elif unknown_source_cases > 0:
        level, why = 3, _("%(n)s ca cộng đồng không rõ nguồn lây") % {"n": num(unknown_source_cases)}
    elif neighbour_max_level == 4:
        level, why = 3, _("giáp xã đỏ")
    elif known > 0:
        level, why = 2, _("%(n)s ca cộng đồng rõ nguồn lây") % {"n": num(known)}
    elif neighbour_max_level == 3:
        level, why = 2, _("giáp xã cam")
    else:
        level, why = 1, _("không có ca cộng đồng trong tuần")
    inputs = {
        "community_cases": community_cases,
        "unknown_source_cases": unknown_source_cases,
        "neighbour_max_level": neighbour_max_level,
    }
    return Outcome(level, _sentence(level, [f"{COLOUR_NAMES[level]} — {why}"]), inputs)


def assess_2686_area(*, commune_levels: list[int], values: dict[str, Any]) -> Outcome:
    """A district (or the province) from the colours of its communes."""
    v = merged(RuleSet.QD_2686, values)
    total = len(commune_levels)
    very_high = sum(1 for lv in commune_levels if lv >= 4)
    high = sum(1 for lv in commune_levels if lv >= 3)
    at_risk = sum(1 for lv in commune_levels if lv >= 2)

    def pct(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    if total and pct(very_high) >= v["district_red_if_communes_very_high_pct"]:
        level, why = (
            4,
            _("%(p)s %% xã nguy cơ rất cao (≥ %(t)s %%)")
            % {
                "p": num(pct(very_high)),
                "t": num(v["district_red_if_communes_very_high_pct"]),
            },
        )
    elif total and pct(high) >= v["district_red_if_communes_high_pct"]:
        level, why = (
            4,
            _("%(p)s %% xã nguy cơ cao (≥ %(t)s %%)")
            % {
                "p": num(pct(high)),
                "t": num(v["district_red_if_communes_high_pct"]),
            },
        )
    elif very_high:
        level, why = 3, _("%(n)s xã nguy cơ rất cao") % {"n": num(very_high)}
    elif total and pct(high) >= v["district_high_if_communes_high_pct"]:
        level, why = (
            3,
            _("%(p)s %% xã nguy cơ cao (≥ %(t)s %%)")
            % {
                "p": num(pct(high)),
                "t": num(v["district_high_if_communes_high_pct"]),
            },
        )
    elif total and pct(at_risk) >= v["district_high_if_communes_at_risk_pct"]:
        level, why = (
            3,
            _("%(p)s %% xã có nguy cơ (≥ %(t)s %%)")
            % {
                "p": num(pct(at_risk)),
                "t": num(v["district_high_if_communes_at_risk_pct"]),
            },
        )
    elif at_risk:
        level, why = 2, _("%(n)s/%(total)s xã có nguy cơ") % {"n": num(at_risk), "total": num(total)}
    else:
        level, why = 1, _("không xã nào có nguy cơ")
    inputs = {"communes": total, "communes_very_high": very_high, "communes_high": high, "communes_at_risk": at_risk}
    return Outcome(level, _sentence(level, [f"{COLOUR_NAMES[level]} — {why}"]), inputs)


def _sentence(level: int, parts: list[str]) -> str:
    return _("Cấp %(level)s: %(parts)s") % {"level": level, "parts": ", ".join(p for p in parts if p)}


# --- the rule table shown beside an assessment ---------------------------------------------------------------


@dataclass
class RuleRow:
    label: str
    cells: list[str]
    used: bool = False


@dataclass
class RuleTable:
    title: str
    header: list[str]
    rows: list[RuleRow]
    notes: list[str]
    used_column: int | None = None  # index into cells of the column used


def rule_table(
    rule_set: str, values: dict[str, Any], *, band: int | None = None, high: bool | None = None
) -> RuleTable:
    """The thresholds of a rule set as the screen shows them, the row (band) and column (coverage) used marked."""
    v = merged(rule_set, values)
    column = None if high is None else (0 if high else 1)
    if rule_set in (RuleSet.QD_4800, RuleSet.QD_218):
        top_strict = rule_set == RuleSet.QD_218
        bands = [float(b) for b in v["bands"]]
        if top_strict:
            bands.append(float(v["level4_above_per_100k_week"]))
            what = _("Ca mắc mới/100.000 dân/tuần")
            high_label = _("Bao phủ cao (≥ %(full)s %% dân số tiêm đủ liều và ≥ %(risk)s %% nhóm nguy cơ)") % {
                "full": num(v["coverage_full_pct"]),
                "risk": num(v["coverage_high_risk_pct"]),
            }
        else:
            what = _("Ca cộng đồng/100.000 dân/tuần")
            high_label = _(
                "Bao phủ cao (≥ %(adult)s %% người ≥ 18 tuổi tiêm ≥ 1 mũi và ≥ %(old)s %% người ≥ 50 tuổi tiêm đủ liều)"
            ) % {
                "adult": num(v["coverage_high"]["adult_one_dose_pct"]),
                "old": num(v["coverage_high"]["over50_full_pct"]),
            }
        rows = [
            RuleRow(
                band_label(i, bands, top_strict=top_strict),
                [str(v["matrix_high_coverage"][i]), str(v["matrix_low_coverage"][i])],
                used=band == i,
            )
            for i in range(len(bands) + 1)
        ]
        switch = {"stay": _("giữ cấp"), "up": _("nâng 1 cấp")}.get(v["capacity_not_met"], v["capacity_not_met"])
        notes = [_("Năng lực điều trị chưa đáp ứng: %(switch)s.") % {"switch": switch}]
        return RuleTable(str(RuleSet(rule_set).label), [what, high_label, _("Bao phủ thấp")], rows, notes, column)
    rows = [
        RuleRow(_("Xã đỏ (4)"), [_("ổ dịch ≥ %(n)s ca không rõ nguồn lây") % {"n": v["commune_cluster_min_cases"]}]),
        RuleRow(_("Xã cam (3)"), [_("có ca không rõ nguồn lây, hoặc giáp xã đỏ")]),
        RuleRow(_("Xã vàng (2)"), [_("có ca cộng đồng rõ nguồn lây, hoặc giáp xã cam")]),
        RuleRow(
            _("Huyện đỏ (4)"),
            [
                _("≥ %(a)s %% xã rất cao hoặc ≥ %(b)s %% xã cao")
                % {
                    "a": v["district_red_if_communes_very_high_pct"],
                    "b": v["district_red_if_communes_high_pct"],
                }
            ],
        ),
        RuleRow(
            _("Huyện cam (3)"),
            [
                _("≥ %(a)s %% xã cao, ≥ %(b)s %% xã có nguy cơ, hoặc 1 xã rất cao")
                % {
                    "a": v["district_high_if_communes_high_pct"],
                    "b": v["district_high_if_communes_at_risk_pct"],
                }
            ],
        ),
    ]
    notes = [_("Chưa có dữ liệu ranh giới xã: tiêu chí “giáp xã đỏ/cam” chưa được xét.")]
    return RuleTable(str(RuleSet(rule_set).label), [_("Mức"), _("Điều kiện")], rows, notes, None)
