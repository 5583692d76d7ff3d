"""Every role may view batches (its own; the regulator all — see access.py), their trail and the public keys.

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_issue_keys_for_existing_organizations"), ("parties", "0002_role_groups")]
    operations = []
