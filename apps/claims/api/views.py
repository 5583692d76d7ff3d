"""Claims over the API (thin: validate, call the service, serialise). An insurer sees only its own claims; the
regulator and the insurance association read all (``access.py``); 404 outside the audience."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ErrorCode
from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import analytics, selectors, services
from ..models import Claim, FocusedCheck
from .serializers import (
    ClaimBatchResultSerializer,
    ClaimBatchSerializer,
    ClaimPushRowSerializer,
    ClaimSerializer,
    ClaimWithdrawSerializer,
    FocusedCheckResultSerializer,
    FocusedCheckSerializer,
    SlaQuerySerializer,
    SlaTableSerializer,
)


class ClaimViewSet(ScopedReadOnlyViewSet):
    """Claims with their clocks (rules M13, J11) and the operating flag (M15)."""

    queryset = Claim.objects.select_related("insurer", "vehicle", "policy").prefetch_related("progress_notices") \
        .order_by("-reported_at", "-id")
    serializer_class = ClaimSerializer
    filterset_fields = ["status", "insurer", "operating_flag", "decision", "size"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "clock_map": getattr(self, "_clock_map", None)}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._clock_map = selectors.clocks_for_claims(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        self._clock_map = selectors.clocks_for_claims([claim])
        return Response(self.get_serializer(claim).data)

    @extend_schema(request=ClaimWithdrawSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def withdraw(self, request, pk=None):
        """Withdraw (撤案) a claim not yet decided, or covered and not yet paid: the reason and ``confirm: true``
        are required; the running clocks are closed as withdrawn (``closed_as: withdrawn``). Closing such a claim
        through ``closed_at`` is refused (rules M13, J11)."""
        claim = self.get_object()
        body = ClaimWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = services.claim_withdraw(claim=claim, actor=request.user, reason=body.validated_data["reason"],
                                        confirm=body.validated_data["confirm"],
                                        at=body.validated_data.get("withdrawn_at"))
        self._clock_map = selectors.clocks_for_claims([claim])
        return Response(self.get_serializer(claim).data)

    @extend_schema(request=ClaimBatchSerializer, responses=inline_serializer("ClaimBatchResponse", {
        "results": ClaimBatchResultSerializer(many=True)}))
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def batch(self, request):
        """Push claims from an insurer's core system: created, advanced (new timestamps) or unchanged; each row
        on its own, so a bad row is reported and changes nothing while the others go through."""
        body = ClaimBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results: list[dict | None] = []
        valid: list[tuple[int, dict]] = []
        for index, row in enumerate(body.validated_data["claims"]):
            parsed = ClaimPushRowSerializer(data=row)
            if parsed.is_valid():
                valid.append((index, dict(parsed.validated_data)))
                results.append(None)
            else:
                results.append({"number": str(row.get("number", "")), "result": "error",
                                "error": {"code": ErrorCode.INVALID.value, "message": _("提交的数据有误。"),
                                          "fields": parsed.errors}})
        pushed = services.claims_push(actor=request.user, insurer=request.user.organization,
                                      rows=[row for _index, row in valid])
        for (index, _row), outcome in zip(valid, pushed, strict=True):
            results[index] = outcome
        return Response({"results": results}, status=status.HTTP_200_OK)


class SlaView(APIView):  # not a model view: the audience is checked by selectors.sla_insurers_for
    """Per-insurer service levels of the claim clocks started in [start, end] (Asia/Shanghai dates)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str),
                               OpenApiParameter("insurer", int, required=False)], responses=SlaTableSerializer)
    def get(self, request):
        if selectors.sla_insurers_for(request.user) == []:
            raise PermissionDenied
        query = SlaQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        table = selectors.sla_table(user=request.user, start=query.validated_data["start"],
                                    end=query.validated_data["end"], insurer_id=query.validated_data.get("insurer"))
        return Response({
            "start": query.validated_data["start"], "end": query.validated_data["end"],
            "insurers": [{
                "insurer": row.insurer_id, "insurer_name": row.insurer_name, "met": row.met,
                "breached": row.breached, "share_met": row.share_met,
                "clocks": [{
                    "rule": cell.rule, "label": cell.label, "total": cell.total, "met": cell.met,
                    "breached": cell.breached, "running": cell.running, "cancelled": cell.cancelled,
                    "withdrawn": cell.withdrawn,
                    "special_circumstances": cell.special, "share_met": cell.share_met,
                    "median_seconds": cell.median_seconds, "p90_seconds": cell.p90_seconds,
                } for cell in row.ordered_cells()],
            } for row in table],
        })


class FocusedCheckViewSet(ScopedReadOnlyViewSet):
    """Focused checks of the claims analytics (rule M14); the platform company records its result."""

    queryset = FocusedCheck.objects.select_related("vehicle", "driver").order_by("-created_at", "-id")
    serializer_class = FocusedCheckSerializer
    filterset_fields = ["result", "subject_kind", "company", "run", "check_list"]

    @extend_schema(request=FocusedCheckResultSerializer, responses=FocusedCheckSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def result(self, request, pk=None):
        check = self.get_object()
        data = FocusedCheckResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = analytics.focused_check_record(actor=request.user, check=check, **data.validated_data)
        return Response(FocusedCheckSerializer(check).data)
