"""Claims API serializers: output shapes and the row of a batch push (input parsing only; rules in services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.serializers import BATCH_ROW_OUTCOMES
from apps.core.models import Deadline

from ..models import Claim, FocusedCheck

# What a focused check may conclude (no "pending"); named FocusedCheckVerdict in the schema
# (liuzhou_regulation/api_enums.py).
FOCUSED_CHECK_VERDICTS = [FocusedCheck.Result.NO_VIOLATION, FocusedCheck.Result.VIOLATION]

MAX_BATCH_ROWS = 1000


class ClockSerializer(serializers.ModelSerializer):
    reasons = serializers.SerializerMethodField()
    closed_as = serializers.SerializerMethodField(help_text=_("“withdrawn”：因撤案终止"))

    class Meta:
        model = Deadline
        fields = ["rule", "unit", "amount", "starts_at", "due_at", "met_at", "breached_at", "status",
                  "used_fallback_calendar", "reasons", "closed_as"]
        read_only_fields = fields

    def get_reasons(self, obj) -> list[str]:
        return [p.display_reason for p in obj.pauses.all()]  # in the request's language (issue 16)

    def get_closed_as(self, obj) -> str | None:
        if obj.status == Deadline.Status.CANCELLED and self.context.get("withdrawn"):
            return "withdrawn"
        return None


class ProgressNoticeSerializer(serializers.Serializer):
    sent_at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ClaimSerializer(serializers.ModelSerializer):
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    policy_number = serializers.CharField(source="policy.number", read_only=True)
    clocks = serializers.SerializerMethodField()
    progress_notices = serializers.SerializerMethodField()
    driver = serializers.SerializerMethodField()
    operating_consequence = serializers.SerializerMethodField(
        help_text=_("规则 M15：按本案保单险种，营运期间出险的法律后果（仅在疑似营运期间出险时给出）"))

    class Meta:
        model = Claim
        fields = [
            "id", "insurer", "insurer_name", "number", "policy", "policy_number", "vehicle", "plate", "driver",
            "occurred_at", "location", "at_night", "at_station", "injured_passengers", "reported_at",
            "claim_requested_at", "survey_dispatched_at", "special_circumstances_reason", "special_circumstances_at",
            "documents_requested_at", "documents_complete_at", "decision", "decided_at", "refusal_reason",
            "refusal_notice_sent_at", "amount_claimed", "amount_agreed", "agreed_at", "paid_at", "closed_at",
            "withdrawn_at", "withdrawal_reason", "size", "status", "operating_flag", "operating_evidence",
            "insured_usage", "operating_consequence", "source", "created_at",
            "updated_at", "progress_notices", "clocks",
        ]
        read_only_fields = fields

    def get_clocks(self, obj) -> list[dict]:
        clock_map = self.context.get("clock_map")
        if clock_map is None:
            return []
        return ClockSerializer(clock_map.get(obj.pk, []), many=True, context={"withdrawn": obj.is_withdrawn}).data

    def get_operating_consequence(self, obj) -> str | None:
        return obj.operating_consequence if obj.operating_flag else None

    def get_driver(self, obj) -> int | None:
        """The register's driver linked by the ID number on the claim: supervisors see it (rule M14); the insurer
        does not, so its own claims never tell it whether a person is a registered driver of a taxi company."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "kind", None) == "insurer":
            return None
        return obj.driver_id

    def get_progress_notices(self, obj) -> list[dict]:
        return [{"sent_at": n.sent_at, "note": n.note} for n in obj.progress_notices.all() if n.sent_at]


class ClaimPushRowSerializer(serializers.Serializer):
    """One claim as an insurer's core system sends it. Identity: (the caller's insurer, ``number``)."""

    number = serializers.CharField(max_length=64)
    policy_number = serializers.CharField(max_length=40, required=False)
    occurred_at = serializers.DateTimeField(required=False)
    reported_at = serializers.DateTimeField(required=False)
    claim_requested_at = serializers.DateTimeField(required=False)
    driver_id_no = serializers.CharField(max_length=18, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    at_station = serializers.BooleanField(required=False)
    injured_passengers = serializers.IntegerField(min_value=0, max_value=99, required=False)
    amount_claimed = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    survey_dispatched_at = serializers.DateTimeField(required=False)
    special_circumstances_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    special_circumstances_at = serializers.DateTimeField(required=False)
    documents_requested_at = serializers.DateTimeField(required=False)
    documents_complete_at = serializers.DateTimeField(required=False)
    decision = serializers.ChoiceField(choices=Claim.Decision.choices, required=False)
    decided_at = serializers.DateTimeField(required=False)
    refusal_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    refusal_notice_sent_at = serializers.DateTimeField(required=False)
    amount_agreed = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    agreed_at = serializers.DateTimeField(required=False)
    paid_at = serializers.DateTimeField(required=False)
    closed_at = serializers.DateTimeField(required=False)
    progress_notices = ProgressNoticeSerializer(many=True, required=False)


class ClaimWithdrawSerializer(serializers.Serializer):
    """Withdrawal (撤案) of a claim not yet decided or paid: an explicit action with its reason and confirmation."""

    reason = serializers.CharField(max_length=2000, help_text=_("撤案原因"))
    withdrawn_at = serializers.DateTimeField(required=False, help_text=_("撤案时间；缺省为当前时间"))
    confirm = serializers.BooleanField(help_text=_("须为 true：确认撤案及其原因"))


class ClaimBatchSerializer(serializers.Serializer):
    claims = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=MAX_BATCH_ROWS,
                                   help_text=_("至多 1000 条；同一报案号重复推送不会产生变化"))


class ClaimBatchResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    result = serializers.ChoiceField(choices=BATCH_ROW_OUTCOMES)
    id = serializers.IntegerField(required=False)
    changed = serializers.ListField(child=serializers.CharField(), required=False)
    operating_flag = serializers.BooleanField(required=False)
    error = serializers.DictField(required=False)


class SlaQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    insurer = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(_("起始日期不能晚于截止日期。"))
        return attrs


class SlaClockSerializer(serializers.Serializer):
    rule = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    running = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    withdrawn = serializers.IntegerField(help_text=_("其中因撤案终止的时限数"))
    special_circumstances = serializers.IntegerField()
    share_met = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class SlaInsurerSerializer(serializers.Serializer):
    insurer = serializers.IntegerField()
    insurer_name = serializers.CharField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    share_met = serializers.FloatField(allow_null=True)
    clocks = SlaClockSerializer(many=True)


class SlaTableSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    insurers = SlaInsurerSerializer(many=True)


class FocusedCheckSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True, default=None)
    driver_name = serializers.CharField(source="driver.name_masked", read_only=True, default=None)

    class Meta:
        model = FocusedCheck
        fields = ["id", "run", "check_list", "company", "subject_kind", "vehicle", "plate", "driver", "driver_name",
                  "claim_count", "loss_total", "result", "result_note", "checked_at", "credit_record", "lead",
                  "created_at"]
        read_only_fields = fields


class FocusedCheckResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=FOCUSED_CHECK_VERDICTS)
    note = serializers.CharField(max_length=4000)
    report_lead = serializers.BooleanField(required=False, default=False)
