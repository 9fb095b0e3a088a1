from django.db import migrations

# PostgreSQL only: the keys the ingest looks up by the thousand compared byte by byte (collation "C") instead of
# through the database's linguistic collation. They are exact-match keys: under any deterministic collation equal
# means byte-equal, so uniqueness and lookups mean what they meant. Venue codes (generated) and phones (normalised)
# are ASCII and sort the same either way; event ids are whatever the sender sends, but are only ever matched, never
# ordered for anyone. Only the cost changes. Measured on the benchmark's 30M month
# (bench/exposure.py): a COPY of 10,000 check-ins 121 → 95 ms (the event_key index's inserts 37 → 11 ms), a lookup
# of 10,000 phones 48 → 33 ms, of 9,000 venue codes 17 → 13 ms. SQLite compares bytes already (BINARY). Django
# cannot say this per database in the field (`db_collation="C"` would break SQLite), so a migration does it; an
# AlterField of these columns must keep the COLLATE (see the models).
COLUMNS = [("tracing_checkin", "event_key", 110), ("tracing_visitor", "phone", 15), ("tracing_venue", "code", 12)]


def to_bytes(apps, schema_editor):
    _alter(schema_editor, 'COLLATE "C"')


def to_default(apps, schema_editor):
    _alter(schema_editor, 'COLLATE "default"')


def _alter(schema_editor, collate):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, length in COLUMNS:
        schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({length}) {collate}')


class Migration(migrations.Migration):
    dependencies = [
        ("tracing", "0005_checkin_day_indexes"),
    ]

    operations = [migrations.RunPython(to_bytes, to_default, elidable=False)]
