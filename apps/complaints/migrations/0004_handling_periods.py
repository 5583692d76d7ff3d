"""Handling periods of 12378 complaints (rule T4): one row per period with its own clock, and their extensions.
Every 12378 complaint already routed gets its first period (from receipt, with the outcome recorded so far); its
clock stays the feedback clock it was started with."""

import datetime
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def first_periods(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    HandlingPeriod = apps.get_model("complaints", "HandlingPeriod")
    for c in Complaint.objects.filter(hotline="12378", routed_to__isnull=False).iterator():
        HandlingPeriod.objects.create(
            complaint=c, number=1, kind="initial", starts_at=c.received_at, finding=c.finding, result=c.result,
            resolved_at=c.resolved_at, feedback=c.feedback, feedback_at=c.feedback_at)


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0003_value_ranges'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='complaintevent',
            name='kind',
            field=models.CharField(choices=[('received', '受理'), ('routed', '分办'), ('forwarded', '转保险公司核查'), ('verifying', '开始核查'), ('note', '核查记录'), ('insurer_reply', '保险公司答复'), ('resolved', '办结'), ('feedback', '反馈举报人'), ('lead_created', '转为非法营运线索'), ('credit_recorded', '记入信用档案'), ('extended', '延长处理期限'), ('rehandling', '重办')], max_length=20, verbose_name='事项'),
        ),
        migrations.CreateModel(
            name='HandlingPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='办理次序')),
                ('kind', models.CharField(choices=[('initial', '首次办理'), ('rehandling', '重办')], default='initial', max_length=20, verbose_name='办理类型')),
                ('starts_at', models.DateTimeField(verbose_name='起算时间')),
                ('request_reason', models.TextField(blank=True, verbose_name='重办原因')),
                ('finding', models.CharField(blank=True, choices=[('substantiated', '属实'), ('partly', '部分属实'), ('unsubstantiated', '不属实'), ('out_of_scope', '不属于受理范围')], max_length=20, verbose_name='核查结论')),
                ('result', models.TextField(blank=True, verbose_name='处理结果')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('feedback', models.TextField(blank=True, verbose_name='反馈意见')),
                ('feedback_at', models.DateTimeField(blank=True, null=True, verbose_name='反馈时间')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='periods', to='complaints.complaint')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='重办登记人')),
            ],
            options={
                'verbose_name': '投诉办理期',
                'verbose_name_plural': '投诉办理期',
                'ordering': ['complaint', 'number'],
            },
        ),
        migrations.CreateModel(
            name='HandlingExtension',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('step', models.PositiveSmallIntegerField(choices=[(1, '情况复杂，延长至 30 日'), (2, '经批准再延长 30 日')], verbose_name='延长次序')),
                ('from_days', models.PositiveSmallIntegerField(verbose_name='原期限（日）')),
                ('to_days', models.PositiveSmallIntegerField(verbose_name='延长后期限（日）')),
                ('reason', models.TextField(verbose_name='延长理由')),
                ('old_due_at', models.DateTimeField(verbose_name='原到期时间')),
                ('due_at', models.DateTimeField(verbose_name='延长后到期时间')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='延长时间')),
                ('approved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='批准人')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='extensions', to='complaints.handlingperiod')),
            ],
            options={
                'verbose_name': '投诉处理期限延长',
                'verbose_name_plural': '投诉处理期限延长',
                'ordering': ['period', 'step'],
                'permissions': [('approve_extension', '批准投诉处理期限再延长 30 日（规则 T4）')],
            },
        ),
        migrations.AddConstraint(
            model_name='handlingperiod',
            constraint=models.UniqueConstraint(fields=('complaint', 'number'), name='complaint_period_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='handlingperiod',
            constraint=models.CheckConstraint(condition=models.Q(('starts_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('starts_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='complaint_period_starts_at_range'),
        ),
        migrations.AddConstraint(
            model_name='handlingperiod',
            constraint=models.CheckConstraint(condition=models.Q(('resolved_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('resolved_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='complaint_period_resolved_at_range'),
        ),
        migrations.AddConstraint(
            model_name='handlingperiod',
            constraint=models.CheckConstraint(condition=models.Q(('feedback_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('feedback_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='complaint_period_feedback_at_range'),
        ),
        migrations.AddConstraint(
            model_name='handlingperiod',
            constraint=models.CheckConstraint(condition=models.Q(('created_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('created_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='complaint_period_created_at_range'),
        ),
        migrations.AddConstraint(
            model_name='handlingextension',
            constraint=models.UniqueConstraint(fields=('period', 'step'), name='complaint_extension_step_unique'),
        ),
        migrations.AddConstraint(
            model_name='handlingextension',
            constraint=models.CheckConstraint(condition=models.Q(('to_days__gt', models.F('from_days'))), name='complaint_extension_longer'),
        ),
        migrations.RunPython(first_periods, migrations.RunPython.noop),
    ]
