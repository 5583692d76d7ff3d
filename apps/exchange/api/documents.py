"""A party that holds its own key signs its formal documents itself (issue 19, docs/exchange.md “Signed documents”):
its system registers a document-signing public key (ECDSA P-256) with proof of possession and gets a certificate
from the platform's document CA, fetches each document issued unsigned in its name, signs it (one incremental
PAdES signature) and uploads it. Only the party's own users with the right to manage its keys (its system's API
user) reach these endpoints (``ownkeys.may_manage``); the platform never holds the private key."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.documents import pdf_response

from .. import crypto, ownkeys, pdfsign
from ..forms import MAX_PDF_BYTES
from ..models import DocumentCertificate, PendingDocument


class DocumentKeyRegisterSerializer(serializers.Serializer):
    """The party's ECDSA P-256 document-signing public key with its proof of possession: ``signature`` (base64,
    DER ECDSA-SHA256) by that key over ``b"lz-exchange/1 document-key-possession\\n" + canonical_json({format:
    "lz-document-key/1", challenge, organization_uscc, algorithm: "ecdsa-p256", purpose: "pdf-document-signing",
    public_key})``; the challenge from ``POST /api/v1/exchange-keys/challenge/``."""

    public_key = serializers.CharField(max_length=400, help_text="base64 of the DER SubjectPublicKeyInfo (P-256)")
    challenge = serializers.CharField(max_length=64)
    signature = serializers.CharField(max_length=200, help_text="base64 of the DER ECDSA signature")


def certificate_dict(row: DocumentCertificate) -> dict:
    return {"key_id": row.key_id, "serial": row.serial, "custody": row.custody, "certificate": row.certificate,
            "chain": pdfsign.trust_roots_pem(), "not_before": crypto.utc_stamp(row.not_before),
            "not_after": crypto.utc_stamp(row.not_after)}


def pending_dict(pending: PendingDocument) -> dict:
    return {"id": pending.pk, "title": pending.title, "doc_no": pending.doc_no, "case_ref": pending.case_ref,
            "sha256": pending.sha256, "size": pending.size, "issued_at": crypto.utc_stamp(pending.created_at),
            "pdf_url": reverse("pending-document-pdf", args=[pending.pk]),
            "upload_url": reverse("pending-document-signed", args=[pending.pk])}


class DocumentKeysView(APIView):
    """``GET``: the caller's party's document certificates for keys it holds, each with the CA chain;
    ``POST``: register one (proof of possession) — the answer is its certificate and chain."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="document_keys_list")
    def get(self, request):
        organization = request.user.organization
        ownkeys.may_manage(request.user, organization)
        rows = pdfsign.party_certificates(organization)[:20]
        return Response({"results": [certificate_dict(row) for row in rows]})

    @extend_schema(request=DocumentKeyRegisterSerializer, responses={201: OpenApiTypes.OBJECT},
                   operation_id="document_keys_register")
    def post(self, request):
        data = DocumentKeyRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = pdfsign.party_document_key_register(organization=request.user.organization, actor=request.user,
                                                  **data.validated_data)
        return Response(certificate_dict(row), status=status.HTTP_201_CREATED)


def _pending(request, pk: int) -> PendingDocument:
    ownkeys.may_manage(request.user, request.user.organization)
    pending = PendingDocument.objects.filter(pk=pk, organization_id=request.user.organization_id).first()
    if pending is None:
        raise Http404
    return pending


class PendingDocumentsView(APIView):
    """The documents issued unsigned in the caller's party's name, waiting for its own signature (oldest first,
    at most 100 a call: sign and upload them, and they leave the list)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="pending_documents_list")
    def get(self, request):
        ownkeys.may_manage(request.user, request.user.organization)
        return Response({"results": [pending_dict(p) for p in pdfsign.pending_documents(request.user)[:100]]})


class PendingDocumentPdfView(APIView):
    """The unsigned PDF exactly as issued: sign it with an incremental update (nothing else changed)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes}, operation_id="pending_documents_pdf")
    def get(self, request, pk: int):
        pending = _pending(request, pk)
        response = pdf_response(pdfsign.unsigned_content(pending), f"{pending.doc_no}.pdf")
        response["X-Content-SHA256"] = pending.sha256
        return response


class PendingDocumentSignedView(APIView):
    """Upload the signed PDF (multipart ``file``): accepted when it is the unsigned PDF plus one incremental
    signature update by a certificate the document CA issued for a document key the party registered."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        responses={201: OpenApiTypes.OBJECT}, operation_id="pending_documents_signed")
    def post(self, request, pk: int):
        pending = _pending(request, pk)
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_PDF_BYTES:
            return Response({"detail": _("请上传已签名的 PDF 文件（字段 file，不超过 20 MB）。"), "code": "invalid"},
                            status=status.HTTP_400_BAD_REQUEST)
        document = pdfsign.party_signed_accept(pending=pending, content=upload.read(), actor=request.user)
        return Response({"sha256": document.sha256, "title": document.title, "doc_no": document.doc_no,
                         "case_ref": document.case_ref, "signed_at": crypto.utc_stamp(document.signed_at),
                         "custody": document.certificate.custody}, status=status.HTTP_201_CREATED)
