"""Issue 16: a cancellation keeps the message behind the evidence the platform composed (``evidence_msg``: the
typed evidence with the approved lay-up dates, rule C5), shown in each reader's language. Old cancellations whose
evidence is exactly "<typed>（停运 <date> 至 <date>）" get the message (the typed part as data); typed evidence is
shown as stored. ``evidence`` is never changed; reversing clears the messages (the column is then dropped)."""

import re

from django.db import migrations, models

from apps.core.notifications import recognise

LAID_UP = "%(e)s（停运 %(a)s 至 %(b)s）"  # as the code wrote it when this migration was made
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def recognise_evidence(apps, schema_editor):
    Cancellation = apps.get_model("policies", "Cancellation")
    for row in Cancellation.objects.filter(evidence__contains="（停运 ", evidence_msg={}).only("pk", "evidence"):
        message = recognise(row.evidence, [LAID_UP])
        params = message.get("params") or {}
        if message and _DATE.fullmatch(params.get("a", "")) and _DATE.fullmatch(params.get("b", "")):
            Cancellation.objects.filter(pk=row.pk).update(evidence_msg=message)


def forget_messages(apps, schema_editor):
    apps.get_model("policies", "Cancellation").objects.exclude(evidence_msg={}).update(evidence_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0011_keyset_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="cancellation",
            name="evidence_msg",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="平台写下的证明材料（附停运起止日期）的消息编号与参数，按读者的语言显示",
                                   verbose_name="证明材料（消息）"),
        ),
        migrations.RunPython(recognise_evidence, forget_messages),
    ]
