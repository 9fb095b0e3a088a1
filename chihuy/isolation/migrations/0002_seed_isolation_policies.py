"""Rules of quarantine, treatment and home care (DOMAIN.md "Quarantine and testing"): days, test days and monitoring
by effective date and vaccination status; the cohort window; home-care danger signs; discharge; capacity alerts."""

import datetime as dt

from django.db import migrations

ROWS = [
    ("isolation.quarantine",
     {"days": 14, "test_days": [], "monitoring_days": 14, "kind": "facility"}, dt.date(2020, 1, 1), False,
     "Thực tế áp dụng năm 2020: cách ly tập trung 14 ngày, theo dõi sức khỏe tại nhà 14 ngày (tổng 28 ngày)",
     "Practice of 2020 (DOMAIN.md) [U]"),
    ("isolation.quarantine",
     {"days": 21, "test_days": [1, 14, 20], "monitoring_days": 7, "kind": "facility"}, dt.date(2021, 5, 5), True,
     "Công điện 600/CĐ-BCĐ ngày 05/5/2021: cách ly tập trung ít nhất 21 ngày, xét nghiệm ngày 1, 14, 20; "
     "theo dõi sức khỏe 7 ngày, xét nghiệm ngày thứ 7",
     "F1 and arrivals: ≥ 21 days in a facility [V]"),
    ("isolation.quarantine",
     {"days": 14, "test_days": [1, 7, 14], "monitoring_days": 14, "kind": "facility"}, dt.date(2021, 7, 14), True,
     "Công văn 5599/BYT-MT ngày 14/7/2021: cách ly 14 ngày (tập trung hoặc thí điểm tại nhà), xét nghiệm ngày 1, "
     "7, 14; theo dõi sức khỏe 14 ngày",
     "14 days with tests on day 1, 7, 14 [V]"),
    ("isolation.quarantine",
     {"days": 14, "test_days": [1, 7, 14], "monitoring_days": 14, "kind": "facility",
      "vaccinated": {"days": 7, "test_days": [1, 7], "monitoring_days": 7, "kind": "home"}},
     dt.date(2021, 12, 16), True,
     "Công văn 10696/BYT-MT ngày 16/12/2021: người tiêm đủ liều hoặc đã khỏi bệnh cách ly tại nhà 7 ngày, "
     "xét nghiệm ngày 1 và 7, tự theo dõi 7 ngày; người khác như 5599/BYT-MT",
     "Fully vaccinated or recovered: 7 days at home [V]; others keep the 5599 rule [U]"),
    ("isolation.quarantine",
     {"days": 7, "test_days": [7], "monitoring_days": 3, "kind": "home",
      "vaccinated": {"days": 5, "test_days": [5], "monitoring_days": 5, "kind": "home"}},
     dt.date(2022, 2, 21), True,
     "Công văn 762/BYT-DP ngày 21/02/2022: F1 tiêm đủ ≥ 2 mũi hoặc đã khỏi bệnh cách ly 5 ngày, xét nghiệm ngày "
     "5, tự theo dõi 5 ngày; chưa tiêm đủ cách ly 7 ngày, xét nghiệm ngày 7, tự theo dõi 3 ngày",
     "≥ 2 doses/recovered: 5 days; others 7 [V]"),
    ("isolation.quarantine",
     {"days": 0, "test_days": [], "monitoring_days": 0, "kind": "none"}, dt.date(2022, 4, 15), True,
     "Công văn 1909/BYT-DP ngày 15/4/2022: F1 không phải cách ly, tự theo dõi sức khỏe, thực hiện 5K",
     "F1 no longer quarantined [V]"),
    ("isolation.arrival_monitoring", {"total_days": 28}, dt.date(2020, 1, 1), True,
     "Kế hoạch 004 §2: người nhập cảnh được theo dõi sức khỏe đủ 28 ngày kể từ ngày nhập cảnh",
     "Arrivals: health monitoring up to this many days after entry, quarantine included [V]"),
    ("isolation.cohort", {"window_days": 2}, dt.date(2020, 1, 1), False,
     "ChiHuy: một phòng F1 chỉ một nhóm phơi nhiễm (ngày vào cách nhau không quá 2 ngày); không xếp F0 cùng F1",
     "Cohort window of an F1 room, days (our design, no public rule) [U]"),
    ("isolation.home_care", {"spo2_danger": 96, "temperature_danger": 39.0, "missed_after_hours": 24},
     dt.date(2020, 1, 1), False,
     "ChiHuy mặc định theo hướng dẫn chăm sóc F0 tại nhà: SpO2 ≤ 96 %, khó thở, sốt cao là dấu hiệu cần báo ngay",
     "Home isolation danger signs and the check-in rhythm [U]"),
    ("isolation.discharge",
     {"min_days": 10, "test_from_day": 7, "ct_min": 30, "days_without_test": 14, "symptom_free_days": 3,
      "monitoring_days": 7},
     dt.date(2020, 1, 1), False,
     "ChiHuy mặc định: ra viện sau ít nhất 10 ngày có xét nghiệm âm tính (hoặc Ct ≥ 30) từ ngày 7, hoặc sau 14 "
     "ngày không xét nghiệm nếu hết triệu chứng 3 ngày; tự theo dõi 7 ngày",
     "Discharge criteria of a treated F0 [U]"),
    ("isolation.capacity_alert", {"percents": [80, 95]}, dt.date(2020, 1, 1), False,
     "ChiHuy mặc định: cảnh báo khi công suất giường đạt 80 % và 95 %",
     "Occupancy thresholds alerted to the centre (once per crossing) [U]"),
    ("isolation.vulnerable", {"min_age": 65, "chronic": True, "pregnant": True}, dt.date(2020, 1, 1), False,
     "ChiHuy mặc định: người từ 65 tuổi, có bệnh nền hoặc mang thai được xếp gần điểm oxy",
     "Who is placed near an oxygen point [U]"),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    ordered = sorted(ROWS, key=lambda r: (r[0], r[2]))
    for i, (key, value, valid_from, verified, source, note) in enumerate(ordered):
        following = next((r for r in ordered[i + 1:] if r[0] == key), None)
        Policy.objects.update_or_create(
            key=key, valid_from=valid_from,
            defaults={"value": value, "valid_to": following[2] if following else None, "source_document": source,
                      "verified": verified, "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0004_seed_case_policies"), ("isolation", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
