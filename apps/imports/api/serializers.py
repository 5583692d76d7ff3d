"""The importer API's JSON, documented for the OpenAPI schema (the views build it from ``selectors.progress``)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from ..models import ImportJob


class ImportRowErrorJson(serializers.Serializer):
    row = serializers.IntegerField(help_text="行号（与表格中一致，表头为第 1 行）")
    column = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()
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
    error = serializers.CharField(allow_blank=True)
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
