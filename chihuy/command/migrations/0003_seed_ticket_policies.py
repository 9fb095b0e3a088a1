"""Rules of the tickets that DOMAIN.md leaves to us: the SLA per category and priority, the public page's
limits. Our defaults, verified=False, for an administrator to set (a new value is a policy row, not a release)."""

import datetime as dt

from django.db import migrations

# Hours to resolve, by priority; a category may set its own (a medical emergency in isolation cannot wait a day).
SLA_HOURS = {
    "default": {"urgent": 2, "high": 8, "normal": 24, "low": 72},
    "medical_emergency": {"urgent": 0.5, "high": 1, "normal": 2, "low": 4},
    "suspected_case": {"urgent": 1, "high": 2, "normal": 4, "low": 12},
    "quarantine_violation": {"urgent": 1, "high": 2, "normal": 4, "low": 12},
    "from_outbreak_area": {"urgent": 2, "high": 4, "normal": 8, "low": 24},
    "essentials": {"urgent": 2, "high": 6, "normal": 12, "low": 24},
}

ROWS = [
    (
        "ticket.sla_hours",
        SLA_HOURS,
        dt.date(2020, 1, 1),
        "ChiHuy default: thời hạn xử lý phản ánh theo loại và mức độ — chưa có văn bản quy định giờ",
        "Hours to resolve a ticket; past it, the ticket escalates to the parent unit's centre [U]",
    ),
    (
        "ticket.public_rate_limit",
        {"per_phone_per_hour": 5, "per_ip_per_hour": 20, "min_seconds": 3, "max_age_seconds": 7200},
        dt.date(2020, 1, 1),
        "ChiHuy default: giới hạn gửi phản ánh công khai (chống gửi tràn, không dùng captcha)",
        "Public page: tickets per phone and per IP an hour; a form sent sooner than min_seconds after it was "
        "issued, or later than max_age_seconds, is refused [U]",
    ),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, value, valid_from, source, note in ROWS:
        Policy.objects.update_or_create(
            key=key,
            valid_from=valid_from,
            defaults={"value": value, "valid_to": None, "source_document": source, "verified": False, "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("command", "0002_tickets"), ("core", "0004_seed_case_policies")]
    operations = [migrations.RunPython(seed, unseed)]
