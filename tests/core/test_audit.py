"""The audit trail: services write it, reveals write it, and the database refuses to rewrite it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from apps.core.audit import audit_record, reveal
from apps.core.models import AuditEvent
from apps.parties.rights import SystemActor


def test_audit_record_writes_a_row_with_actor_organization_and_object(parties):
    user = parties.insurer_a_user
    event = audit_record(actor=user, action="test.thing", obj=parties.insurer_b, detail={"why": "测试"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == user
    assert stored.organization == parties.insurer_a  # the actor's organisation by default
    assert (stored.object_type, stored.object_id) == ("parties.organization", str(parties.insurer_b.pk))
    assert stored.detail == {"why": "测试"}
    assert stored.at is not None


def test_audit_record_without_an_authenticated_actor(parties):
    event = audit_record(actor=AnonymousUser(), action="test.anonymous", organization=parties.regulator)
    assert event.actor is None and event.organization == parties.regulator


def test_services_audit_their_state_changes(parties):
    # organization_create and user_create (the parties fixture) each wrote an event
    assert AuditEvent.objects.filter(action="organization.create", object_id=str(parties.insurer_a.pk)).exists()
    assert AuditEvent.objects.filter(action="user.create", object_id=str(parties.insurer_a_user.pk)).exists()


def test_reveal_returns_the_value_and_writes_an_event(parties):
    user, subject = parties.regulator_user, parties.company_a_user
    before = AuditEvent.objects.filter(action="personal_data.reveal").count()
    assert reveal(actor=user, obj=subject, field="full_name", reason="核查") == subject.full_name
    event = AuditEvent.objects.filter(action="personal_data.reveal").latest("id")
    assert AuditEvent.objects.filter(action="personal_data.reveal").count() == before + 1
    assert event.actor == user and event.organization == parties.regulator
    assert event.object_type == "parties.user" and event.object_id == str(subject.pk)
    assert event.detail == {"field": "full_name", "reason": "核查"}


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:  # savepoint: the test's transaction survives
        cursor.execute(sql, params)


@pytest.mark.parametrize("sql", [
    "UPDATE core_auditevent SET action = 'rewritten' WHERE id = %s",
    "DELETE FROM core_auditevent WHERE id = %s",
])
def test_database_refuses_update_and_delete_of_audit_rows(parties, sql):
    event = audit_record(actor=SystemActor("test.audit"), action="test.immutable", organization=parties.transport)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.immutable"


def test_orm_update_and_delete_are_refused_too(parties):
    event = audit_record(actor=SystemActor("test.audit"), action="test.immutable", organization=parties.transport)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="test.immutable").exists()


def test_an_audit_event_without_an_actor_is_a_programming_error(parties):
    """Every event names who acted: a user, or the platform's job (``SystemActor``); ``None`` is refused."""
    before = AuditEvent.objects.count()
    with pytest.raises(TypeError, match="actor"):
        audit_record(actor=None, action="test.anonymous", organization=parties.transport)
    assert AuditEvent.objects.count() == before
    event = audit_record(actor=SystemActor("test.job"), action="test.job", organization=parties.transport)
    assert event.actor is None and event.system_job == "test.job"
