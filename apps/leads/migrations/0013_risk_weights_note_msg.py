"""Issue 16: a risk model version keeps the message behind a note the platform wrote (``note_msg``: the first
version's "初始版本（各特征使用默认权重）"), shown in each reader's language. Old versions whose note is exactly that
text get the message; any other (typed) note is shown as stored. ``note`` is never changed; reversing clears it."""

from django.db import migrations, models

FIRST_VERSION = "初始版本（各特征使用默认权重）"  # as the code wrote it when this migration was made


def recognise_notes(apps, schema_editor):
    apps.get_model("leads", "RiskModelWeights").objects.filter(note=FIRST_VERSION, note_msg={}).update(
        note_msg={"msgid": FIRST_VERSION, "params": {}})


def forget_messages(apps, schema_editor):
    apps.get_model("leads", "RiskModelWeights").objects.exclude(note_msg={}).update(note_msg={})


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0012_ride_hailing_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="riskmodelweights",
            name="note_msg",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(recognise_notes, forget_messages),
    ]
