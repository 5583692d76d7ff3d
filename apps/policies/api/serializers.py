"""Serializers: read shapes mask the policyholder; write shapes only validate types — services do the rest."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from apps.core.api.serializers import BATCH_ROW_OUTCOMES, LabelField
from apps.vehicles.usage import UsageNature

from ..models import (
    Cancellation,
    CancellationGround,
    Coverage,
    CoverageKind,
    CoverageRequirement,
    CoverageStandard,
    Endorsement,
    Policy,
    PolicyKind,
    PolicyStatusChange,
    PremiumMode,
)


class CoverageSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")

    class Meta:
        model = Coverage
        fields = ["kind", "kind_label", "limit", "per_seat_limit", "seats"]


class CoverageWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CoverageKind.choices)
    limit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    per_seat_limit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    seats = serializers.IntegerField(min_value=1, max_value=99, required=False, allow_null=True)


class PolicySerializer(serializers.ModelSerializer):
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    kind_label = LabelField("kind")
    plate = serializers.CharField(source="vehicle.plate", read_only=True, default=None)
    vin = serializers.CharField(source="vehicle.vin", read_only=True)
    usage_nature_label = LabelField("usage_nature_insured")
    usage_class = serializers.CharField(read_only=True)
    policyholder_name = serializers.CharField(source="policyholder_name_masked", read_only=True)
    status_label = LabelField("status")
    in_force = serializers.SerializerMethodField()
    coverages = CoverageSerializer(many=True, read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id", "insurer", "insurer_name", "number", "kind", "kind_label", "vehicle", "plate", "vin",
            "usage_nature_insured", "usage_nature_label", "usage_class", "policyholder_name", "starts_at", "ends_at",
            "premium", "status", "status_label", "rescinded_at", "cancelled_at", "in_force", "coverages",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_in_force(self, obj) -> bool:
        return obj.in_force_at(timezone.now())


class PolicyCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=PolicyKind.choices)
    vin = serializers.CharField(max_length=20, help_text="被保险车辆的车辆识别代号")
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True)
    seats = serializers.IntegerField(min_value=1, max_value=99, required=False,
                                     help_text="车辆尚未登记时必填（核定载客人数）")
    usage_nature_insured = serializers.CharField(max_length=30, help_text="代码或中文写法，如 ride_hailing / 预约出租客运")
    policyholder_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    premium = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    coverages = CoverageWriteSerializer(many=True, required=False)


class EndorsementSerializer(serializers.ModelSerializer):
    usage_nature_from_label = LabelField("usage_nature_from")
    usage_nature_to_label = LabelField("usage_nature_to")
    premium_mode_label = LabelField("premium_mode")
    pdf_url = serializers.SerializerMethodField(help_text="批改单 PDF（保险公司签名；须有查看投保人姓名的权限）")

    class Meta:
        model = Endorsement
        fields = ["id", "policy", "usage_nature_from", "usage_nature_from_label", "usage_nature_to",
                  "usage_nature_to_label", "effective_on", "premium_mode", "premium_mode_label", "old_premium",
                  "new_premium", "remaining_days", "period_days", "premium_delta", "premium_after", "reason",
                  "actor", "system_job", "created_at", "pdf_url"]
        read_only_fields = fields

    def get_pdf_url(self, obj) -> str:
        return reverse("policy-endorsement-pdf", args=[obj.policy_id, obj.pk])


class EndorsementWriteSerializer(serializers.Serializer):
    usage_nature = serializers.ChoiceField(choices=UsageNature.choices)
    effective_on = serializers.DateField()
    premium_mode = serializers.ChoiceField(choices=PremiumMode.choices)
    new_premium = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                           help_text="新使用性质的保险期间全额保费（元）")
    reason = serializers.CharField(max_length=2000)


class CancellationSerializer(serializers.ModelSerializer):
    ground_label = LabelField("ground")
    # in the request's language where the platform added the lay-up dates; ``evidence_msg`` the message (issue 16)
    evidence = serializers.CharField(source="display_evidence", read_only=True)

    class Meta:
        model = Cancellation
        fields = ["id", "policy", "ground", "ground_label", "evidence", "evidence_msg", "evidence_ref", "earlier_policy",
                  "refund", "full_refund", "at", "created_at"]
        read_only_fields = fields


class CancellationWriteSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=CancellationGround.choices)
    at = serializers.DateTimeField()
    evidence = serializers.CharField(max_length=2000)
    evidence_ref = serializers.CharField(max_length=300, required=False, allow_blank=True)
    refund = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    laid_up_from = serializers.DateField(required=False, allow_null=True)
    laid_up_to = serializers.DateField(required=False, allow_null=True)


class ExtensionWriteSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=4)
    evidence = serializers.CharField(max_length=2000)


class PolicyStatusChangeSerializer(serializers.ModelSerializer):
    from_status_label = LabelField("from_status")
    to_status_label = LabelField("to_status")
    path_label = LabelField("path")
    source_type = serializers.SerializerMethodField()
    # the reason in the request's language; ``reason_msg`` the message id and parameters behind it ({} when typed)
    reason = serializers.CharField(source="display_reason", read_only=True)

    class Meta:
        model = PolicyStatusChange
        fields = ["id", "policy", "from_status", "from_status_label", "to_status", "to_status_label", "at", "path",
                  "path_label", "reason", "reason_msg", "actor", "system_job", "source_type", "source_object_id", "created_at"]
        read_only_fields = fields

    def get_source_type(self, obj) -> str:
        return obj.source_content_type.model if obj.source_content_type_id else ""


class PolicyUpdateSerializer(serializers.Serializer):
    """The lifecycle fields are accepted only so that the service can refuse a change of them by name (400)."""

    kind = serializers.ChoiceField(choices=PolicyKind.choices, required=False)
    usage_nature_insured = serializers.CharField(max_length=30, required=False)
    policyholder_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    premium = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    status = serializers.ChoiceField(choices=Policy.Status.choices, required=False)
    rescinded_at = serializers.DateTimeField(required=False)
    cancelled_at = serializers.DateTimeField(required=False)
    coverages = CoverageWriteSerializer(many=True, required=False)


class PolicyBatchSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=1000,
        help_text="每行一个对象，键为中文列名（与导入文件相同，见 apps.policies.rows.POLICY_ROWS）",
    )


class BatchRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=BATCH_ROW_OUTCOMES)
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CoverageRequirementSerializer(serializers.ModelSerializer):
    policy_kind_label = LabelField("policy_kind")
    alternative_kinds = serializers.ListField(child=serializers.ChoiceField(choices=CoverageKind.choices),
                                              required=False)

    class Meta:
        model = CoverageRequirement
        fields = ["policy_kind", "policy_kind_label", "min_limit", "min_per_seat_limit", "alternative_kinds"]


class StandardDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 通过（联合发布），false 不予通过（须写明理由）")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CoverageStandardSerializer(serializers.ModelSerializer):
    requirements = CoverageRequirementSerializer(many=True)
    status_label = LabelField("status")
    decided_by_org_name = serializers.CharField(source="decided_by_org.name", read_only=True, default=None)
    published_by_name = serializers.CharField(source="published_by.name", read_only=True, default=None)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = CoverageStandard
        fields = ["id", "name", "effective_from", "effective_to", "basis", "status", "status_label", "is_demo",
                  "published_by", "published_by_name", "decided_by_org", "decided_by_org_name", "decided_at",
                  "decision_reason", "created_by", "created_at", "in_force", "requirements"]
        read_only_fields = ["id", "status", "status_label", "is_demo", "published_by", "published_by_name",
                            "decided_by_org", "decided_by_org_name", "decided_at", "decision_reason", "created_by",
                            "created_at", "in_force"]

    def get_in_force(self, obj) -> bool:
        return obj.in_force_on(timezone.localdate())
