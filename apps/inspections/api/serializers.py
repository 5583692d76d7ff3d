from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from ..models import Inspection, InspectionFinding, InspectionNotice, Training


@extend_schema_field(inline_serializer("InspectedParty", {"id": serializers.IntegerField(),
                                                           "name": serializers.CharField()}))
class _OrgField(serializers.RelatedField):
    def to_representation(self, value):
        return {"id": value.pk, "name": value.name}


class FindingSerializer(serializers.ModelSerializer):
    party = _OrgField(read_only=True)
    conclusion_label = serializers.CharField(source="get_conclusion_display", read_only=True)

    class Meta:
        model = InspectionFinding
        fields = ["id", "party", "inspected_on", "conclusion", "conclusion_label", "problems", "recorded_at"]


class InspectionSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    organizer = _OrgField(read_only=True)
    participants = _OrgField(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "number", "organizer", "participants", "scope", "planned_start", "planned_end", "status",
                  "status_label", "created_at"]


class NoticeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)
    party = _OrgField(read_only=True)
    issued_by = _OrgField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = InspectionNotice
        fields = ["id", "number", "inspection", "inspection_number", "party", "issued_by", "issued_at", "problems",
                  "requirement", "rectification_days", "status", "status_label", "report", "reported_at", "result",
                  "result_label", "result_note", "closed_at", "sha256"]


class TrainingSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    organizer = _OrgField(read_only=True)

    class Meta:
        model = Training
        fields = ["id", "number", "organizer", "held_on", "topic", "trainer", "drivers_count", "location",
                  "created_at"]
