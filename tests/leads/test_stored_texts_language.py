"""A lead's evidence and trail notes the platform writes are read in the reader's language (issue 16, rules M4,
M16): evidence composed from a 12328 report and the finding a verification notes are kept as a message id with its
parameters; what the reporter or an officer typed stays as typed; old rows are recognised by the migration."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.utils import translation

from apps.complaints.services import complaint_submit, complaint_to_lead, public_reporter
from apps.leads.models import Lead, LeadEvent
from tests.complaints.factories import report_12328

from .test_m2_who_decides import _verified

pytestmark = pytest.mark.django_db


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def test_m16_evidence_written_from_a_report_in_chinese_reads_in_english_with_the_report_as_typed(client, api, parties):
    with translation.override("zh-hans"):
        complaint, _code = complaint_submit(**report_12328(), actor=public_reporter())
        lead = complaint_to_lead(actor=parties.transport_user, complaint=complaint)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.evidence.startswith(f"12328 举报 {complaint.tracking_no}：")
    assert lead.evidence_msg["msgid"] == "12328 举报 %(no)s：%(when)s 在%(where)s，%(text)s"
    client.force_login(parties.transport_user)
    english = _get(client, f"/leads/{lead.pk}/", "en").content.decode()
    assert f"12328 report {complaint.tracking_no}: " in english and f"at {complaint.location}" in english
    assert complaint.description in english  # what the reporter wrote, as written
    row = _get(api.as_user(parties.transport_user), f"/api/v1/leads/{lead.pk}/", "en").json()
    assert row["evidence"].startswith(f"12328 report {complaint.tracking_no}: ")
    assert complaint.events.get(kind="lead_created").note_msg["params"] == {"id": lead.reference}


def test_m4_the_finding_a_verification_notes_reads_in_the_readers_language(client, parties, deliver):
    with translation.override("zh-hans"):
        lead, _pol = _verified(parties, deliver)
    event = lead.events.get(action="verified")
    assert event.note == "按非营运性质投保" and event.note_msg == {"msgid": "按非营运性质投保", "params": {}}
    client.force_login(parties.regulator_user)
    english = _get(client, f"/leads/{lead.pk}/", "en").content.decode()
    assert "Insured as non-operating" in english
    assert "火车站揽客" in english  # the officer's evidence as typed
    assert lead.evidence_msg == {}


def test_the_migration_recognises_old_evidence_and_findings_and_leaves_typed_text_as_stored(parties, deliver):
    migration = importlib.import_module("apps.leads.migrations.0011_stored_text_messages")
    lead, _pol = _verified(parties, deliver)
    Lead.objects.filter(pk=lead.pk).update(evidence="12328 举报 JB261101ABCDEF", evidence_msg={})
    typed = LeadEvent.objects.create(lead=lead, action="verified", note="承保公司电话确认", organization=parties.regulator)
    old = LeadEvent.objects.create(lead=lead, action="verified", note="未投保", organization=parties.regulator)
    with connection.cursor() as cursor:  # the rows above are checked now, as rows committed before a migration
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # as ``migrate`` runs it (the trail's append-only guard lifted)
        migration.recognise_texts(django_apps, editor)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.evidence_msg == {"msgid": "12328 举报 %(ref)s", "params": {"ref": "JB261101ABCDEF"}}
    assert LeadEvent.objects.get(pk=old.pk).note_msg == {"msgid": "未投保", "params": {}}
    assert LeadEvent.objects.get(pk=typed.pk).note_msg == {}
    with translation.override("en"):
        assert LeadEvent.objects.get(pk=old.pk).display_note == "Uninsured"
        assert LeadEvent.objects.get(pk=typed.pk).display_note == "承保公司电话确认"
    assert lead.evidence == "12328 举报 JB261101ABCDEF"  # the stored text is never changed


def test_m8_the_first_model_version_written_by_the_scheduled_run_reads_in_english(client, parties):
    from apps.leads import risk
    from apps.leads.models import RiskModelWeights
    from apps.parties.rights import SystemActor

    with translation.override("zh-hans"):
        risk.risk_model_run(actor=SystemActor("leads.risk_model", organization=parties.ins_assoc))
    version = RiskModelWeights.objects.get()
    assert version.note == "初始版本（各特征使用默认权重）" and version.created_by is None
    client.force_login(parties.ins_assoc_user)
    english = _get(client, "/leads/risk/", "en").content.decode()
    assert "Initial version (default weights for every feature)" in english
    assert "初始版本" not in english and "系统" not in english  # the platform, named in the reader's language
    migration = importlib.import_module("apps.leads.migrations.0013_risk_weights_note_msg")
    RiskModelWeights.objects.update(note_msg={})  # as an older version left it
    migration.recognise_notes(django_apps, None)
    assert RiskModelWeights.objects.get().note_msg == {"msgid": "初始版本（各特征使用默认权重）", "params": {}}
