"""The raw operating records' index on ``delivery_id`` dropped (issue 20): no query reads the raw records by their
delivery (a delivery's results are its ``DeliveryRecord`` rows), and every record written maintained it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ridehailing", "0008_aggregate_fillfactor")]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS rh_operating_delivery",
            reverse_sql="CREATE INDEX rh_operating_delivery ON ridehailing_operatingrecord (delivery_id)",
        ),
    ]
