from rest_framework import serializers

from apps.core.api.serializers import LabelField

from ..models import (
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    LeadEvent,
    Outcome,
    Penalty,
    RiskModelRun,
    RiskModelWeights,
    ScreeningFinding,
)


class LeadSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    origin_name = serializers.CharField(source="origin.name", read_only=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True, default=None)
    status_label = LabelField("status")
    finding_label = LabelField("finding")
    outcome_label = LabelField("outcome")
    # in the request's language; ``evidence_msg`` the message behind it ({} when typed) — issue 16
    evidence = serializers.CharField(source="display_evidence", read_only=True)
    # the risk model's reasons, ``text`` / ``label`` in the request's language (``text_msg`` / ``label_msg`` kept)
    reasons = serializers.JSONField(source="display_reasons", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "reference", "plate", "vehicle", "direction", "source", "status", "status_label", "origin",
            "origin_name", "sender", "sender_name", "recipient", "recipient_name", "evidence", "evidence_msg",
            "external_ref",
            "score", "reasons", "pushed_at", "push_batch", "received_at", "finding", "finding_label", "verified_at",
            "verified_by", "verification_note", "check_requested_at", "check_requested_by", "check_request_note",
            "checked_by", "checked_at", "check_result", "defined_by", "outcome", "outcome_label", "dismissed_reason",
            "disposals", "disposal_note", "penalty", "disposed_at", "created_at",
        ]
        read_only_fields = fields


class LeadDetailSerializer(LeadSerializer):
    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "finding_detail"]
        read_only_fields = fields


class LeadEventSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True, default=None)
    note = serializers.CharField(source="display_note", read_only=True)  # and ``note_msg`` (issue 16)

    class Meta:
        model = LeadEvent
        fields = ["id", "at", "action", "from_status", "to_status", "actor", "organization", "organization_name",
                  "note", "note_msg", "detail"]
        read_only_fields = fields


class FlagInput(serializers.Serializer):
    plate = serializers.CharField(max_length=12)
    evidence = serializers.CharField()
    push = serializers.BooleanField(default=False)


class ComplaintInput(FlagInput):
    complaint_ref = serializers.CharField(max_length=60)


class ReportInput(serializers.Serializer):
    plate = serializers.CharField(max_length=12)
    evidence = serializers.CharField()


class PushInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=5000)


class VerifyInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CheckRequestInput(serializers.Serializer):
    note = serializers.CharField()


class ReviewInput(serializers.Serializer):
    run = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100000)
    decision = serializers.ChoiceField(choices=ScreeningFinding.Review.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ConfirmInput(serializers.Serializer):
    digest = serializers.CharField(max_length=64)


class CheckInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    result = serializers.CharField()
    checked_at = serializers.DateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    penalty = serializers.IntegerField(required=False)


class DisposeInput(serializers.Serializer):
    penalty = serializers.IntegerField(required=False)
    credit_record = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WorklistItemSerializer(serializers.ModelSerializer):
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    policy_number = serializers.CharField(source="policy.number", read_only=True, allow_null=True)

    class Meta:
        model = InsurerWorklistItem
        fields = ["id", "insurer", "insurer_name", "kind", "row_key", "lead", "screening_finding", "penalty",
                  "policy", "policy_number", "vehicle", "plate", "summary", "state", "received_at", "answer",
                  "answer_note", "answered_at", "answered_by"]
        read_only_fields = fields


class AnswerInput(serializers.Serializer):
    answer = serializers.ChoiceField(choices=InsurerWorklistItem.Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PenaltySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Penalty
        fields = ["id", "decision_no", "decided_on", "plate", "vehicle", "company", "facts", "amount", "lead",
                  "organization", "organization_name", "recorded_at", "pushed_at", "batch"]
        read_only_fields = fields


class PenaltyInput(serializers.Serializer):
    decision_no = serializers.CharField(max_length=60)
    decided_on = serializers.DateField()
    facts = serializers.CharField()
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    company = serializers.IntegerField(required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    lead = serializers.IntegerField(required=False)


class LawfulListRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = LawfulListRun
        fields = ["id", "sender", "recipient", "listed_on", "pushed_at", "batch", "vehicle_count", "state",
                  "received_at", "screened_at", "screen_ms", "summary"]
        read_only_fields = fields


class ScreeningFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningFinding
        fields = ["id", "run", "vehicle", "permit", "insurer", "policy", "kind", "plate", "finding", "review",
                  "review_reason", "reviewed_at", "dispatched_at"]
        read_only_fields = fields


class RiskWeightsSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskModelWeights
        fields = ["id", "version", "weights", "threshold", "note", "created_by", "created_at"]
        read_only_fields = ["id", "version", "created_by", "created_at"]


class RiskRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskModelRun
        fields = ["id", "weights", "organization", "started_at", "finished_at", "features", "vehicles_scored",
                  "flagged", "leads_created", "state", "confirmed_by", "confirmed_at", "batch"]
        read_only_fields = fields
