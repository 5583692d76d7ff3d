"""An index on the raw records' id alone (the primary key is (day, id)): a record found by its id — key rotation
re-encrypting its LicenseId — is one index probe per partition, not a scan."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ridehailing", "0003_wider_numbers")]

    operations = [
        migrations.RunSQL("CREATE INDEX rh_operating_id ON ridehailing_operatingrecord (id)",
                          reverse_sql="DROP INDEX rh_operating_id"),
    ]
