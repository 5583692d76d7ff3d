from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from apps.parties.scoping import ScopedReadOnlyViewSet

from .. import whatif
from ..models import Deadline
from .serializers import DeadlineSerializer, DuePreviewQuerySerializer, DuePreviewSerializer


class DeadlineViewSet(ScopedReadOnlyViewSet):
    """Clocks in the caller's audience, nearest first."""

    queryset = Deadline.objects.select_related("responsible", "content_type").order_by("due_at")
    serializer_class = DeadlineSerializer
    filterset_fields = ["rule", "status", "responsible"]

    @extend_schema(
        parameters=[OpenApiParameter(name, required=name == "start") for name in DuePreviewQuerySerializer().fields],
        responses=DuePreviewSerializer,
        description="When is it due? The due instant (Asia/Shanghai) of a clock rule — or of a unit and an amount, "
                    "with the statutory defaults — started at ``start``, on the calendar of ``region`` (GB/T 2260; "
                    "default: the platform's city); whether the calendar was provisional and whether the end rolled "
                    "over a rest day (rules T1–T3). The same computation as ``manage.py clock_due``; no data is read.",
    )
    @action(detail=False, methods=["get"], url_path="due")
    def due(self, request):
        query = DuePreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            start = whatif.parse_instant(data["start"])
            preview = whatif.due_preview(start=start, rule=data.get("rule") or None, unit=data.get("unit") or None,
                                         amount=data.get("amount"), region=data.get("region") or None,
                                         roll_over=data["roll_over"] == "true")
        except ValidationError as exc:
            raise APIValidationError(exc.message_dict) from None
        return Response(DuePreviewSerializer(preview.as_dict()).data)
