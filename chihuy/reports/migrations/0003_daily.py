"""Daily reports: the submission deadline of a reporting day (policy "reports.submission_deadline")."""

import datetime as dt

from django.db import migrations

ROWS = [
    (
        "reports.submission_deadline",
        {"hour": 17},  # the same calendar day as the 16:00 cut: an hour to check and submit
        dt.date(2020, 1, 1),
        "Chế độ báo cáo hằng ngày: số liệu chốt 16h00, gửi trước 17h00 cùng ngày",
    ),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, value, valid_from, source in ROWS:
        Policy.objects.update_or_create(
            key=key,
            valid_from=valid_from,
            defaults={"value": value, "valid_to": None, "source_document": source, "verified": False, "note": ""},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, _source in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_levels"), ("core", "0002_seed_policies")]
    operations = [migrations.RunPython(seed, unseed)]
