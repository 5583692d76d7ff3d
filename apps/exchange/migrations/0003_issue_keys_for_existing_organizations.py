"""Organisations created before the exchange existed get their key pairs (new ones get them on creation;
``manage.py exchange_issue_keys`` does the same at any time)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from apps.exchange.keys import ensure_keys

    Organization = apps.get_model("parties", "Organization")
    OrganizationKey = apps.get_model("exchange", "OrganizationKey")
    for org_id in Organization.objects.values_list("pk", flat=True):
        ensure_keys(OrganizationKey, organization_id=org_id)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_append_only_and_sealed"), ("parties", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
