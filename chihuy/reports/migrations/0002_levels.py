"""Epidemic levels: the treatment-capacity declarations (criterion 3) and the 218/QĐ-BYT bands.

The seeded level.218 row (core 0002_seed_policies) holds only the level-4 threshold and the coverage bars. A new
effective-dated row from 28/01/2022 carries them unchanged plus the bands and matrices [U] the rule needs (the
seeded row's day, 27/01/2022, reads the same values from `reports.levels.DEFAULTS`); the seeded row now ends the
day the new one begins and is otherwise kept as it was.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SEEDED_218_FROM = dt.date(2022, 1, 27)
NEW_218_FROM = dt.date(2022, 1, 28)
ROW_218 = {
    "bands": [0, 50, 150],
    "level4_above_per_100k_week": 600,
    "matrix_high_coverage": [1, 1, 2, 3, 4],
    "matrix_low_coverage": [1, 2, 3, 4, 4],
    "coverage_full_pct": 75,
    "coverage_high_risk_pct": 90,
    "capacity_not_met": "stay",
}


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    seeded = Policy.objects.filter(key="level.218", valid_from=SEEDED_218_FROM).first()
    value = dict(ROW_218)
    if seeded is not None:
        value.update({k: v for k, v in seeded.value.items()})  # the seeded values win
        if seeded.valid_to is None:
            seeded.valid_to = NEW_218_FROM
            seeded.save(update_fields=["valid_to"])
    Policy.objects.update_or_create(
        key="level.218",
        valid_from=NEW_218_FROM,
        defaults={
            "value": value,
            "valid_to": None,
            "source_document": "Quyết định 218/QĐ-BYT 27/01/2022",
            "verified": False,
            "note": "level 4 above 600/100k/week [V]; coverage bars [V, press]; bands 50/150, matrices, the "
            "capacity switch [U]; high-risk group read as people ≥ 50",
        },
    )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    Policy.objects.filter(key="level.218", valid_from=NEW_218_FROM).delete()
    Policy.objects.filter(key="level.218", valid_from=SEEDED_218_FROM, valid_to=NEW_218_FROM).update(valid_to=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("places", "0001_initial"),
        ("core", "0002_seed_policies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CapacityDeclaration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("unit_path", models.CharField(max_length=255)),
                ("week_end", models.DateField()),
                ("met", models.BooleanField(default=True)),
                ("reason", models.CharField(blank=True, max_length=500)),
                ("declared_at", models.DateTimeField()),
                (
                    "declared_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.unit"),
                ),
            ],
            options={
                "verbose_name": "năng lực điều trị (tiêu chí 3)",
                "verbose_name_plural": "năng lực điều trị (tiêu chí 3)",
                "constraints": [models.UniqueConstraint(fields=("unit", "week_end"), name="capacity_unit_week")],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
