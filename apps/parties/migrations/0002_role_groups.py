"""Create the role groups of DESIGN.md.

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations

ROLES = [
    "transport_officer", "regulator_staff", "insurance_association_staff", "taxi_association_staff",
    "taxi_company_staff", "insurer_staff", "platform_admin",
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0001_initial"),
        ("core", "0004_seed_work_calendar"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
