"""One table for who may do what (issue "[2/9]", "One table for who may do what").

The role grants once lived in twelve data migrations; now every app declares its rows in ``rights.py`` and
``apps.parties.rights`` applies them, exactly, after every migrate.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from apps.core.audit import audit_record
from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.parties import rights
from apps.parties.models import Role
from tests.factories import user_of


def _held(role: str) -> set[str]:
    return {f"{app}.{code}" for app, code in Group.objects.get(name=role).permissions.values_list(
        "content_type__app_label", "codename")}


def test_the_whole_matrix_is_printed_for_review(capsys):
    call_command("rights")
    out = capsys.readouterr().out
    print(out)  # the reviewer reads every right at once in the test log
    lines = out.splitlines()
    assert len(lines) == 1 + len(rights.matrix())
    # one line per permission, one mark per row of the table
    for perm, held in rights.matrix():
        line = next(x for x in lines if x.split()[0] == perm)
        assert line.count("✓") == sum(held.values())
    assert "leads.add_penalty" in out


@pytest.mark.django_db
def test_after_migrate_every_role_group_holds_exactly_its_row():
    for role in Role.values:
        assert _held(role) == set(rights.rights_of(role)), role


@pytest.mark.django_db
def test_apply_revokes_what_the_table_does_not_list_and_grants_what_is_missing():
    group = Group.objects.get(name=Role.TAXI_COMPANY_STAFF)
    stray = Permission.objects.get(content_type__app_label="leads", codename="add_penalty")
    group.permissions.add(stray)  # a right given by hand in the admin
    group.permissions.remove(Permission.objects.get(content_type__app_label="vehicles", codename="add_vehicle"))

    result = rights.apply(verbosity=0)

    assert result[Role.TAXI_COMPANY_STAFF] == (1, 1)
    assert _held(Role.TAXI_COMPANY_STAFF) == set(rights.rights_of(Role.TAXI_COMPANY_STAFF))
    assert rights.apply(verbosity=0)[Role.TAXI_COMPANY_STAFF] == (0, 0)  # idempotent


def test_every_right_in_the_table_names_an_existing_permission(django_db_blocker):
    with django_db_blocker.unblock():
        known = {f"{a}.{c}" for a, c in Permission.objects.values_list("content_type__app_label", "codename")}
    listed = {perm for perm, _held in rights.matrix()}
    assert listed and listed <= known, sorted(listed - known)


@pytest.mark.django_db
def test_require_answers_by_the_table_and_refuses_a_missing_actor(parties):
    rights.require(parties.transport_user, "leads.add_penalty")
    with pytest.raises(PermissionDeniedError):
        rights.require(parties.company_a_user, "leads.add_penalty", "只有交通运输部门可以登记处罚决定。")
    with pytest.raises(TypeError):
        rights.require(None, "leads.add_penalty")
    with pytest.raises(TypeError):
        rights.may(None, "leads.view_lead")


@pytest.mark.django_db
def test_an_account_of_a_deactivated_organisation_has_no_rights(parties):
    user = user_of("transport")
    assert rights.may(user, "leads.add_penalty")
    user.organization.is_active = False
    user.organization.save()
    assert not rights.may(user, "leads.add_penalty")


@pytest.mark.django_db
def test_system_actor_holds_its_organisations_row_and_is_audited_as_itself(parties):
    insurer = parties.insurer_a_user.organization
    job = rights.SystemActor("exchange.ingest", organization=insurer)
    assert rights.may(job, "policies.change_policy")  # the insurer's row
    assert not rights.may(job, "leads.add_penalty")
    assert not rights.may(rights.SystemActor("clock_sweep"), "leads.add_penalty")

    event = audit_record(actor=job, action="test.system_acted", obj=insurer)

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None
    assert event.system_job == "exchange.ingest"
    assert event.organization == insurer
