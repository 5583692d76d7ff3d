"""Insurers read the screening findings and penalty decisions that concern their own policies (rows narrowed by
access.py: only those on their worklists).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_outcome_and_batches")]
    operations = []
