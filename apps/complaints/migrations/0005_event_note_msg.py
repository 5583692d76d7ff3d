"""Issue 16: a complaint's trail keeps the message behind what the platform wrote (``note_msg``), so each reader
sees it in his language. Old rows: a note a system step wrote whose Chinese text is exactly one of that step's
messages gets the message; any other note (typed, or not recognised) is shown as stored. ``note`` is never
changed; reversing clears the messages.

The trail is append-only (migration 0002: the database refuses UPDATE and DELETE). Filling the new column of old
rows is the one update it lets through, here, with the guard lifted for this transaction only and put back at
once; nothing a row said is altered."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages each system step wrote, as the code wrote them when this migration was made
SYSTEM_NOTES = {
    "received": ["%(s)s，已受理。"],
    "routed": ["已按热线 %(h)s 分办至%(org)s。"],
    "forwarded": ["转%(org)s核查。%(note)s"],
    "verifying": ["已转相关保险公司核查。", "承办单位正在核查。", "%(u)s 承办核查。"],
    "resolved": ["核查结论：%(f)s。"],
    "credit_recorded": ["已提议将%(s)s记入信用档案（提议 %(no)s），由行业协会决定。"],
    "extended": ["处理期限延长至 %(n)d 日，%(due)s 前办理完毕。理由：%(r)s"],
    "rehandling": ["投诉人申请重办，已重新办理（第 %(n)d 次办理），%(due)s 前办理完毕。"],
    "lead_created": ["已转为线索 %(id)s。"],
}
LABELS = {"s": ["电话登记", "网上举报"], "f": ["属实", "部分属实", "不属实", "不属于受理范围"]}


GUARD = "ALTER TABLE complaints_complaintevent {} TRIGGER complaints_event_no_update"


class _GuardLifted:
    def __init__(self, schema_editor):
        self.schema_editor = schema_editor

    def __enter__(self):
        self.schema_editor.execute(GUARD.format("DISABLE"))

    def __exit__(self, *exc):
        self.schema_editor.execute(GUARD.format("ENABLE"))


def recognise_notes(apps, schema_editor):
    with _GuardLifted(schema_editor):
        _recognise(apps)


def _recognise(apps):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    for event in ComplaintEvent.objects.filter(kind__in=SYSTEM_NOTES, note_msg={}).exclude(note="").iterator():
        message = recognise(event.note, SYSTEM_NOTES[event.kind], LABELS if event.kind in ("received", "resolved") else None)
        if not message:
            continue
        if event.kind == "lead_created" and str(message["params"].get("id", "")).isdigit():
            message["params"]["id"] = f"XS{int(message['params']['id']):08d}"  # the lead's number, not its row id
        event.note_msg = message
        event.save(update_fields=["note_msg"])


def forget_messages(apps, schema_editor):
    with _GuardLifted(schema_editor):
        apps.get_model("complaints", "ComplaintEvent").objects.exclude(note_msg={}).update(note_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0004_handling_periods'),
    ]

    operations = [
        migrations.AddField(
            model_name='complaintevent',
            name='note_msg',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_notes, forget_messages),
    ]
