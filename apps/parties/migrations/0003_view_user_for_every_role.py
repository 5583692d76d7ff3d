"""Every role may list the users of its own organisation (the access module narrows it to the organisation)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

ROLES = [
    "transport_officer", "regulator_staff", "insurance_association_staff", "taxi_association_staff",
    "taxi_company_staff", "insurer_staff",
]
PERMS = {role: ["parties.view_user"] for role in ROLES}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_role_groups")]
    operations = [migrations.RunPython(forwards, backwards)]
