"""Grant the policies app's model permissions to the role groups (rows are further narrowed by access.py)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

_STANDARD_VIEW = ["policies.view_coveragestandard", "policies.view_coveragerequirement"]
_STANDARD_EDIT = [
    "policies.add_coveragestandard", "policies.change_coveragestandard",
    "policies.add_coveragerequirement", "policies.change_coveragerequirement",
]
_POLICY_VIEW = ["policies.view_policy", "policies.view_coverage"]
PERMS = {
    "insurer_staff": [
        *_POLICY_VIEW, "policies.add_policy", "policies.change_policy", "policies.add_coverage",
        "policies.change_coverage", *_STANDARD_VIEW,
    ],
    "transport_officer": [*_POLICY_VIEW, *_STANDARD_VIEW],
    "regulator_staff": [*_POLICY_VIEW, *_STANDARD_VIEW],
    # Rule M10: the two associations publish the coverage standard.
    "insurance_association_staff": [*_POLICY_VIEW, *_STANDARD_VIEW, *_STANDARD_EDIT],
    "taxi_association_staff": [*_STANDARD_VIEW, *_STANDARD_EDIT],
    "taxi_company_staff": list(_STANDARD_VIEW),
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
