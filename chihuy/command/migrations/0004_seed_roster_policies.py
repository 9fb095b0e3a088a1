"""Rules of the duty roster that DOMAIN.md leaves to us: how far ahead gaps are alerted and the shift templates.
Our defaults, verified=False, for an administrator to set."""

import datetime as dt

from django.db import migrations

TEMPLATES = {
    "3x8": {"label": "3 ca × 8 giờ (07–15, 15–23, 23–07)", "slots": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]},
    "2x12": {"label": "2 ca × 12 giờ (07–19, 19–07)", "slots": [["07:00", "19:00"], ["19:00", "07:00"]]},
}

ROWS = [
    ("roster.gap_horizon_hours", {"hours": 72}, dt.date(2020, 1, 1),
     "ChiHuy default: phân công ứng trực 24/24 giờ (seed 000 §8, 002 §5); báo chỉ huy khi 72 giờ tới còn khoảng trống",
     "Roster gaps within this many hours ahead are alerted to the centre's commander [U]"),
    ("roster.templates", TEMPLATES, dt.date(2020, 1, 1),
     "ChiHuy default: mẫu ca trực 3 ca × 8 giờ và 2 ca × 12 giờ",
     "Shift templates for planning weeks; a slot ending before it starts ends the next day"),
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
    dependencies = [("core", "0004_seed_case_policies"), ("command", "0003_seed_ticket_policies")]
    operations = [migrations.RunPython(seed, unseed)]
