"""A risk-model lead's reasons and the evidence joined from them are read in the reader's language (issue 16,
rules M8, M16): each reason keeps its words' and its feature's messages beside the text rendered at the run; the
evidence is the reasons joined, each by its message; old rows are recognised by the migration."""

import html
import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from apps.core.notifications import shown
from apps.leads import risk
from apps.leads.models import Lead, RiskScore, Source

from .test_risk import _confirm, fleet  # noqa: F401 - the fixture of the model's tests

pytestmark = pytest.mark.django_db


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return html.unescape(client.get(url).content.decode())


def _lead(parties, fleet):  # noqa: F811
    with translation.override("zh-hans"):
        _confirm(parties, risk.risk_model_run(actor=parties.ins_assoc_user))
    return Lead.objects.get(source=Source.RISK_MODEL, vehicle=fleet["both"])


def test_m8_reasons_keep_their_messages_and_the_evidence_is_them_joined(client, api, parties, fleet):  # noqa: F811
    lead = _lead(parties, fleet)
    by_feature = {r["feature"]: r for r in lead.reasons}
    ledger = by_feature["non_operating_in_ledger"]
    policy_no = ledger["text_msg"]["params"]["policy"]
    assert ledger["text_msg"] == {"msgid": "登记在%(company)s的车辆台账中，但保单 %(policy)s 按非营运性质投保",
                                  "params": {"company": parties.company_b.name, "policy": policy_no}}
    assert ledger["label_msg"] == {"msgid": "在企业台账中但按非营运投保", "params": {}}
    assert ledger["text"] == f"登记在{parties.company_b.name}的车辆台账中，但保单 {policy_no} 按非营运性质投保"
    # the evidence renders, in Chinese, exactly as the reasons joined by hand did; in each language by its messages
    assert lead.evidence == "；".join(r["text"] for r in lead.reasons)
    assert lead.evidence_msg["msgid"] == "%(before)s；%(after)s"
    with translation.override("zh-hans"):
        assert lead.display_evidence == lead.evidence
    client.force_login(parties.ins_assoc_user)
    english = _get(client, f"/leads/{lead.pk}/", "en")
    assert "Valid permit but insured as non-operating" in english  # the feature's label, translated
    assert "持有效运输证但按非营运投保" not in english
    chinese = _get(client, f"/leads/{lead.pk}/", "zh-hans")
    assert "持有效运输证但按非营运投保" in chinese
    row = api.as_user(parties.ins_assoc_user)
    row.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    reasons = {r["feature"]: r for r in row.get(f"/api/v1/leads/{lead.pk}/").json()["reasons"]}
    assert reasons["non_operating_with_permit"]["label"] == "Valid permit but insured as non-operating"
    assert reasons["non_operating_in_ledger"]["text_msg"] == ledger["text_msg"]
    score = RiskScore.objects.get(lead=lead)
    with translation.override("en"):
        labels = {r["feature"]: r["label"] for r in score.display_reasons}
    assert labels["non_operating_with_permit"] == "Valid permit but insured as non-operating"


def test_the_migration_recognises_old_reasons_and_their_evidence_and_leaves_other_text_as_stored(parties, fleet):  # noqa: F811
    migration = importlib.import_module("apps.leads.migrations.0015_risk_reason_messages")
    lead = _lead(parties, fleet)
    written = lead.reasons
    old = [{k: v for k, v in r.items() if k not in ("text_msg", "label_msg")} for r in written]
    Lead.objects.filter(pk=lead.pk).update(reasons=old, evidence_msg={})
    other = Lead.objects.filter(source=Source.RISK_MODEL).exclude(pk=lead.pk).first()
    odd = [{**r, "text": r["text"] + "（人工补记）"} for r in
           [{k: v for k, v in r.items() if k not in ("text_msg", "label_msg")} for r in other.reasons]]
    Lead.objects.filter(pk=other.pk).update(reasons=odd, evidence="；".join(r["text"] for r in odd), evidence_msg={})
    migration.recognise_reasons(django_apps, None)
    lead = Lead.objects.get(pk=lead.pk)
    assert [r["text_msg"] for r in lead.reasons] == [r["text_msg"] for r in written]
    assert [r["label_msg"] for r in lead.reasons] == [r["label_msg"] for r in written]
    with translation.override("zh-hans"):
        assert shown(lead.evidence, lead.evidence_msg) == lead.evidence
    assert lead.evidence_msg["msgid"] == "%(before)s；%(after)s"
    other = Lead.objects.get(pk=other.pk)
    assert all("text_msg" not in r for r in other.reasons) and other.evidence_msg == {}
    assert [r["text"] for r in lead.reasons] == [r["text"] for r in old]  # the stored text is never changed
    migration.forget_messages(django_apps, None)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.reasons == old and lead.evidence_msg == {}
