"""Role groups come from the data migration; every user has exactly one role group; demo data."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from apps.parties.models import ROLE_FOR_KIND, OrganizationKind, Role, User
from tests.factories import user_of


def perms(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_a_group_created_by_the_migration_with_its_permissions(db, role):
    group = Group.objects.get(name=role.value)
    assert {"parties.view_organization", "core.view_deadline"} <= perms(group)


def test_supervisors_and_the_platform_admin_read_the_audit_trail(db):
    for role in (Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF, Role.PLATFORM_ADMIN):
        assert "core.view_auditevent" in perms(Group.objects.get(name=role))
    for role in (Role.INSURER_STAFF, Role.TAXI_COMPANY_STAFF):
        assert "core.view_auditevent" not in perms(Group.objects.get(name=role))
    assert "core.change_workcalendarday" in perms(Group.objects.get(name=Role.PLATFORM_ADMIN))
    assert "core.change_workcalendarday" not in perms(Group.objects.get(name=Role.REGULATOR_STAFF))


def test_every_kind_of_organisation_has_a_role():
    assert set(ROLE_FOR_KIND) == set(OrganizationKind)
    assert set(ROLE_FOR_KIND.values()) == set(Role)


def role_groups(user: User) -> list[str]:
    return list(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


@pytest.mark.parametrize("kind", list(OrganizationKind))
def test_user_create_gives_exactly_one_role_group(db, kind):
    user = user_of(kind)
    assert role_groups(user) == [ROLE_FOR_KIND[kind]]
    assert user.role == ROLE_FOR_KIND[kind]
    assert user.has_perm("core.view_deadline")


@pytest.fixture
def only_parties_demo(monkeypatch):
    """Run seed_demo without the other apps' demo data (their own tests cover it)."""
    from apps.demo import seeders

    monkeypatch.setattr(seeders, "SEEDERS", [])
    return seeders.SEEDERS


def test_seed_demo_loads_one_user_per_role_each_with_exactly_one_role_group_and_is_idempotent(db, only_parties_demo):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    users = User.objects.filter(is_system=False).select_related("organization")
    counts = (User.objects.count(), users.count())
    assert {u.role for u in users} == set(Role)
    for user in users:
        assert role_groups(user) == [user.role], user.username
        assert user.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    text = out.getvalue()
    assert DEMO_PASSWORD in text and "picc" in text and "保险公司人员" in text
    call_command("seed_demo", "--quiet-logins", stdout=StringIO())
    assert (User.objects.count(), User.objects.filter(is_system=False).count()) == counts


def test_a_failing_demo_seeder_is_reported_and_does_not_stop_the_others(db, only_parties_demo):
    from apps.parties.models import Organization

    ran = []

    def broken(stdout):
        Organization.objects.filter(uscc="91450200MA5K12345B").update(short_name="half-written")
        raise RuntimeError("demo data bug")

    def fine(stdout):
        ran.append(True)

    only_parties_demo.extend([broken, fine])
    err = StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=StringIO(), stderr=err)
    assert ran == [True]
    assert "demo data bug" in err.getvalue() and "broken" in err.getvalue()
    assert Organization.objects.get(uscc="91450200MA5K12345B").short_name == "龙城出租"  # rolled back
    assert User.objects.filter(username="picc").exists()
