"""Issue 16: a credit record's text, a proposal's reason and a 督促 item's reason keep the message behind a text the
platform wrote (``detail_msg`` / ``reason_msg``), so each reader sees it in his language. Old proposals and items:
a reason whose Chinese text is exactly one of the messages the platform wrote gets the message; any other reason
(typed, or not recognised) is shown as stored. Old records are not converted: the file is append-only (0002) and a
record's text quotes the proposal's reason inside the association's decision, so old records are shown as stored.
The stored texts are never changed; reversing clears the messages."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages the platform wrote, as the code wrote them when this migration was made
PROPOSAL_REASONS = [
    "理赔数据分析重点核查发现违规：%(note)s",
    "联合检查 %(i)s 通报 %(no)s 要求 %(n)d 日内整改，期限届满未整改到位：%(note)s",
    "%(kind)s（%(ground)s）%(ref)s：%(facts)s",
    "%(no)s %(category)s：%(result)s",
]
URGING_REASONS = [
    "案件 %(no)s：%(plate)s，保单 %(policy)s，%(known)s 知道危险程度显著增加，%(deadline)s 前未增加保险费、"
    "批改保单或解除合同（规则 M12；保险法第五十二条、规则 J9）。",
    "案件 %(no)s：%(plate)s，保单 %(policy)s，%(known)s 知道解除事由，%(deadline)s 前未作出决定（规则 M12、J5）。",
]
# the labels those messages name (a measure's kind and ground, a complaint's category)
LABELS = {
    "kind": ["责令整改", "暂停网约车保险业务", "行政处罚", "行业自律惩戒"],
    "ground": ["违规拒保", "违规设置理赔条件、拖赔惜赔", "理赔数据分析发现违规", "未依法及时行使合同解除权",
               "允许未投保车辆上线运营", "允许未按营运性质投保的车辆上线运营", "允许无网约车运输证车辆上线运营",
               "车辆、驾驶员台账不全或不实", "其他"],
    "category": ["私家车（非营运车辆）载客收费", "营运车辆未按营运性质投保或未投保",
                 "保险公司理赔违规（拖赔、惜赔、无理拒赔等）", "保险公司违规拒保"],
}
LABELLED = {"%(kind)s（%(ground)s）%(ref)s：%(facts)s": ("kind", "ground"),
            "%(no)s %(category)s：%(result)s": ("category",)}


def message_of(text: str, msgids: list[str]) -> dict:
    found = recognise(text, msgids, LABELS)
    if found and any(not isinstance(found["params"][name], dict) for name in LABELLED.get(found["msgid"], ())):
        return {}  # the text before the first "：" is not one of the labels: not a text the platform wrote
    return found


def recognise_reasons(apps, schema_editor):
    for model, msgids in (("CreditProposal", PROPOSAL_REASONS), ("UrgingItem", URGING_REASONS)):
        for row in apps.get_model("credit", model).objects.filter(reason_msg={}).exclude(reason="").iterator():
            message = message_of(row.reason, msgids)
            if message:
                row.reason_msg = message
                row.save(update_fields=["reason_msg"])


def forget_messages(apps, schema_editor):
    for model in ("CreditProposal", "UrgingItem"):
        apps.get_model("credit", model).objects.exclude(reason_msg={}).update(reason_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("credit", "0008_supervisory_decision_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditrecord",
            name="detail_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="creditproposal",
            name="reason_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="urgingitem",
            name="reason_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_reasons, forget_messages),
    ]
