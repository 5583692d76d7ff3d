"""The verify page of signed documents (issue 19): anyone signed in uploads a PDF the platform issued (a notice,
a decision) and learns whether its signature is intact, who signed it (the organisation, with a custodial or its
own key), when, and which platform record it is (by the file's SHA-256). The same check is ``POST
/api/v1/signed-documents/verify/``; the document CA's certificate is at ``/exchange/documents/ca.pem`` (to add
it as a trusted certificate in a PDF reader)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import crypto, pdfsign
from .forms import MAX_PDF_BYTES, DocumentVerifyForm


def verification_dict(result: pdfsign.Verification) -> dict:
    record = result.record
    return {
        "valid": result.ok, "problem": result.problem, "signed": result.signed, "intact": result.intact,
        "trusted": result.trusted, "whole_file": result.whole_file, "sha256": result.sha256,
        "signer": {"organization": result.organization, "uscc": result.uscc,
                   "custody": crypto.CUSTODY_PLATFORM if result.custodial else crypto.CUSTODY_PARTY,
                   } if result.signed and result.organization else None,
        "signed_at": crypto.utc_stamp(result.signed_at) if result.signed_at else None,
        "record": None if record is None else {
            "title": record.title, "doc_no": record.doc_no, "case_ref": record.case_ref,
            "issuer": record.organization.name, "signed_at": crypto.utc_stamp(record.signed_at)},
    }


@login_required
def document_verify(request):
    result = None
    if request.method == "POST":
        form = DocumentVerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = pdfsign.verify_pdf(form.cleaned_data["file"].read())
    else:
        form = DocumentVerifyForm()
    return render(request, "exchange/document_verify.html", {
        "form": form, "result": result}, status=200 if result is None or result.ok else 422)


@login_required
def document_ca_download(request):
    response = HttpResponse(pdfsign.ca_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="lz-document-ca.pem"'
    return response


class DocumentVerifyView(APIView):
    """Check a signed PDF: multipart ``file``; the answer says whether the signature is intact and trusted, who
    signed, when and the platform record (``valid`` false with ``problem`` in the caller's language)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT}, operation_id="signed_documents_verify")
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": _("请上传要核验的 PDF 文件（字段 file）。"), "code": "invalid"},
                            status=status.HTTP_400_BAD_REQUEST)
        if upload.size > MAX_PDF_BYTES:
            return Response({"detail": _("文件超过 20 MB，不能核验。"), "code": "invalid"},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(verification_dict(pdfsign.verify_pdf(upload.read())))
