from django.db import migrations

from apps.parties.roles import grant, revoke

ISSUER = ["credit.view_supervisoryaction", "credit.add_supervisoryaction", "credit.change_supervisoryaction"]
PERMS = {
    "transport_officer": ISSUER,
    "regulator_staff": ISSUER,
    "insurance_association_staff": ISSUER,
    "taxi_association_staff": ISSUER,
    "taxi_company_staff": ["credit.view_supervisoryaction"],
    "insurer_staff": ["credit.view_supervisoryaction"],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("credit", "0004_supervisory_action")]
    operations = [migrations.RunPython(forwards, backwards)]
