"""Pages and API of the bulk importer (``apps/core/imports.py`` does the work; these only call its services)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.parties import access

from . import imports
from .api.pagination import Pagination
from .errors import ApplicationError
from .exports import _filename_header, cells, csv_writer
from .models import ImportJob, ImportRowError

ERRORS_PER_PAGE = 100


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"))
    file = forms.FileField(label=gettext_lazy("文件（CSV 或 XLSX）"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in imports.kinds_for(user)]


def _job_or_404(request, pk: int) -> ImportJob:
    return access.get_for_user(request.user, ImportJob.objects.select_related("created_by"), pk=pk)


def _with_labels(page):
    labels = {k.key: k.label for k in imports.all_kinds()}
    for job in page:
        job.kind_label = labels.get(job.kind, job.kind)
    return page


def _kinds_or_404(user):
    kinds = imports.kinds_for(user)
    if not kinds:
        raise Http404
    return kinds


@login_required
def import_list(request):
    """The organisation's imports and the upload form (for the kinds the user may import)."""
    kinds = _kinds_or_404(request.user)
    initial = request.GET.get("kind")
    form = UploadForm(user=request.user, initial={"kind": initial} if initial else None)
    jobs = access.visible(request.user, ImportJob).select_related("created_by").order_by("-created_at")
    page = _with_labels(Paginator(jobs, 30).get_page(request.GET.get("page")))
    return render(request, "core/import_list.html", {
        "form": form, "kinds": kinds, "page": page,
        "max_mb": imports.max_file_bytes() // 1024 // 1024, "max_rows": imports.max_rows(),
    })


@login_required
@require_POST
def import_upload(request):
    kinds = _kinds_or_404(request.user)
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            job = imports.import_job_create(actor=request.user, kind=form.cleaned_data["kind"],
                                            upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import-detail", pk=job.pk)
    jobs = access.visible(request.user, ImportJob).select_related("created_by").order_by("-created_at")
    return render(request, "core/import_list.html", {
        "form": form, "kinds": kinds, "page": _with_labels(Paginator(jobs, 30).get_page(1)),
        "max_mb": imports.max_file_bytes() // 1024 // 1024, "max_rows": imports.max_rows(),
    }, status=400)


def _list_url(kind: imports.ImportKind) -> str:
    try:
        return reverse(kind.list_url) if kind.list_url else ""
    except NoReverseMatch:
        return ""


@login_required
def import_detail(request, pk: int):
    """Preview (counts, per-row errors, the choice), then progress and outcome of one import."""
    job = _job_or_404(request, pk)
    kind = imports.get_kind(job.kind)
    errors = ImportRowError.objects.filter(job=job).order_by("row_number", "id")
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "core/import_detail.html", {
        "job": job, "kind": kind, "page": page, "progress": imports.progress(job),
        "previous": imports.previous_import(job) if job.status == ImportJob.Status.PREVIEWED else None,
        "may_act": kind.may_import(request.user), "list_url": _list_url(kind),
        "stored_all_errors": errors.count() < imports.max_stored_errors(),
    })


@login_required
@require_POST
def import_start(request, pk: int):
    job = _job_or_404(request, pk)
    mode = request.POST.get("mode", ImportJob.Mode.VALID_ROWS)
    try:
        job = imports.import_job_start(actor=request.user, job=job, mode=mode)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportJob.Status.DISCARDED:
            messages.warning(request, job.error_message)
        else:
            messages.success(request, _("已开始导入，进度见下方。"))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_discard(request, pk: int):
    job = _job_or_404(request, pk)
    try:
        imports.import_job_discard(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已放弃本次导入，未写入任何数据。"))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_GET
def import_progress(request, pk: int):
    job = _job_or_404(request, pk)
    return JsonResponse(imports.progress(job))


@login_required
@require_GET
def import_errors_csv(request, pk: int):
    """The error report as CSV (UTF-8 with BOM), to fix the file in Excel."""
    job = _job_or_404(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename_header(f"导入错误_{job.pk}.csv")
    response.write("\ufeff")
    writer = csv_writer(response)  # the column and the reason quote the uploaded file: no formulas
    writer.writerow([_("行号"), _("列"), _("原因"), _("发现于")])
    for error in ImportRowError.objects.filter(job=job).order_by("row_number", "id").iterator():
        writer.writerow([error.row_number, error.column, error.reason, _("导入时") if error.at_import else _("预览")])
    return response


@login_required
@require_GET
def import_template(request, kind: str):
    """An empty file with the template's header row (required columns marked *) and one example row."""
    try:
        import_kind = imports.get_kind(kind)
    except ApplicationError:
        raise Http404 from None
    if not import_kind.may_import(request.user):
        raise Http404
    headers, example = imports.template_rows(import_kind)
    fmt = request.GET.get("format", "csv")
    name = f"{import_kind.label}_导入模板"
    if fmt == "xlsx":
        import io

        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(import_kind.label)
        sheet.append(cells(headers))
        sheet.append(cells(example))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:  # text format: long numbers (ID numbers, VINs) keep every digit
            for cell in column:
                cell.number_format = "@"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = _filename_header(f"{name}.xlsx")
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename_header(f"{name}.csv")
    response.write("\ufeff")
    writer = csv_writer(response)
    writer.writerow(headers)
    writer.writerow(example)
    return response


# --- API (systems upload the same files; the preview and the choice are the same services) ----------------------


def _job_json(job: ImportJob, *, errors: int = 200) -> dict:
    data = imports.progress(job)
    data["file"] = job.original_name
    data["sha256"] = job.file_sha256
    data["errors"] = [
        {"row": e.row_number, "column": e.column, "reason": e.reason, "at_import": e.at_import}
        for e in ImportRowError.objects.filter(job=job).order_by("row_number", "id")[:errors]
    ]
    return data


# --- API (the same services as the pages); the serializers below document the JSON for the OpenAPI schema ----------


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


_UPLOAD = inline_serializer("ImportUpload", {
    "kind": serializers.ChoiceField(choices=["vehicles", "permits", "drivers", "policies"]),
    "file": serializers.FileField(help_text="CSV（UTF-8 / GB18030 / UTF-16）或 XLSX"),
})
_START = inline_serializer("ImportStart", {
    "mode": serializers.ChoiceField(choices=ImportJob.Mode.choices, default=ImportJob.Mode.VALID_ROWS),
})


class ImportJobListApi(APIView):
    """``POST`` multipart ``kind`` + ``file``: upload and preview (small files are validated at once);
    ``GET``: the organisation's imports, newest first."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination

    @extend_schema(responses=ImportJobJson(many=True))
    def get(self, request):
        jobs = access.visible(request.user, ImportJob).order_by("-created_at", "-id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response([imports.progress(j) | {"file": j.original_name} for j in page])

    @extend_schema(request={"multipart/form-data": _UPLOAD}, responses={201: ImportJobDetailJson})
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(_("请上传文件。"), code="import_file_missing")
        job = imports.import_job_create(actor=request.user, kind=request.data.get("kind", ""), upload=upload)
        return Response(_job_json(job), status=status.HTTP_201_CREATED)


class ImportJobApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ImportJobDetailJson)
    def get(self, request, pk: int):
        return Response(_job_json(_job_or_404(request, pk)))


class ImportJobStartApi(APIView):
    """``{"mode": "valid_rows" | "nothing"}`` — ``nothing``: all rows in one transaction, refused if any is invalid."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=_START, responses={202: ImportJobDetailJson})
    def post(self, request, pk: int):
        job = imports.import_job_start(actor=request.user, job=_job_or_404(request, pk),
                                       mode=request.data.get("mode", ImportJob.Mode.VALID_ROWS))
        return Response(_job_json(job), status=status.HTTP_202_ACCEPTED)


class ImportJobDiscardApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=ImportJobDetailJson)
    def post(self, request, pk: int):
        job = imports.import_job_discard(actor=request.user, job=_job_or_404(request, pk))
        return Response(_job_json(job))
