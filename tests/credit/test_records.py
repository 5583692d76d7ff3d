"""Credit file records: creation, idempotency, corrections as new records, append-only in the database (M14)."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.credit.models import CreditRecord, SubjectKind
from apps.credit.services import (
    _record_write as record_write,  # the writer behind the associations' decisions
)
from apps.credit.services import credit_record_add, credit_record_correct
from apps.parties.rights import SystemActor

pytestmark = pytest.mark.django_db

JOB = SystemActor("credit.test_consequence")  # a consequence recorded by the platform
DAY = dt.date(2026, 5, 10)


def test_m14_record_for_insurer_with_default_expiry_and_audit(parties):
    record = record_write(subject=parties.insurer_a, event="rescission_lapsed", severity="serious",
                                  source="rescissions", occurred_on=DAY, evidence_link="/rescissions/1/",
                                  actor=JOB)
    assert record.subject_kind == SubjectKind.INSURER
    assert record.subject_organization == parties.insurer_a
    assert record.expires_on == DAY + dt.timedelta(days=1095)
    assert AuditEvent.objects.filter(action="credit.record_create", object_id=str(record.pk)).exists()


def test_dedup_key_makes_create_idempotent(parties):
    kwargs = dict(subject=parties.company_a, event="self_discipline", severity="high", source="supervisory_action",
                  occurred_on=DAY, dedup_key="sa:1", actor=JOB)
    first = record_write(**kwargs)
    second = record_write(**kwargs)
    assert first.pk == second.pk
    assert first.severity == "serious"  # alias "high"
    assert CreditRecord.objects.filter(dedup_key="sa:1").count() == 1


def test_refuses_organization_that_is_not_company_or_insurer(parties):
    with pytest.raises(ApplicationError):
        record_write(subject=parties.transport, event="other", severity="minor", source="x", occurred_on=DAY,
                             actor=JOB)
    assert not CreditRecord.objects.exists()


def test_database_refuses_update_and_delete(parties):
    record = record_write(subject=parties.insurer_a, event="other", severity="minor", source="association",
                                  occurred_on=DAY, actor=JOB)
    for sql in ("UPDATE credit_creditrecord SET severity = 'severe' WHERE id = %s",
                "DELETE FROM credit_creditrecord WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    record.refresh_from_db()
    assert record.severity == "minor"


def test_association_adds_and_corrects_with_a_new_record(parties):
    record = credit_record_add(actor=parties.ins_assoc_user, subject=parties.insurer_b, event="unlawful_refusal",
                               severity="moderate", occurred_on=DAY, detail="拒绝承保网约车交强险")
    correction = credit_record_correct(actor=parties.ins_assoc_user, record=record, reason="核实后为一般违规以外的轻微情形",
                                       severity="minor")
    assert correction.corrects_id == record.pk
    assert correction.severity == "minor"
    record.refresh_from_db()
    assert record.severity == "moderate"  # the original is untouched
    with pytest.raises(ApplicationError):
        credit_record_correct(actor=parties.ins_assoc_user, record=record, reason="again", severity="severe")


def test_correction_requires_reason(parties):
    record = credit_record_add(actor=parties.ins_assoc_user, subject=parties.insurer_b, event="other",
                               severity="minor", occurred_on=DAY, detail="x")
    with pytest.raises(ApplicationError):
        credit_record_correct(actor=parties.ins_assoc_user, record=record, reason="  ", withdraw=True)
    assert CreditRecord.objects.count() == 1


def test_taxi_association_may_not_record_against_insurers(parties):
    with pytest.raises(PermissionDeniedError):
        credit_record_add(actor=parties.taxi_assoc_user, subject=parties.insurer_a, event="other", severity="minor",
                          occurred_on=DAY, detail="x")
    with pytest.raises(PermissionDeniedError):
        credit_record_add(actor=parties.company_a_user, subject=parties.company_b, event="other", severity="minor",
                          occurred_on=DAY, detail="x")
    ok = credit_record_add(actor=parties.taxi_assoc_user, subject=parties.company_a, event="self_discipline",
                           severity="minor", occurred_on=DAY, detail="未按要求组织驾驶员培训")
    assert ok.created_by_organization == parties.taxi_assoc


def test_vehicle_and_driver_records_belong_to_their_company_file(parties):
    from tests.credit.factories import make_driver, make_vehicle

    vehicle = make_vehicle(company=parties.company_a)
    driver = make_driver(company=parties.company_a, name="王小明")
    v = record_write(subject=vehicle, event="lead_confirmed", severity="serious", source="leads",
                             occurred_on=DAY, actor=JOB)
    d = record_write(subject=driver, event="high_claim_rate", severity="minor", source="claims",
                             occurred_on=DAY, actor=JOB)
    assert (v.subject_kind, v.vehicle, v.subject_organization) == ("vehicle", vehicle, parties.company_a)
    assert v.subject_label == vehicle.plate
    assert (d.subject_kind, d.driver) == ("driver", driver)
    assert "王小明" not in d.subject_label and "王*明" in d.subject_label
