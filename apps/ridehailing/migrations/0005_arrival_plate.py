"""An arrival (``operateArrive``, which carries no plate) is stored with the plate of its order — the departure's,
else the payment's — so that the vehicle-day of its own day finds it by plate (issue 20: the aggregate is recomputed
from index probes per vehicle-day). The arrivals stored before are given theirs here."""

from django.db import migrations

FORWARD = """
UPDATE ridehailing_operatingrecord a SET vehicle_no = o.vehicle_no
FROM (SELECT DISTINCT ON (company_id, order_id) company_id, order_id, vehicle_no FROM ridehailing_operatingrecord
      WHERE interface IN ('operateDepart', 'operatePay')
      ORDER BY company_id, order_id, (interface = 'operateDepart') DESC, day) o
WHERE a.interface = 'operateArrive' AND a.company_id = o.company_id AND a.order_id = o.order_id
  AND a.vehicle_no <> o.vehicle_no
"""
BACKWARD = "UPDATE ridehailing_operatingrecord SET vehicle_no = '' WHERE interface = 'operateArrive'"


class Migration(migrations.Migration):
    dependencies = [("ridehailing", "0004_operatingrecord_id_index")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=BACKWARD)]
