"""The retry policy of the outbox: how often a failed delivery is tried again before it is dead.
Our defaults, verified=False, for an administrator to set."""

import datetime as dt

from django.db import migrations

ROWS = [
    ("notify.retry", {"max_attempts": 8, "base_seconds": 30, "max_seconds": 3600}, dt.date(2020, 1, 1),
     "ChiHuy default: gửi lại sau 30 s, 1, 2, 4 … phút (tối đa 1 giờ), 8 lần thì chuyển danh sách lỗi",
     "Exponential backoff with jitter; after max_attempts the delivery is dead until an operator retries it [U]"),
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
    dependencies = [("core", "0004_seed_case_policies"), ("notify", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
