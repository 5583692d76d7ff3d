from rest_framework import serializers

from ..models import Deadline


class DeadlineSerializer(serializers.ModelSerializer):
    subject_type = serializers.CharField(source="content_type.model", read_only=True)
    responsible_name = serializers.CharField(source="responsible.name", read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id", "rule", "subject_type", "object_id", "responsible", "responsible_name", "unit", "amount",
            "starts_at", "due_at", "warn_at", "warned_at", "met_at", "breached_at", "paused_at", "status",
            "used_fallback_calendar",
        ]
        read_only_fields = fields
