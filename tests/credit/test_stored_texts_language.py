"""Credit texts the platform composes are read in the reader's language (issue 16, rule M2): a proposal's reason
written from a complaint or a supervisory measure, the record an accepted proposal writes (the reason quoted inside
the association's decision) and a 督促 item's reason are kept as a message id with its parameters; labels in them
(a complaint's category, a measure's kind and ground) are translated, what a user typed (the complaint's result,
the measure's facts, the association's decision) stays as typed; old proposals are recognised by the migration."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone, translation

from apps.complaints.services import (
    complaint_resolve,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)
from apps.credit.models import CreditProposal
from apps.credit.services import credit_proposal_decide, supervisory_action_issue
from tests.complaints.factories import report_12378

pytestmark = pytest.mark.django_db

RESULT = "经核实，保险公司以非营运为由拒赔属实。"
FACTS = "多次违规设置理赔条件，情节严重。"
CATEGORY = "保险公司理赔违规（拖赔、惜赔、无理拒赔等）"
CATEGORY_EN = "Insurer claim misconduct (delay, underpayment, unjustified refusal)"


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def _proposal_from_a_complaint(parties):
    with translation.override("zh-hans"):
        complaint, _code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
        complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
        complaint_resolve(actor=parties.regulator_user, complaint=complaint, finding="substantiated", result=RESULT)
    return complaint, CreditProposal.objects.get(source_object_id=str(complaint.pk))


def test_m2_a_proposal_written_from_a_complaint_in_chinese_reads_in_english_and_so_does_its_record(client, api,
                                                                                                     parties):
    complaint, proposal = _proposal_from_a_complaint(parties)
    assert proposal.reason == f"{complaint.tracking_no} {CATEGORY}：{RESULT}"
    assert proposal.reason_msg["params"]["category"] == {"msgid": CATEGORY}
    association = parties.ins_assoc_user
    client.force_login(association)
    english = _get(client, f"/credit/proposals/{proposal.pk}/", "en").content.decode()
    assert f"{complaint.tracking_no} {CATEGORY_EN}" in english and RESULT in english
    assert CATEGORY not in english
    with translation.override("zh-hans"):
        credit_proposal_decide(actor=association, proposal=proposal, accept=True, reason="事实清楚，予以记入。")
    proposal.refresh_from_db()
    record = proposal.record
    assert record.detail.startswith(f"{complaint.tracking_no} {CATEGORY}：{RESULT}（依据")
    assert record.detail_msg["params"]["reason"] == {"text": proposal.reason_msg}
    with translation.override("en"):
        shown = record.display_detail
    assert shown.startswith(f"{complaint.tracking_no} {CATEGORY_EN}: {RESULT} (on proposal {proposal.number}")
    assert shown.endswith("事实清楚，予以记入。)")  # the association's typed decision as typed
    rows = _get(api.as_user(association), "/api/v1/credit-proposals/", "en").json()["results"]
    row = next(r for r in rows if r["id"] == proposal.pk)
    assert row["reason"] == f"{complaint.tracking_no} {CATEGORY_EN}: {RESULT}"
    assert row["reason_msg"]["msgid"] == "%(no)s %(category)s：%(result)s"


def test_m2_a_measure_proposed_in_english_reads_in_chinese_with_the_facts_as_typed(client, parties):
    with translation.override("en"):
        action = supervisory_action_issue(
            actor=parties.regulator_user, target=parties.insurer_a, kind="rectification_order",
            ground="invented_claim_conditions", facts=FACTS, starts_on=timezone.localdate(),
            reference_no="柳金监罚〔2026〕2号")
    proposal = CreditProposal.objects.get(source_object_id=str(action.pk))
    assert proposal.reason.startswith("Rectification order")  # rendered in the writer's language
    client.force_login(parties.ins_assoc_user)
    chinese = _get(client, f"/credit/proposals/{proposal.pk}/", "zh-hans").content.decode()
    assert f"责令整改（违规设置理赔条件、拖赔惜赔）柳金监罚〔2026〕2号：{FACTS}" in chinese


def test_the_migration_recognises_old_proposal_reasons_and_leaves_typed_ones_as_stored(parties):
    migration = importlib.import_module("apps.credit.migrations.0009_stored_text_messages")
    complaint, proposal = _proposal_from_a_complaint(parties)
    CreditProposal.objects.filter(pk=proposal.pk).update(reason_msg={})  # as an older version left it
    with translation.override("zh-hans"):
        action = supervisory_action_issue(
            actor=parties.regulator_user, target=parties.insurer_a, kind="rectification_order",
            ground="invented_claim_conditions", facts=FACTS, starts_on=timezone.localdate())
    measure = CreditProposal.objects.get(source_object_id=str(action.pk))
    CreditProposal.objects.filter(pk=measure.pk).update(reason="未列明的措施（说明）：当面约谈", reason_msg={})
    migration.recognise_reasons(django_apps, None)
    proposal.refresh_from_db()
    measure.refresh_from_db()
    assert proposal.reason_msg == {"msgid": "%(no)s %(category)s：%(result)s", "params": {
        "no": complaint.tracking_no, "category": {"msgid": CATEGORY}, "result": RESULT}}
    assert measure.reason_msg == {}  # "未列明的措施" is not a measure's kind: shown as stored
    with translation.override("en"):
        assert proposal.display_reason == f"{complaint.tracking_no} {CATEGORY_EN}: {RESULT}"
        assert measure.display_reason == "未列明的措施（说明）：当面约谈"
    migration.forget_messages(django_apps, None)
    proposal.refresh_from_db()
    assert proposal.reason_msg == {}
