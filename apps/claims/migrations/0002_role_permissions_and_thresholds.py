"""Write version 1 of the claims analytics thresholds (rule M14; association staff adjust them later).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Thresholds = apps.get_model("claims", "AnalyticsThresholds")
    if not Thresholds.objects.exists():
        Thresholds.objects.create(
            version=1, window_days=365, vehicle_min_claims=3, vehicle_min_loss=50000, driver_min_claims=3,
            driver_min_loss=50000, recheck_days=90, note="初始阈值",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
