"""Rules of venue check-ins and of the exposure engine (issue 7). PC-Covid alerted people who scanned the same
venue within ±1 h of an F0 (DOMAIN.md, "Systems in use"); the rest are ChiHuy's defaults, unverified."""

import datetime as dt

from django.db import migrations

CHECKIN = {"default_dwell_minutes": 60, "max_dwell_minutes": 720, "retention_days": 28, "max_batch": 10000,
           "future_tolerance_minutes": 5}

# core's 0002 seeded "tracing.checkin" from 01/8/2021 in an earlier shape ({dwell_minutes, overlap_window_minutes,
# retention_days}); that row is rewritten to this shape (the window moved to "tracing.exposure") and the same
# defaults are put in force before it.
ROWS = [
    ("tracing.checkin", CHECKIN, dt.date(2020, 1, 1), False,
     "ChiHuy mặc định: không quét trả thì tính ở lại 1 giờ; một lượt tối đa 12 giờ; dữ liệu quét mã lưu 28 ngày "
     "rồi xóa; mỗi lô gửi tối đa 10.000 lượt",
     "Dwell without check-out, longest visit, retention (28 days, like PC-Covid's stated practice), batch size [U]"),
    ("tracing.checkin", CHECKIN, dt.date(2021, 8, 1), False,
     "PC-Covid (cảnh báo ±1 giờ); lưu 28 ngày — không quét trả tính 1 giờ, một lượt tối đa 12 giờ, lô tối đa "
     "10.000 lượt",
     "As before 01/8/2021; PC-Covid's stated practice [U]"),
    ("tracing.exposure", {"window_minutes": 60, "min_overlap_minutes": 0}, dt.date(2020, 1, 1), False,
     "Thực tế PC-Covid: người quét mã cùng địa điểm trong khoảng ±1 giờ so với thời điểm F0 có mặt",
     "Candidates: presence at the venue within ±window of the F0's visit, at least min_overlap minutes [U]"),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for i, (key, value, valid_from, verified, source, note) in enumerate(ROWS):
        following = next((r for r in ROWS[i + 1:] if r[0] == key), None)
        Policy.objects.update_or_create(
            key=key,
            valid_from=valid_from,
            defaults={"value": value, "valid_to": following[2] if following else None, "source_document": source,
                      "verified": verified, "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        if (key, valid_from) != ("tracing.checkin", dt.date(2021, 8, 1)):
            Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("tracing", "0001_initial"), ("core", "0002_seed_policies")]

    operations = [migrations.RunPython(seed, unseed)]
