"""Issue 16: a clock's pause keeps the message behind a reason the platform writes (``reason_msg``), shown in
each reader's language. Every pause recorded so far has a reason a user typed (a claim's special circumstances),
which is shown as typed, so old rows need no conversion. Cancellation and extension reasons are kept in the audit
trail, which is append-only: old entries stay as they were written."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0016_notification_msgid'),
    ]

    operations = [
        migrations.AddField(
            model_name='deadlinepause',
            name='reason_msg',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
