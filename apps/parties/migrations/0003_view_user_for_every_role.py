"""Every role may list the users of its own organisation (the access module narrows it to the organisation).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_role_groups")]
    operations = []
