"""Joint inspections, notices and training over the API (read-only; rows from apps.parties.access only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.parties import access
from apps.parties.scoping import ScopedReadOnlyViewSet

from ..models import Inspection, InspectionFinding, InspectionNotice, Training
from .serializers import FindingSerializer, InspectionSerializer, NoticeSerializer, TrainingSerializer


class InspectionViewSet(ScopedReadOnlyViewSet):
    """Joint inspections (rule M17): the planning parties see every one; an inspected party the ones it was in
    (the other inspected parties are not listed: ``findings`` gives the caller's own finding only)."""

    queryset = Inspection.objects.select_related("organizer").prefetch_related("participants") \
        .order_by("-planned_start", "-id")
    serializer_class = InspectionSerializer
    filterset_fields = ["status"]

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        inspection = self.get_object()
        rows = access.visible(request.user, InspectionFinding).filter(inspection=inspection).select_related("party")
        return Response(FindingSerializer(rows, many=True).data)


class InspectionNoticeViewSet(ScopedReadOnlyViewSet):
    """Notices (通报) of problems found and their rectification (rule M17): an inspected party sees its own."""

    queryset = InspectionNotice.objects.select_related("inspection", "party", "issued_by").order_by("-issued_at", "-id")
    serializer_class = NoticeSerializer
    filterset_fields = ["status", "result"]


class TrainingViewSet(ScopedReadOnlyViewSet):
    """Training of the taxi association (rules M2, M17): a company sees the sessions it attended."""

    queryset = Training.objects.select_related("organizer").order_by("-held_on", "-id")
    serializer_class = TrainingSerializer
