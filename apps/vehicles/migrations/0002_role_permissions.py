"""Grant the vehicles app's model permissions to the role groups (rows are further narrowed by access.py)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

_VIEW_ALL = [
    "vehicles.view_vehicle", "vehicles.view_operatingpermit", "vehicles.view_driver",
    "vehicles.view_driverassignment", "vehicles.view_onboardingcheck",
]
PERMS = {
    "taxi_company_staff": [
        "vehicles.view_vehicle", "vehicles.add_vehicle", "vehicles.change_vehicle",
        "vehicles.view_driver", "vehicles.add_driver", "vehicles.change_driver",
        "vehicles.view_driverassignment", "vehicles.add_driverassignment", "vehicles.change_driverassignment",
        "vehicles.view_operatingpermit",
        "vehicles.view_onboardingcheck", "vehicles.add_onboardingcheck",
    ],
    # Transport issues permits and keeps the register of operating vehicles it pushes (rule M6).
    "transport_officer": [
        *_VIEW_ALL, "vehicles.add_operatingpermit", "vehicles.change_operatingpermit",
        "vehicles.add_vehicle", "vehicles.change_vehicle",
    ],
    "regulator_staff": list(_VIEW_ALL),
    "insurance_association_staff": list(_VIEW_ALL),
    "taxi_association_staff": [
        "vehicles.view_vehicle", "vehicles.view_driver", "vehicles.view_driverassignment",
        "vehicles.view_operatingpermit",
    ],
    # Insurers read the vehicles they insure and their permits (rule M11: verify qualification before underwriting).
    "insurer_staff": ["vehicles.view_vehicle", "vehicles.view_operatingpermit"],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("vehicles", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
