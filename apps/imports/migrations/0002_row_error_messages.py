"""Row errors and failure messages kept as messages beside the rendered text (issue 16): the new columns, and a
message for every old row whose stored Chinese text is exactly one the importer wrote (``recognise``). The stored
text is never changed; reversing clears the messages (the columns are then dropped)."""

from django.db import migrations, models

from apps.core.notifications import recognise

# the messages as the importer wrote them when this migration was made (apps/imports, vehicles/policies rows)
ROW_REASONS = (
    "“%(v)s”不是整数。",
    "“%(v)s”不是非负整数。",
    "核定载客人数应在 1 到 99 之间。",
    "金额“%(v)s”格式不正确。",
    "金额不能为负数。",
    "%(label)s“%(value)s”不是有效金额。",
    "%(label)s“%(value)s”超出允许范围：应在 0 至 %(max)s 元之间。",
    "%(label)s“%(value)s”最多保留两位小数。",
    "日期“%(v)s”格式不正确，应为如 2026-05-01。",
    "日期“%(v)s”超出允许范围（%(a)s 至 %(b)s）。",
    "时间“%(v)s”格式不正确，应为如 2026-05-01 或 2026-05-01 00:00。",
    "“%(v)s”应为“是”或“否”。",
    "系统中没有名为“%(v)s”的%(label)s（可填全称、简称或统一社会信用代码）。",
    "无法识别的%(what)s“%(v)s”，可填：%(ok)s。",
    "此项必填。",
    "“%(v)s”格式不正确或超出允许范围。",
    "该行数据不符合数据库的约束（如日期或金额超出允许范围），未保存。",
    "单元格是数字格式，Excel 只保留 15 位有效数字，号码已被截断或显示为科学计数法；请把该列设为“文本”格式后重新填写。",
    "该行含有格式不正确或超出允许范围的值。",
    "与第 %(n)d 行重复（%(v)s），同一文件中只能出现一次。",
    "保险止期须晚于保险起期。",
    "填写限额时须同时填写险种。",
    "请填写号牌号码或车辆识别代号。",
    "车辆登记册中没有车辆识别代号为 %(v)s 的车辆，请先导入车辆。",
    "号牌 %(p)s 与登记册中该车辆的号牌 %(q)s 不一致。",
    "车辆登记册中没有号牌为 %(v)s 的车辆，请先导入车辆。",
    "车辆登记册中没有号牌为 %(v)s 的车辆。",
    "身份证号码不能是打码后的值。",
    "只能导入本企业台账的车辆或驾驶员，不能填写其他企业“%(name)s”。",
    "保险公司只能导入本公司的保单，不能导入“%(name)s”的保单。",
)
ROW_LABELS = {"label": ("金额", "出租汽车企业/平台", "保险公司"), "what": ("险种", "保单状态", "证件类别")}
JOB_MESSAGES = (
    "预览中断：%(e)s。未导入任何数据；请重新上传文件。",
    "文件中有 %(n)d 行错误；按“有错误则全部不导入”，未导入任何数据。",
    "上传的文件已超过保存期限（%(n)d 天）并被删除，未导入任何数据。",
    "导入中断：%(e)s。已提交的数据保留（见“已处理”行数），未完成的批次没有写入任何数据；可重新上传同一文件继续，"
    "已导入的行将显示为“无变化”。",
    "第 %(n)d 行导入时被拒绝（%(r)s）；按“有错误则全部不导入”，未导入任何数据。",  # the reasons kept as data
)


def _fill(model, text_field, msg_field, msgids, labels, batch=2000):
    pending = []
    for row in model.objects.exclude(**{text_field: ""}).only("pk", text_field).iterator(chunk_size=batch):
        message = recognise(getattr(row, text_field), msgids, labels)
        if message:
            setattr(row, msg_field, message)
            pending.append(row)
        if len(pending) >= batch:
            model.objects.bulk_update(pending, [msg_field])
            pending = []
    if pending:
        model.objects.bulk_update(pending, [msg_field])


def forwards(apps, schema_editor):
    _fill(apps.get_model("imports", "ImportRowError"), "reason", "reason_msg", ROW_REASONS, ROW_LABELS)
    _fill(apps.get_model("imports", "ImportJob"), "error_message", "error_message_msg", JOB_MESSAGES, {})


def backwards(apps, schema_editor):
    apps.get_model("imports", "ImportRowError").objects.exclude(reason_msg={}).update(reason_msg={})
    apps.get_model("imports", "ImportJob").objects.exclude(error_message_msg={}).update(error_message_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="error_message_msg",
            field=models.JSONField(blank=True, default=dict, help_text="平台写下的失败原因的消息编号与参数，按读者的语言显示",
                                   verbose_name="失败原因（消息）"),
        ),
        migrations.AddField(
            model_name="importrowerror",
            name="reason_msg",
            field=models.JSONField(blank=True, default=dict, help_text="平台写下的原因的消息编号与参数，按读者的语言显示",
                                   verbose_name="原因（消息）"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
