"""The caller's own notifications (``/api/v1/notifications/``), read in the request's language."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets

from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """``title``/``body`` rendered in the caller's language (the language cookie, else Chinese); what the platform
    wrote also carries its message id and parameters (``title_msgid``, ``body_msgid``, ``params``: empty for a
    user's own text and for older rows, whose stored text is returned as it is)."""

    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "title_msgid", "body_msgid", "params", "link", "kind", "created_at",
                  "read_at"]
        read_only_fields = fields


@extend_schema(parameters=[OpenApiParameter("unread", bool, description="true: only the unread ones")])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the platform told the caller, newest first (never another user's)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        qs = Notification.objects.filter(user=self.request.user).order_by("-created_at", "-pk")
        if self.request.query_params.get("unread") in ("true", "1"):
            qs = qs.filter(read_at__isnull=True)
        return qs
