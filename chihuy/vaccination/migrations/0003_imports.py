"""Reserved for a slice of issue 8 (its owner adds operations here; empty until then)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0002_seed_vaccines")]
    operations: list = []
