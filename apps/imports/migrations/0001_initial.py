"""The importer's models, moved from the kernel (app ``core``) without touching the database.

The tables keep their names (``core_import*``, set as ``db_table``) and their rows: this migration only records, in
Django's state, that app ``imports`` owns them (``core.0018`` removes them from the kernel's state). The content
types keep their ids and are relabelled ``core`` → ``imports``, so the permissions attached to them (and any object
permission or generic relation naming them) stay attached; a fresh database has none yet and gets them, under
``imports``, after ``migrate``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("importjob", "importrowerror", "importchunk", "importpreviewpart")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "core", "imports")


def backwards(apps, schema_editor):
    _relabel(apps, "imports", "core")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0017_deadline_pause_reason_msg"),  # the tables exist (core.0006, 0007, 0009, 0010)
        ("parties", "0003_view_user_for_every_role"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(db_index=True, max_length=40, verbose_name='导入类型')),
                        ('file', models.FileField(max_length=300, upload_to='imports/%Y/%m/', verbose_name='文件')),
                        ('original_name', models.CharField(max_length=255, verbose_name='文件名')),
                        ('file_sha256', models.CharField(db_index=True, max_length=64, verbose_name='文件摘要（SHA-256）')),
                        ('file_format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'XLSX')], max_length=8, verbose_name='格式')),
                        ('encoding', models.CharField(blank=True, max_length=20, verbose_name='编码')),
                        ('status', models.CharField(choices=[('validating', '校验中'), ('previewed', '待确认'), ('importing', '导入中'), ('done', '已完成'), ('failed', '失败'), ('discarded', '未导入')], db_index=True, default='validating', max_length=20, verbose_name='状态')),
                        ('mode', models.CharField(blank=True, choices=[('valid_rows', '导入有效行'), ('nothing', '有错误则全部不导入')], max_length=20, verbose_name='导入方式')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='总行数')),
                        ('valid', models.PositiveIntegerField(default=0, verbose_name='有效行')),
                        ('invalid', models.PositiveIntegerField(default=0, verbose_name='错误行')),
                        ('validated', models.PositiveIntegerField(default=0, verbose_name='已校验')),
                        ('processed', models.PositiveIntegerField(default=0, verbose_name='已处理')),
                        ('created_count', models.PositiveIntegerField(default=0, verbose_name='新增')),
                        ('updated_count', models.PositiveIntegerField(default=0, verbose_name='更新')),
                        ('unchanged_count', models.PositiveIntegerField(default=0, verbose_name='无变化')),
                        ('skipped_count', models.PositiveIntegerField(default=0, verbose_name='跳过')),
                        ('header_row', models.PositiveIntegerField(default=1, verbose_name='表头行号')),
                        ('ignored_columns', models.JSONField(blank=True, default=list, verbose_name='未识别的列')),
                        ('error_message', models.TextField(blank=True, verbose_name='失败原因')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='上传时间')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='开始导入')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.organization', verbose_name='所属单位')),
                    ],
                    options={
                        'verbose_name': '导入任务',
                        'verbose_name_plural': '导入任务',
                        'db_table': 'core_importjob',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportChunk',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('index', models.PositiveIntegerField(verbose_name='批次序号')),
                        ('rows', models.PositiveIntegerField(verbose_name='行数')),
                        ('committed_at', models.DateTimeField(auto_now_add=True, verbose_name='提交时间')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='imports.importjob', verbose_name='导入任务')),
                    ],
                    options={
                        'verbose_name': '导入批次',
                        'verbose_name_plural': '导入批次',
                        'db_table': 'core_importchunk',
                        'ordering': ['job', 'index'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportPreviewPart',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('part', models.PositiveIntegerField(verbose_name='部分序号')),
                        ('parts', models.PositiveIntegerField(verbose_name='部分数')),
                        ('valid', models.PositiveIntegerField(verbose_name='有效行')),
                        ('invalid', models.PositiveIntegerField(verbose_name='错误行')),
                        ('keys', models.JSONField(default=list, verbose_name='自然键')),
                        ('committed_at', models.DateTimeField(auto_now_add=True, verbose_name='提交时间')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='preview_parts', to='imports.importjob', verbose_name='导入任务')),
                    ],
                    options={
                        'verbose_name': '预览部分',
                        'verbose_name_plural': '预览部分',
                        'db_table': 'core_importpreviewpart',
                        'ordering': ['job', 'part'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportRowError',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('row_number', models.PositiveIntegerField(verbose_name='行号')),
                        ('column', models.CharField(blank=True, max_length=80, verbose_name='列')),
                        ('reason', models.TextField(verbose_name='原因')),
                        ('at_import', models.BooleanField(default=False, help_text='预览时有效、导入时才被拒绝的行', verbose_name='导入时发现')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='row_errors', to='imports.importjob', verbose_name='导入任务')),
                    ],
                    options={
                        'verbose_name': '导入错误',
                        'verbose_name_plural': '导入错误',
                        'db_table': 'core_importrowerror',
                        'ordering': ['job', 'row_number', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='importjob',
                    index=models.Index(fields=['organization', 'kind', '-created_at'], name='importjob_org_kind'),
                ),
                migrations.AddConstraint(
                    model_name='importchunk',
                    constraint=models.UniqueConstraint(fields=('job', 'index'), name='importchunk_job_index'),
                ),
                migrations.AddConstraint(
                    model_name='importpreviewpart',
                    constraint=models.UniqueConstraint(fields=('job', 'part'), name='importpreviewpart_job_part'),
                ),
                migrations.AddIndex(
                    model_name='importrowerror',
                    index=models.Index(fields=['job', 'row_number'], name='importrowerror_job_row'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
