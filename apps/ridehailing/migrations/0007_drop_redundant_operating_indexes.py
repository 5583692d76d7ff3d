"""Two indexes of the raw operating records dropped (issue 20). Within a day partition ``rh_operating_day``
(company, day, interface) is (company, interface), which the unique ``rh_operating_once`` (interface, company,
dedup_key, day) already serves (the API's list of one interface and day); and orders are now found in
``OperatingOrder``, not by ``rh_operating_order`` (company, order_id, interface). Every record written maintained
both; and on a fresh partition without statistics the planner took ``rh_operating_day`` for a vehicle-day's records
and read the whole company-day for each vehicle (``rh_operating_vehicle`` is the one for that)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ridehailing", "0006_operatingorder")]

    operations = [
        migrations.RunSQL(
            "DROP INDEX rh_operating_day; DROP INDEX rh_operating_order",
            reverse_sql="CREATE INDEX rh_operating_order ON ridehailing_operatingrecord (company_id, order_id, interface);"
                        "CREATE INDEX rh_operating_day ON ridehailing_operatingrecord (company_id, day, interface)",
        ),
    ]
