"""The importer API's JSON, documented for the OpenAPI schema (the views build it from ``selectors.progress``)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from ..models import ImportJob


class ImportRowErrorJson(serializers.Serializer):
    row = serializers.IntegerField(help_text="行号（与表格中一致，表头为第 1 行）")
    column = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(help_text="原因（按请求的语言；平台写下的原因）")
    reason_msg = serializers.JSONField(help_text="原因的消息编号与参数（msgid、params）；无则为 {}")
    at_import = serializers.BooleanField(help_text="预览时有效、导入时才被拒绝")


class ImportJobJson(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    status_label = serializers.CharField()
    mode = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    validated = serializers.IntegerField()
    processed = serializers.IntegerField()
    percent = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True, help_text="失败原因（按请求的语言）")
    error_msg = serializers.JSONField(help_text="失败原因的消息编号与参数（msgid、params）；无则为 {}")
    finished = serializers.BooleanField()
    file = serializers.CharField()


class ImportJobDetailJson(ImportJobJson):
    sha256 = serializers.CharField()
    errors = ImportRowErrorJson(many=True)


UPLOAD_REQUEST = inline_serializer("ImportUpload", {
    "kind": serializers.ChoiceField(choices=["vehicles", "permits", "drivers", "policies"]),
    "file": serializers.FileField(help_text="CSV（UTF-8 / GB18030 / UTF-16）或 XLSX"),
})
START_REQUEST = inline_serializer("ImportStart", {
    "mode": serializers.ChoiceField(choices=ImportJob.Mode.choices, default=ImportJob.Mode.VALID_ROWS),
})
