"""Pages of the bulk importer (the services do the work; these only call them). The API is in ``api/``."""

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

from apps.core.errors import ApplicationError
from apps.core.exports import _filename_header, cells, csv_writer
from apps.parties import access

from . import conf, registry, selectors, services
from .layout import template_rows
from .models import ImportJob, ImportRowError

ERRORS_PER_PAGE = 100


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"))
    file = forms.FileField(label=gettext_lazy("文件（CSV 或 XLSX）"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in registry.kinds_for(user)]


def _with_labels(page):
    labels = {k.key: k.label for k in registry.all_kinds()}
    for job in page:
        job.kind_label = labels.get(job.kind, job.kind)
    return page


def _kinds_or_404(user):
    kinds = registry.kinds_for(user)
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
    return render(request, "imports/import_list.html", {
        "form": form, "kinds": kinds, "page": page,
        "max_mb": conf.max_file_bytes() // 1024 // 1024, "max_rows": conf.max_rows(),
    })


@login_required
@require_POST
def import_upload(request):
    kinds = _kinds_or_404(request.user)
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            job = services.import_job_create(actor=request.user, kind=form.cleaned_data["kind"],
                                             upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import-detail", pk=job.pk)
    jobs = access.visible(request.user, ImportJob).select_related("created_by").order_by("-created_at")
    return render(request, "imports/import_list.html", {
        "form": form, "kinds": kinds, "page": _with_labels(Paginator(jobs, 30).get_page(1)),
        "max_mb": conf.max_file_bytes() // 1024 // 1024, "max_rows": conf.max_rows(),
    }, status=400)


def _list_url(kind: registry.ImportKind) -> str:
    try:
        return reverse(kind.list_url) if kind.list_url else ""
    except NoReverseMatch:
        return ""


@login_required
def import_detail(request, pk: int):
    """Preview (counts, per-row errors, the choice), then progress and outcome of one import."""
    job = selectors.job_for(request.user, pk)
    kind = registry.get_kind(job.kind)
    errors = ImportRowError.objects.filter(job=job).order_by("row_number", "id")
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "imports/import_detail.html", {
        "job": job, "kind": kind, "page": page, "progress": selectors.progress(job),
        "previous": selectors.previous_import(job) if job.status == ImportJob.Status.PREVIEWED else None,
        "may_act": kind.may_import(request.user), "list_url": _list_url(kind),
        "stored_all_errors": errors.count() < conf.max_stored_errors(),
    })


@login_required
@require_POST
def import_start(request, pk: int):
    job = selectors.job_for(request.user, pk)
    mode = request.POST.get("mode", ImportJob.Mode.VALID_ROWS)
    try:
        job = services.import_job_start(actor=request.user, job=job, mode=mode)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportJob.Status.DISCARDED:
            messages.warning(request, job.display_error_message)
        else:
            messages.success(request, _("已开始导入，进度见下方。"))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_discard(request, pk: int):
    job = selectors.job_for(request.user, pk)
    try:
        services.import_job_discard(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已放弃本次导入，未写入任何数据。"))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_GET
def import_progress(request, pk: int):
    job = selectors.job_for(request.user, pk)
    return JsonResponse(selectors.progress(job))


@login_required
@require_GET
def import_errors_csv(request, pk: int):
    """The error report as CSV (UTF-8 with BOM), to fix the file in Excel."""
    job = selectors.job_for(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename_header(f"导入错误_{job.pk}.csv")
    response.write("\ufeff")
    writer = csv_writer(response)  # the column and the reason quote the uploaded file: no formulas
    writer.writerow([_("行号"), _("列"), _("原因"), _("发现于")])
    for error in ImportRowError.objects.filter(job=job).order_by("row_number", "id").iterator():
        writer.writerow([error.row_number, error.column, error.display_reason,  # in the requester's language (issue 16)
                         _("导入时") if error.at_import else _("预览")])
    return response


@login_required
@require_GET
def import_template(request, kind: str):
    """An empty file with the template's header row (required columns marked *) and one example row."""
    try:
        import_kind = registry.get_kind(kind)
    except ApplicationError:
        raise Http404 from None
    if not import_kind.may_import(request.user):
        raise Http404
    headers, example = template_rows(import_kind)
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
