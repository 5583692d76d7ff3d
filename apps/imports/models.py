"""Bulk imports of registers from CSV/XLSX files (``apps/imports/services.py`` and ``runner.py`` run them).

The models came from the kernel (app ``core``) and keep their tables (``core_import*``): the move changed only
Django's record of which app owns them (migrations ``core.0017`` and ``imports.0001``, no table touched)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.notifications import shown


class ImportJob(models.Model):
    """One uploaded file: its preview (counts and row errors), the user's choice, and the import's progress."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("校验中")
        PREVIEWED = "previewed", _("待确认")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        DISCARDED = "discarded", _("未导入")

    class Mode(models.TextChoices):
        VALID_ROWS = "valid_rows", _("导入有效行")
        NOTHING = "nothing", _("有错误则全部不导入")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    kind = models.CharField(_("导入类型"), max_length=40, db_index=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64, db_index=True)
    file_format = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.VALIDATING, db_index=True)
    mode = models.CharField(_("导入方式"), max_length=20, choices=Mode.choices, blank=True)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    valid = models.PositiveIntegerField(_("有效行"), default=0)
    invalid = models.PositiveIntegerField(_("错误行"), default=0)
    validated = models.PositiveIntegerField(_("已校验"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过"), default=0)
    header_row = models.PositiveIntegerField(_("表头行号"), default=1)
    ignored_columns = models.JSONField(_("未识别的列"), default=list, blank=True)
    error_message = models.TextField(_("失败原因"), blank=True)
    error_message_msg = models.JSONField(_("失败原因（消息）"), default=dict, blank=True,
                                         help_text=_("平台写下的失败原因的消息编号与参数，按读者的语言显示"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始导入"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        db_table = "core_importjob"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "kind", "-created_at"], name="importjob_org_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name} ({self.get_status_display()})"

    @property
    def display_error_message(self) -> str:
        """The failure message in the reader's language (issue 16), or as stored."""

        return shown(self.error_message, self.error_message_msg)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.DISCARDED)


class ImportRowError(models.Model):
    """Why one row (as numbered in the spreadsheet, header = row 1) cannot be imported."""

    job = models.ForeignKey(ImportJob, verbose_name=_("导入任务"), on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=80, blank=True)
    reason = models.TextField(_("原因"))
    reason_msg = models.JSONField(_("原因（消息）"), default=dict, blank=True,
                                  help_text=_("平台写下的原因的消息编号与参数，按读者的语言显示"))
    at_import = models.BooleanField(_("导入时发现"), default=False, help_text=_("预览时有效、导入时才被拒绝的行"))

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        db_table = "core_importrowerror"
        ordering = ["job", "row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="importrowerror_job_row")]

    def __str__(self) -> str:
        return f"{self.row_number} {self.column}: {self.reason}"

    @property
    def display_reason(self) -> str:
        """The reason in the reader's language (issue 16), or as stored (a row older than messages, a service's
        refusal already rendered)."""

        return shown(self.reason, self.reason_msg)


class ImportChunk(models.Model):
    """One chunk of an import in mode "valid rows", committed: written in the chunk's own transaction, before its
    rows, so each chunk is applied exactly once however many tasks reach it (the parallel parts of one import, a
    redelivered task). A second transaction inserting the same (job, index) waits for the first and then skips."""

    job = models.ForeignKey(ImportJob, verbose_name=_("导入任务"), on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("批次序号"))
    rows = models.PositiveIntegerField(_("行数"))
    committed_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        db_table = "core_importchunk"
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="importchunk_job_index")]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.index}"


class ImportPreviewPart(models.Model):
    """One part of a preview (the validation of every row), committed with its row errors: a redelivered or
    repeated part finds it and writes nothing. ``keys`` holds the natural keys of the part's valid rows,
    ``[row_number, [[field, value], ...]]``, for the check of keys repeated across parts when the last part ends."""

    job = models.ForeignKey(ImportJob, verbose_name=_("导入任务"), on_delete=models.CASCADE,
                            related_name="preview_parts")
    part = models.PositiveIntegerField(_("部分序号"))
    parts = models.PositiveIntegerField(_("部分数"))
    valid = models.PositiveIntegerField(_("有效行"))
    invalid = models.PositiveIntegerField(_("错误行"))
    keys = models.JSONField(_("自然键"), default=list)
    committed_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预览部分")
        verbose_name_plural = _("预览部分")
        db_table = "core_importpreviewpart"
        ordering = ["job", "part"]
        constraints = [models.UniqueConstraint(fields=["job", "part"], name="importpreviewpart_job_part")]

    def __str__(self) -> str:
        return f"{self.job_id} {self.part}/{self.parts}"
