"""The importer's models moved to their own app (``apps/imports``, migration ``imports.0001``): removed from the
kernel's state only — the tables (``core_import*``) and their rows stay as they are, now owned by ``imports``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0017_deadline_pause_reason_msg"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="importjob", name="created_by"),
                migrations.RemoveField(model_name="importjob", name="organization"),
                migrations.RemoveField(model_name="importpreviewpart", name="job"),
                migrations.RemoveField(model_name="importrowerror", name="job"),
                migrations.RemoveField(model_name="importchunk", name="job"),
                migrations.DeleteModel(name="ImportChunk"),
                migrations.DeleteModel(name="ImportPreviewPart"),
                migrations.DeleteModel(name="ImportRowError"),
                migrations.DeleteModel(name="ImportJob"),
            ],
        ),
    ]
