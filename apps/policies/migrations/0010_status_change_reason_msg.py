"""Issue 16: a policy's status history keeps the message behind a reason the platform wrote (``reason_msg``), so
each reader sees it in his language. Old rows: a reason whose Chinese text is exactly one of the messages the
platform wrote for that step gets the message; any other reason (typed, or not recognised) is shown as stored.
``reason`` is never changed; reversing clears the messages."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages the platform wrote for each step, as the code wrote them when this migration was made
SYSTEM_REASONS = {
    "expiry": ["保险期间届满。"],
    "rescission": [
        "合同解除案件 %(no)s 决定解除。",
        "合同解除案件 %(no)s：承保后危险程度显著增加未通知保险人（保险法第五十二条）。",
        "合同解除案件 %(no)s：投保人未履行如实告知义务。",
    ],
    "extension": ["停驶顺延 %(n)s 个月：保险止期 %(a)s → %(b)s。%(e)s"],
    "cancellation": ["%(ground)s：%(evidence)s"],
}
GROUNDS = [
    "被保险机动车依法注销登记", "被保险机动车办理停驶", "经公安机关证实丢失（灭失）", "重复投保交强险（解除起期在后的保单）",
    "转卖、转让、赠送至车籍所在地（地市）以外", "新车因质量问题被收回或交管部门不予上户", "经公安部门批准报废",
    "经道路运输管理机构批准连续停运三个月（含）以上", "投保人申请解除商业保险合同（保险法第十五条）",
]


def recognise_reasons(apps, schema_editor):
    PolicyStatusChange = apps.get_model("policies", "PolicyStatusChange")
    rows = PolicyStatusChange.objects.filter(path__in=SYSTEM_REASONS, reason_msg={}).exclude(reason="")
    for change in rows.iterator():
        message = recognise(change.reason, SYSTEM_REASONS[change.path], {"ground": GROUNDS})
        if change.path == "cancellation" and message and not isinstance(message["params"].get("ground"), dict):
            continue  # the text before "：" is not a ground's label: not a reason the platform wrote
        if message:
            change.reason_msg = message
            change.save(update_fields=["reason_msg"])


def forget_messages(apps, schema_editor):
    apps.get_model("policies", "PolicyStatusChange").objects.exclude(reason_msg={}).update(reason_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0009_remove_invented_standard"),
    ]

    operations = [
        migrations.AddField(
            model_name="policystatuschange",
            name="reason_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_reasons, forget_messages),
    ]
