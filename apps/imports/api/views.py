"""The importer's API: systems upload the same files, and the preview and the choice are the same services as the
pages'. Mounted under ``/api/v1/imports/`` (``api/urls.py``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.errors import ApplicationError
from apps.imports.errors import ErrorCode
from apps.parties import access

from .. import selectors, services
from ..models import ImportJob, ImportRowError
from .serializers import START_REQUEST, UPLOAD_REQUEST, ImportJobDetailJson, ImportJobJson


def _job_json(job: ImportJob, *, errors: int = 200) -> dict:
    data = selectors.progress(job)
    data["file"] = job.original_name
    data["sha256"] = job.file_sha256
    data["errors"] = [
        {"row": e.row_number, "column": e.column, "reason": e.display_reason, "reason_msg": e.reason_msg,
         "at_import": e.at_import}
        for e in ImportRowError.objects.filter(job=job).order_by("row_number", "id")[:errors]
    ]
    return data


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
        return paginator.get_paginated_response([selectors.progress(j) | {"file": j.original_name} for j in page])

    @extend_schema(request={"multipart/form-data": UPLOAD_REQUEST}, responses={201: ImportJobDetailJson})
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(_("请上传文件。"), code=ErrorCode.IMPORT_FILE_MISSING)
        job = services.import_job_create(actor=request.user, kind=request.data.get("kind", ""), upload=upload)
        return Response(_job_json(job), status=status.HTTP_201_CREATED)


class ImportJobApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ImportJobDetailJson)
    def get(self, request, pk: int):
        return Response(_job_json(selectors.job_for(request.user, pk)))


class ImportJobStartApi(APIView):
    """``{"mode": "valid_rows" | "nothing"}`` — ``nothing``: all rows in one transaction, refused if any is invalid."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=START_REQUEST, responses={202: ImportJobDetailJson})
    def post(self, request, pk: int):
        job = services.import_job_start(actor=request.user, job=selectors.job_for(request.user, pk),
                                        mode=request.data.get("mode", ImportJob.Mode.VALID_ROWS))
        return Response(_job_json(job), status=status.HTTP_202_ACCEPTED)


class ImportJobDiscardApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=ImportJobDetailJson)
    def post(self, request, pk: int):
        job = services.import_job_discard(actor=request.user, job=selectors.job_for(request.user, pk))
        return Response(_job_json(job))
