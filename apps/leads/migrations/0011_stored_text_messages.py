"""Issue 16: a lead keeps the message behind evidence the platform composed (``evidence_msg``) and each trail row the
message behind its note (``note_msg``), so each reader sees them in his language. Old rows: evidence whose Chinese
text is exactly one of the platform's messages, and a verification row whose note is exactly a finding's label, get
the message; anything else (typed, or not recognised) is shown as stored. The stored texts are never changed;
reversing clears the messages.

The trail is append-only (migration 0002: the database refuses UPDATE and DELETE). Filling the new column of old
rows is the one update it lets through, here, with the guard lifted for this transaction only and put back at
once; nothing a row said is altered."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages the platform wrote, as the code wrote them when this migration was made
EVIDENCE = [
    "交通运输部门批量上传的疑似非法营运车辆清单",
    "12328 举报 %(ref)s",
    "12328 举报 %(no)s：%(when)s 在%(where)s，%(text)s",
    "理赔数据分析重点核查（出险 %(n)d 次，赔款 %(loss)s 元）：%(note)s",
]
FINDINGS = ["已按营运性质投保", "按非营运性质投保", "未投保", "不在监管范围"]
GUARD = "ALTER TABLE leads_leadevent {} TRIGGER leads_leadevent_no_update"


def recognise_texts(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    for lead in Lead.objects.filter(evidence_msg={}, source__in=["enforcement", "complaint", "company_report"]) \
            .exclude(evidence="").iterator():
        message = recognise(lead.evidence, EVIDENCE)
        if message:
            lead.evidence_msg = message
            lead.save(update_fields=["evidence_msg"])
    LeadEvent = apps.get_model("leads", "LeadEvent")
    schema_editor.execute(GUARD.format("DISABLE"))
    try:
        rows = LeadEvent.objects.filter(action__in=["verified", "insurance_verified"], note__in=FINDINGS, note_msg={})
        for event in rows.iterator():  # the note is a finding's label: the label's message
            event.note_msg = {"msgid": event.note, "params": {}}
            event.save(update_fields=["note_msg"])
    finally:
        schema_editor.execute(GUARD.format("ENABLE"))


def forget_messages(apps, schema_editor):
    apps.get_model("leads", "Lead").objects.exclude(evidence_msg={}).update(evidence_msg={})
    schema_editor.execute(GUARD.format("DISABLE"))
    try:
        apps.get_model("leads", "LeadEvent").objects.exclude(note_msg={}).update(note_msg={})
    finally:
        schema_editor.execute(GUARD.format("ENABLE"))


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0010_keyset_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="evidence_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="leadevent",
            name="note_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_texts, forget_messages),
    ]
