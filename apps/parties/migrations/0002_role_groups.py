"""Create the role groups of DESIGN.md and grant the kernel's permissions."""

from django.db import migrations

from apps.parties.roles import grant, revoke

ROLES = [
    "transport_officer", "regulator_staff", "insurance_association_staff", "taxi_association_staff",
    "taxi_company_staff", "insurer_staff", "platform_admin",
]
PERMS = {role: ["parties.view_organization", "core.view_deadline"] for role in ROLES}
PERMS["regulator_staff"] = [*PERMS["regulator_staff"], "core.view_auditevent"]
PERMS["insurance_association_staff"] = [*PERMS["insurance_association_staff"], "core.view_auditevent"]
PERMS["platform_admin"] = [
    *PERMS["platform_admin"], "core.view_auditevent", "core.add_workcalendarday", "core.change_workcalendarday",
    "core.delete_workcalendarday", "core.add_workcalendaryear", "core.change_workcalendaryear",
    "parties.add_organization", "parties.change_organization", "parties.view_user", "parties.add_user",
    "parties.change_user", "parties.view_apikey", "parties.add_apikey", "parties.change_apikey",
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0001_initial"),
        ("core", "0004_seed_work_calendar"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
