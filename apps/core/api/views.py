from apps.parties.scoping import ScopedReadOnlyViewSet

from ..models import Deadline
from .serializers import DeadlineSerializer


class DeadlineViewSet(ScopedReadOnlyViewSet):
    """Clocks in the caller's audience, nearest first."""

    queryset = Deadline.objects.select_related("responsible", "content_type").order_by("due_at")
    serializer_class = DeadlineSerializer
    filterset_fields = ["rule", "status", "responsible"]
