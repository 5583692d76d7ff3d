"""Grant the vehicles app's model permissions to the role groups (rows are further narrowed by access.py).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vehicles", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = []
