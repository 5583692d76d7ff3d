"""The vehicle-days and the orders are rewritten by every delivery that brings one of their records: their tables
keep 30% of each page free, so that an upsert that changes no indexed column writes the new row version on the same
page without new index entries (a heap-only tuple update) — issue 20."""

from django.db import migrations

TABLES = ("ridehailing_vehicleday", "ridehailing_operatingorder")


class Migration(migrations.Migration):
    dependencies = [("ridehailing", "0007_drop_redundant_operating_indexes")]

    operations = [
        migrations.RunSQL(";".join(f"ALTER TABLE {t} SET (fillfactor = 70)" for t in TABLES),
                          reverse_sql=";".join(f"ALTER TABLE {t} RESET (fillfactor)" for t in TABLES)),
    ]
