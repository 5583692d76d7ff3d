"""Issue 16: a risk-model reason keeps the messages behind its words and its feature's label (``text_msg``,
``label_msg`` inside each reason of ``Lead.reasons`` and ``RiskScore.reasons``), and a risk-model lead's evidence
(the reasons joined by "；") its message (``Lead.evidence_msg``). Old reasons whose words are exactly one of the
model's texts, and whose label is exactly its feature's, get the messages; a risk-model lead's evidence gets its
message when it is exactly its reasons joined and every reason was recognised. No stored text is changed;
reversing removes the messages again. No schema change (the reasons are JSON)."""

from django.db import migrations

from apps.core.notifications import recognise

# as the built-in features wrote them when this migration was made (apps/leads/risk.py)
TEXTS = (
    "登记在%(company)s的车辆台账中，但保单 %(policy)s 按非营运性质投保",
    "持有有效运输证，但保单 %(policy)s 按非营运性质投保",
    "近 %(days)d 天内受到非法营运处罚 %(n)d 次",
    "曾有 %(n)d 条线索经交通运输部门界定为非法营运",
)
LABELS = {
    "non_operating_in_ledger": "在企业台账中但按非营运投保",
    "non_operating_with_permit": "持有效运输证但按非营运投保",
    "penalties": "非法营运处罚次数",
    "confirmed_leads": "交通运输部门界定的非法营运线索",
    "claims_passenger_signals": "按非营运投保但出险带有载客迹象",
    "ridehailing_trips_non_operating": "网约车有载客订单但在保保单均按非营运投保",
}
JOIN = "%(before)s；%(after)s"


def _with_messages(reasons):
    """The reasons with their messages where recognised, and whether anything changed."""
    out, changed = [], False
    for reason in reasons or []:
        reason = dict(reason)
        if not isinstance(reason.get("text_msg"), dict):
            message = recognise(reason.get("text", ""), TEXTS)
            if message:
                reason["text_msg"], changed = message, True
        if not isinstance(reason.get("label_msg"), dict):
            label = LABELS.get(reason.get("feature"))
            if label and reason.get("label") == label:
                reason["label_msg"], changed = {"msgid": label, "params": {}}, True
        out.append(reason)
    return out, changed


def _evidence(evidence, reasons):
    """The message of evidence that is exactly its reasons joined, every one of them recognised; else ``{}``."""
    if not reasons or evidence != "；".join(r.get("text", "") for r in reasons):
        return {}
    if not all(r.get("text_msg") for r in reasons):
        return {}
    message = reasons[0]["text_msg"]
    for reason in reasons[1:]:
        message = {"msgid": JOIN, "params": {"before": {"text": message}, "after": {"text": reason["text_msg"]}}}
    return message


def recognise_reasons(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    for lead in Lead.objects.filter(source="risk_model").only("pk", "reasons", "evidence", "evidence_msg").iterator():
        reasons, changed = _with_messages(lead.reasons)
        fields = ["reasons"] if changed else []
        if not lead.evidence_msg:
            message = _evidence(lead.evidence, reasons)
            if message:
                lead.evidence_msg = message
                fields.append("evidence_msg")
        if fields:
            lead.reasons = reasons
            lead.save(update_fields=fields)
    RiskScore = apps.get_model("leads", "RiskScore")
    pending = []
    for score in RiskScore.objects.exclude(reasons=[]).only("pk", "reasons").iterator(chunk_size=2000):
        reasons, changed = _with_messages(score.reasons)
        if changed:
            score.reasons = reasons
            pending.append(score)
        if len(pending) >= 2000:
            RiskScore.objects.bulk_update(pending, ["reasons"])
            pending = []
    if pending:
        RiskScore.objects.bulk_update(pending, ["reasons"])


def _without(reasons):
    return [{k: v for k, v in r.items() if k not in ("text_msg", "label_msg")} for r in reasons or []]


def forget_messages(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    for lead in Lead.objects.filter(source="risk_model").only("pk", "reasons", "evidence_msg").iterator():
        lead.reasons = _without(lead.reasons)
        if lead.evidence_msg.get("msgid") in (*TEXTS, JOIN):
            lead.evidence_msg = {}
        lead.save(update_fields=["reasons", "evidence_msg"])
    RiskScore = apps.get_model("leads", "RiskScore")
    for score in RiskScore.objects.exclude(reasons=[]).only("pk", "reasons").iterator():
        score.reasons = _without(score.reasons)
        score.save(update_fields=["reasons"])


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0014_ride_hailing_insurance"),
    ]

    operations = [
        migrations.RunPython(recognise_reasons, forget_messages),
    ]
