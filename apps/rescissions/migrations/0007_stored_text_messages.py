"""Issue 16: a case keeps the message behind a decision reason the platform wrote (``decision_reason_msg``) and
each step the message behind its note (``note_msg``), so each reader sees them in his language. Old rows: a
reason or note whose Chinese text is exactly one of the platform's messages gets the message; anything else
(typed, or not recognised) is shown as stored. ``decision_reason`` and ``note`` are never changed; reversing
clears the messages.

A case's steps are append-only (migration 0002: the database refuses UPDATE and DELETE). Filling the new column of
old steps is the one update it lets through, here, with the guard lifted for this transaction only and put back at
once; nothing a step said is altered."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages the platform wrote, as the code wrote them when this migration was made
J5_DISCLOSED = "投保人于 %(at)s 在收到通知之日起 %(days)d 日内履行了如实告知义务，保险人不得解除合同（规则 J5）。"
WITH_NOTE = "%(reason)s\n%(note)s"
RESCINDED_ELSEWHERE = "保单已在案件 %(no)s 中解除。"
ENDORSED = "保单已批改（%(from)s → %(to)s，%(mode)s）：%(reason)s"
NATURES = ["营运", "预约出租客运", "出租客运", "营业出租租赁", "公路客运", "公交客运", "旅游客运", "营业货运", "非营运",
           "非营业个人", "非营业企业", "非营业机关", "家庭自用", "营转非", "非营业货车", "教练"]
MODES = ["按日费率增减保费（规则 J8）", "按保单年度重新核定保费（规则 J9）"]
GUARD = "ALTER TABLE rescissions_rescissionevent {} TRIGGER rescissions_event_no_update"


def message_of(text: str, kind: str) -> dict:
    """The message behind an old reason or note of a step of ``kind`` ({} when it is not one the platform wrote)."""
    if kind == "not_rescinded":
        first, _sep, rest = text.partition("\n")
        found = recognise(first, [J5_DISCLOSED])
        if found and rest.strip():  # the J5 text, then what the user added, as typed
            return {"msgid": WITH_NOTE, "params": {"reason": {"text": found}, "note": rest}}
        return found if not rest else {}
    if kind == "rescinded":
        return recognise(text, [RESCINDED_ELSEWHERE])
    if kind == "endorsed":
        found = recognise(text, [ENDORSED], {"from": NATURES, "to": NATURES, "mode": MODES})
        labels = ("from", "to", "mode")
        return found if found and all(isinstance(found["params"][k], dict) for k in labels) else {}
    return {}


def recognise_texts(apps, schema_editor):
    RescissionCase = apps.get_model("rescissions", "RescissionCase")
    for case in RescissionCase.objects.filter(decision_reason_msg={}).exclude(decision_reason="").iterator():
        message = message_of(case.decision_reason, case.decision)
        if message:
            case.decision_reason_msg = message
            case.save(update_fields=["decision_reason_msg"])
    RescissionEvent = apps.get_model("rescissions", "RescissionEvent")
    schema_editor.execute(GUARD.format("DISABLE"))
    try:
        rows = RescissionEvent.objects.filter(kind__in=["not_rescinded", "rescinded"], note_msg={}).exclude(note="")
        for event in rows.iterator():
            message = message_of(event.note, event.kind)
            if message:
                event.note_msg = message
                event.save(update_fields=["note_msg"])
    finally:
        schema_editor.execute(GUARD.format("ENABLE"))


def forget_messages(apps, schema_editor):
    apps.get_model("rescissions", "RescissionCase").objects.exclude(decision_reason_msg={}).update(decision_reason_msg={})
    schema_editor.execute(GUARD.format("DISABLE"))
    try:
        apps.get_model("rescissions", "RescissionEvent").objects.exclude(note_msg={}).update(note_msg={})
    finally:
        schema_editor.execute(GUARD.format("ENABLE"))


class Migration(migrations.Migration):

    dependencies = [
        ("rescissions", "0006_lapsed_label_for_every_path"),
    ]

    operations = [
        migrations.AddField(
            model_name="rescissioncase",
            name="decision_reason_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="rescissionevent",
            name="note_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_texts, forget_messages),
    ]
