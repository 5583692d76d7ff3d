"""Role groups and their model permissions, applied by data migrations (never by hand).

Each app that adds models grants their permissions in a data migration:

    from apps.parties.roles import grant
    def forwards(apps, schema_editor):
        grant(apps, {"insurer_staff": ["policies.view_policy", "policies.add_policy"], ...})
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions


def grant(apps, mapping: dict[str, list[str]]) -> None:
    """Give each role group the listed ``app_label.codename`` permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrate; create them now for the apps named here.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    for role, perms in mapping.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, mapping: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in mapping.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
