"""Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("credit", "0004_supervisory_action")]
    operations = []
