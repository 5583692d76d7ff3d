"""Issue 16: a batch keeps the message behind a last error the platform wrote (``last_error_msg``: a delivery
interrupted by a worker that died), shown in each reader's language. Batches whose last error is exactly that text
get the message; an error as raised is shown as stored. ``last_error`` is never changed; reversing clears it."""

from django.db import migrations, models

INTERRUPTED = "投递中断：工作进程在投递过程中退出，本次投递已整体回滚。"  # as the code wrote it when this was made


def recognise_errors(apps, schema_editor):
    apps.get_model("exchange", "Batch").objects.filter(last_error=INTERRUPTED, last_error_msg={}).update(
        last_error_msg={"msgid": INTERRUPTED, "params": {}})


def forget_messages(apps, schema_editor):
    apps.get_model("exchange", "Batch").objects.exclude(last_error_msg={}).update(last_error_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0010_log_nodes_and_timestamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="last_error_msg",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="平台写下的错误（投递中断）的消息编号与参数，按读者的语言显示",
                                   verbose_name="最近错误（消息）"),
        ),
        migrations.RunPython(recognise_errors, forget_messages),
    ]
