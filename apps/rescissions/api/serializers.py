from django.urls import reverse
from rest_framework import serializers

from apps.vehicles.usage import OPERATING_NATURES, UsageNature

from ..models import CasePolicy, Decision, Fault, Path, RescissionCase, RescissionEvent, RescissionNotice
from ..selectors import case_clock


class RescissionEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.username", read_only=True, default=None)
    # the note in the request's language; ``note_msg`` the message id and parameters behind it ({} when typed)
    note = serializers.CharField(source="display_note", read_only=True)

    class Meta:
        model = RescissionEvent
        fields = ["id", "kind", "at", "recorded_at", "actor_name", "organization", "note", "note_msg", "corrects",
                  "data"]
        read_only_fields = fields


class RescissionNoticeSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = RescissionNotice
        fields = ["id", "kind", "doc_no", "issued_on", "sha256", "size", "created_at", "pdf_url"]
        read_only_fields = fields

    def get_pdf_url(self, obj) -> str:
        return reverse("rescission-case-notice-pdf", args=[obj.case_id, obj.pk])


class CasePolicySerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="policy.number", read_only=True)
    kind = serializers.CharField(source="policy.kind", read_only=True)

    class Meta:
        model = CasePolicy
        fields = ["policy", "number", "kind", "outcome", "outcome_at", "endorsement_ref"]
        read_only_fields = fields


class RescissionCaseSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.label", read_only=True)
    policy_number = serializers.CharField(source="policy.number", read_only=True)
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    number = serializers.CharField(read_only=True)
    clock = serializers.SerializerMethodField()
    policies = CasePolicySerializer(source="case_policies", many=True, read_only=True)
    # in the request's language; ``decision_reason_msg`` the message behind it ({} when typed) — issue 16
    decision_reason = serializers.CharField(source="display_decision_reason", read_only=True)

    class Meta:
        model = RescissionCase
        fields = [
            "id", "number", "policy", "policy_number", "insurer", "insurer_name", "vehicle", "plate", "trigger",
            "trigger_ref", "known_at", "deadline_at", "notice_sent_at", "notice_received_at", "disclosure_due_at",
            "disclosed_at", "decision", "decision_reason", "decision_reason_msg", "decided_at", "decision_recorded_at", "lapsed_at",
            "status", "path", "fault", "operating_since", "meant_at_inception", "path_reason", "path_basis",
            "path_recorded_at", "policies", "clock",
        ]
        read_only_fields = fields

    def get_clock(self, obj) -> dict:
        clock = case_clock(obj, with_note=False)
        return {"day": clock.day, "days_left": clock.days_left, "last_notice_date": clock.last_notice_date,
                "warnings": clock.warnings, "level": clock.css or "ok"}


class RescissionCaseDetailSerializer(RescissionCaseSerializer):
    events = RescissionEventSerializer(many=True, read_only=True)
    notices = RescissionNoticeSerializer(many=True, read_only=True)

    class Meta(RescissionCaseSerializer.Meta):
        fields = [*RescissionCaseSerializer.Meta.fields, "matter", "applied_on", "events", "notices"]
        read_only_fields = fields


class OpenInput(serializers.Serializer):
    policy = serializers.IntegerField(required=False, help_text="policy id (or give policy_number)")
    policy_number = serializers.CharField(required=False, max_length=40)
    known_at = serializers.DateTimeField()
    trigger_ref = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")

    def validate(self, attrs):
        if not attrs.get("policy") and not attrs.get("policy_number"):
            raise serializers.ValidationError("policy or policy_number is required")
        return attrs


class NoticeSentInput(serializers.Serializer):
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    contact_name = serializers.CharField(max_length=60)
    contact_phone = serializers.CharField(max_length=30)
    matter = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    applied_on = serializers.DateField(required=False, allow_null=True, default=None)


class NoticeReceivedInput(serializers.Serializer):
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DisclosureInput(serializers.Serializer):
    disclosed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decided_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PathInput(serializers.Serializer):
    path = serializers.ChoiceField(choices=Path.choices)
    operating_since = serializers.DateField(allow_null=True)
    fault = serializers.ChoiceField(choices=Fault.choices, required=False, allow_blank=True, default="")
    basis = serializers.CharField(required=False, allow_blank=True, default="")
    meant_at_inception = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField()


class EndorseInput(serializers.Serializer):
    """Endorse (批改) one policy of the case — the same fields as the page's form (rules J8, J9; art. 52)."""

    policy = serializers.IntegerField(help_text="id of a policy of the case")
    usage_nature = serializers.ChoiceField(
        choices=[(v, label) for v, label in UsageNature.choices if v in OPERATING_NATURES])
    effective_on = serializers.DateField()
    new_premium = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    reason = serializers.CharField()


class CorrectionInput(serializers.Serializer):
    event = serializers.IntegerField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
