"""Insurers read the screening findings and penalty decisions that concern their own policies (rows narrowed by
access.py: only those on their worklists)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

PERMS = {"insurer_staff": ["leads.view_screeningfinding", "leads.view_penalty"]}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_outcome_and_batches")]
    operations = [migrations.RunPython(forwards, backwards)]
