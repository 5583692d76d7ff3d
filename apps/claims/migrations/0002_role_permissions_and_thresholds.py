"""Grant the claims app's model permissions to the role groups (rows are further narrowed by access.py), and
write version 1 of the claims analytics thresholds (rule M14; association staff adjust them later)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

_READ = [
    "claims.view_claim", "claims.view_claimprogressnotice", "claims.view_analyticsthresholds",
    "claims.view_analyticsrun", "claims.view_focusedchecklist", "claims.view_focusedcheck",
]
PERMS = {
    # Insurers record their own claims on pages and push them from their core systems (rules M13, J11).
    "insurer_staff": [
        "claims.view_claim", "claims.add_claim", "claims.change_claim",
        "claims.view_claimprogressnotice", "claims.add_claimprogressnotice",
    ],
    "regulator_staff": list(_READ),
    # The insurance association runs the claims analytics and keeps its thresholds (rule M14).
    "insurance_association_staff": [
        *_READ, "claims.add_analyticsthresholds", "claims.add_analyticsrun",
    ],
    # The taxi association reads the aggregate service-level table (no claim rows) and the focused checks.
    "taxi_association_staff": [
        "claims.view_analyticsthresholds", "claims.view_analyticsrun", "claims.view_focusedchecklist",
        "claims.view_focusedcheck",
    ],
    "transport_officer": ["claims.view_focusedchecklist", "claims.view_focusedcheck"],
    # A platform company checks the vehicles and drivers on its focused-check list and records the result (M14).
    "taxi_company_staff": [
        "claims.view_focusedchecklist", "claims.view_focusedcheck", "claims.change_focusedcheck",
    ],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)
    Thresholds = apps.get_model("claims", "AnalyticsThresholds")
    if not Thresholds.objects.exists():
        Thresholds.objects.create(
            version=1, window_days=365, vehicle_min_claims=3, vehicle_min_loss=50000, driver_min_claims=3,
            driver_min_loss=50000, recheck_days=90, note="初始阈值",
        )


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
