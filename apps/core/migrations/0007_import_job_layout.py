from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="header_row",
            field=models.PositiveIntegerField(default=1, verbose_name="表头行号"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="ignored_columns",
            field=models.JSONField(blank=True, default=list, verbose_name="未识别的列"),
        ),
    ]
