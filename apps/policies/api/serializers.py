"""Serializers: read shapes mask the policyholder; write shapes only validate types — services do the rest."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.core.api.enums import BatchRowOutcome
from apps.core.api.serializers import LabelField

from ..models import Coverage, CoverageKind, CoverageRequirement, CoverageStandard, Policy, PolicyKind


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


class PolicyUpdateSerializer(serializers.Serializer):
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
    outcome = serializers.ChoiceField(choices=BatchRowOutcome)
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CoverageRequirementSerializer(serializers.ModelSerializer):
    policy_kind_label = LabelField("policy_kind")
    alternative_kinds = serializers.ListField(child=serializers.ChoiceField(choices=CoverageKind.choices),
                                              required=False)

    class Meta:
        model = CoverageRequirement
        fields = ["policy_kind", "policy_kind_label", "min_limit", "min_per_seat_limit", "alternative_kinds"]


class CoverageStandardSerializer(serializers.ModelSerializer):
    requirements = CoverageRequirementSerializer(many=True)
    published_by_name = serializers.CharField(source="published_by.name", read_only=True, default=None)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = CoverageStandard
        fields = ["id", "name", "effective_from", "effective_to", "basis", "published_by", "published_by_name",
                  "created_by", "created_at", "in_force", "requirements"]
        read_only_fields = ["id", "published_by", "published_by_name", "created_by", "created_at", "in_force"]

    def get_in_force(self, obj) -> bool:
        return obj.in_force_on(timezone.localdate())
