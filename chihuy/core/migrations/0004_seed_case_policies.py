"""Rules of the cases and tracing issue that DOMAIN.md leaves to us: the 5S step targets, when a cluster
closes, how large a chain graph a screen draws. Our defaults, verified=False, for an administrator to set."""

import datetime as dt

from django.db import migrations

ROWS = [
    ("fives.targets_hours",
     {"report": 2, "tracing": 24, "isolation": 24, "treatment": 24},
     dt.date(2020, 1, 1), "ChiHuy default: 5S (sớm báo cáo, truy vết, cách ly, điều trị) — chưa có văn bản quy định giờ",
     "Hours from detection to report, and from report to tracing done, to all F1 isolated, to treatment [U]"),
    ("cluster.close_after_days", {"days": 28}, dt.date(2020, 1, 1),
     "ChiHuy default: 2 thời kỳ ủ bệnh (2 × 14 ngày) không có ca mới",
     "An active cluster closes automatically after this many days without a new case [U]"),
    ("graph.max_nodes", {"screen": 2000, "api": 20000}, dt.date(2020, 1, 1),
     "ChiHuy default: giới hạn số nút của sơ đồ chuỗi lây", "Beyond it the user narrows the date window"),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, value, valid_from, source, note in ROWS:
        Policy.objects.update_or_create(
            key=key, valid_from=valid_from,
            defaults={"value": value, "valid_to": None, "source_document": source, "verified": False, "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_job")]
    operations = [migrations.RunPython(seed, unseed)]
