"""Seed the rules of DOMAIN.md as effective-dated policy rows, each with its source document.

verified=True: a public source says it ([V] in DOMAIN.md); False: our default ([U]), to be checked
and changed by an administrator. Later changes are new rows (policy_set), never edits of history.
"""

import datetime as dt

from django.db import migrations

D = dt.date
FACILITY = "facility"
HOME = "home"

ROWS = [
    # --- F0 ------------------------------------------------------------------------------------
    ("f0.infectious_window", {"days_before_onset_or_sample": 2, "ends": "negative_test_or_ct_above", "ct_threshold": 30},
     D(2020, 1, 1), None, "Công văn 11042/BYT-DP 29/12/2021 (định nghĩa ca bệnh, thời kỳ lây truyền)", True, ""),
    ("f0.confirmation", {"rt_pcr_positive": True, "f1_rapid_positive": True, "two_rapid_within_hours": 8},
     D(2021, 12, 29), None, "Công văn 11042/BYT-DP 29/12/2021", True, ""),
    # --- contacts ------------------------------------------------------------------------------
    ("contact.f1_rule",
     {"distance_m": 2, "masked_min_minutes": 15, "household_automatic": True, "co_traveller_automatic": True,
      "quarantine": True},
     D(2021, 7, 30), D(2021, 12, 29), "Quyết định 3638/QĐ-BYT 30/7/2021", False,
     "Household members and co-travellers were F1 automatically [U]"),
    ("contact.f1_rule",
     {"distance_m": 2, "masked_min_minutes": 15, "household_automatic": False, "co_traveller_automatic": False,
      "quarantine": True},
     D(2021, 12, 29), D(2022, 4, 15), "Công văn 11042/BYT-DP 29/12/2021", True, ""),
    ("contact.f1_rule",
     {"distance_m": 1, "masked_min_minutes": 15, "household_automatic": False, "co_traveller_automatic": False,
      "quarantine": False},
     D(2022, 4, 15), None, "Công văn 1909/BYT-DP 15/4/2022", True, "F1 no longer quarantined"),
    ("contact.f2_rule", {"distance_m": 2, "until": "f1_isolated"},
     D(2021, 7, 30), None, "Quyết định 3638/QĐ-BYT 30/7/2021", True, ""),
    ("contact.max_level", {"max_level": 3}, D(2020, 1, 1), None, "ChiHuy default (F3 at most)", False, ""),
    # --- quarantine of F1 / arrivals ------------------------------------------------------------
    ("quarantine.f1",
     {"default": {"kind": FACILITY, "days": 14, "test_days": [], "monitoring_days": 14}},
     D(2020, 1, 1), D(2021, 5, 5), "Thực tiễn 2020 (14 ngày tập trung + 14 ngày theo dõi)", False, ""),
    ("quarantine.f1",
     {"default": {"kind": FACILITY, "days": 21, "test_days": [1, 14, 20], "monitoring_days": 7,
                  "monitoring_test_days": [7]}},
     D(2021, 5, 5), D(2021, 7, 14), "Công điện 600/CĐ-BCĐ 05/5/2021", True, ""),
    ("quarantine.f1",
     {"default": {"kind": FACILITY, "home_allowed": True, "days": 14, "test_days": [1, 7, 14], "monitoring_days": 14}},
     D(2021, 7, 14), D(2021, 12, 16), "Công văn 5599/BYT-MT 14/7/2021", True, ""),
    ("quarantine.f1",
     {"vaccinated": {"kind": HOME, "days": 7, "test_days": [1, 7], "monitoring_days": 7},
      "default": {"kind": FACILITY, "home_allowed": True, "days": 14, "test_days": [1, 7, 14], "monitoring_days": 14}},
     D(2021, 12, 16), D(2022, 2, 21), "Công văn 10696/BYT-MT 16/12/2021", True,
     "Rule for the not fully vaccinated kept from 5599 [U]"),
    ("quarantine.f1",
     {"vaccinated": {"kind": HOME, "days": 5, "test_days": [5], "monitoring_days": 5},
      "default": {"kind": HOME, "days": 7, "test_days": [7], "monitoring_days": 3}},
     D(2022, 2, 21), D(2022, 4, 15), "Công văn 762/BYT-DP 21/02/2022", True, ""),
    ("quarantine.f1",
     {"default": {"kind": None, "days": 0, "test_days": [], "monitoring_days": 0, "self_monitoring": True}},
     D(2022, 4, 15), None, "Công văn 1909/BYT-DP 15/4/2022", True, "F1 not quarantined; self-monitoring, 5K"),
    ("quarantine.home_sign",
     {"text": "KHU VỰC CÁCH LY Y TẾ PHÒNG, CHỐNG DỊCH COVID-19", "background": "red", "letters": "yellow",
      "yellow_bin": True, "whole_household": True},
     D(2021, 7, 14), None, "Công văn 5599/BYT-MT 14/7/2021", True, ""),
    ("quarantine.cohort_entry_window_days", {"days": 2}, D(2020, 1, 1), None,
     "ChiHuy design: one exposure cohort per F1 room (DOMAIN.md)", False, ""),
    ("entry.monitoring_days_total", {"days": 28}, D(2020, 1, 1), None,
     "Chỉ thị tỉnh (seed 004 §2): theo dõi sức khỏe đủ 28 ngày sau nhập cảnh", True, ""),
    # --- testing ---------------------------------------------------------------------------------
    ("labs.turnaround_hours", {"hours": 12}, D(2020, 1, 1), None,
     "Chỉ đạo tỉnh (seed 001 §6): trả kết quả trong 12 giờ", True, ""),
    ("labs.pool_sizes", {"sizes": [1, 5, 10]}, D(2020, 1, 1), None, "Hướng dẫn gộp mẫu của Bộ Y tế", False, ""),
    # --- epidemic level --------------------------------------------------------------------------
    ("level.rule_set", {"rule_set": "2686"}, D(2021, 5, 31), D(2021, 10, 12),
     "Quyết định 2686/QĐ-BCĐQG 31/5/2021", True, ""),
    ("level.rule_set", {"rule_set": "4800"}, D(2021, 10, 12), D(2022, 1, 27),
     "Quyết định 4800/QĐ-BYT 12/10/2021", True, ""),
    ("level.rule_set", {"rule_set": "218"}, D(2022, 1, 27), None, "Quyết định 218/QĐ-BYT 27/01/2022", True, ""),
    ("level.4800",
     {"bands": [0, 20, 50, 150],
      "matrix_high_coverage": [1, 1, 2, 3, 4], "matrix_low_coverage": [1, 2, 3, 4, 4],
      "coverage_high": {"adult_one_dose_pct": 70, "over50_full_pct": 80},
      "capacity_not_met": "stay"},
     D(2021, 10, 12), None, "Quyết định 4800/QĐ-BYT 12/10/2021", False,
     "≥150/100k/week = level 4 is [V]; the other bands and the capacity switch are [U]"),
    ("level.218",
     {"level4_above_per_100k_week": 600, "coverage_full_pct": 75, "coverage_high_risk_pct": 90},
     D(2022, 1, 27), None, "Quyết định 218/QĐ-BYT 27/01/2022", False, "level 4 threshold [V]; other bands [U]"),
    ("level.2686",
     {"district_high_if_communes_high_pct": 30, "district_high_if_communes_at_risk_pct": 50,
      "district_red_if_communes_very_high_pct": 30, "district_red_if_communes_high_pct": 50},
     D(2021, 5, 31), None, "Quyết định 2686/QĐ-BCĐQG 31/5/2021", True, ""),
    # --- reporting, tracing ----------------------------------------------------------------------
    ("reports.day_boundary", {"hour": 16}, D(2020, 1, 1), None, "Bản tin tỉnh: số liệu 16:00 → 16:00", False, ""),
    ("tracing.checkin", {"dwell_minutes": 60, "overlap_window_minutes": 60, "retention_days": 28},
     D(2021, 8, 1), None, "PC-Covid (cảnh báo ±1 giờ); lưu 28 ngày", False, ""),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, value, valid_from, valid_to, source, verified, note in ROWS:
        Policy.objects.update_or_create(
            key=key, valid_from=valid_from,
            defaults={"value": value, "valid_to": valid_to, "source_document": source, "verified": verified,
                      "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
