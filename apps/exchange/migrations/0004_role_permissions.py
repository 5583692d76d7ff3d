"""Every role may view batches (its own; the regulator all — see access.py), their trail and the public keys."""

from django.db import migrations

from apps.parties.roles import grant, revoke

ROLES = [
    "transport_officer", "regulator_staff", "insurance_association_staff", "taxi_association_staff",
    "taxi_company_staff", "insurer_staff", "platform_admin",
]
PERMS = {role: ["exchange.view_batch", "exchange.view_batchevent", "exchange.view_organizationkey"] for role in ROLES}
PERMS["regulator_staff"] = [*PERMS["regulator_staff"], "exchange.view_inboxentry"]
PERMS["platform_admin"] = [*PERMS["platform_admin"], "exchange.view_inboxentry"]


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_issue_keys_for_existing_organizations"), ("parties", "0002_role_groups")]
    operations = [migrations.RunPython(forwards, backwards)]
