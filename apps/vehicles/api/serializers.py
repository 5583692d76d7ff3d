"""Serializers: read shapes mask personal fields; write shapes only validate types — services do the rest."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api.serializers import LabelField
from apps.parties.models import Organization, OrganizationKind

from ..models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle


class VehicleSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    in_scope = serializers.BooleanField(read_only=True)
    usage_nature_label = LabelField("usage_nature")
    usage_class = serializers.CharField(read_only=True, allow_null=True)
    owner_name = serializers.CharField(source="owner_name_masked", read_only=True)
    owner_id_no = serializers.CharField(source="owner_id_no_masked", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    status_label = LabelField("status")

    class Meta:
        model = Vehicle
        fields = [
            "id", "plate", "label", "vin", "vin_override", "engine_no", "vehicle_type", "make_model", "seats",
            "in_scope", "usage_nature", "usage_nature_label", "usage_class", "owner_name", "owner_id_no", "company",
            "company_name", "registered_on", "status", "status_label", "online", "online_since", "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _taxi_companies():
    return Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY)


class VehicleWriteSerializer(serializers.Serializer):
    plate = serializers.CharField(required=False, allow_blank=True, max_length=20)
    vin = serializers.CharField(max_length=20)
    vin_override = serializers.BooleanField(required=False)
    engine_no = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vehicle_type = serializers.CharField(required=False, allow_blank=True, max_length=40)
    make_model = serializers.CharField(required=False, allow_blank=True, max_length=80)
    seats = serializers.IntegerField(min_value=1, max_value=99)
    usage_nature = serializers.CharField(required=False, allow_blank=True, max_length=30,
                                         help_text="代码或中文写法，如 ride_hailing / 预约出租客运")
    owner_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    owner_id_no = serializers.CharField(required=False, allow_blank=True, max_length=18)
    company = serializers.PrimaryKeyRelatedField(queryset=_taxi_companies(), required=False, allow_null=True)
    registered_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Vehicle.Status.choices, required=False)


class PermitSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")
    plate = serializers.CharField(source="vehicle.plate", read_only=True, default=None)
    vin = serializers.CharField(source="vehicle.vin", read_only=True)
    valid_now = serializers.SerializerMethodField()

    class Meta:
        model = OperatingPermit
        fields = ["id", "vehicle", "plate", "vin", "number", "kind", "kind_label", "valid_from", "valid_to",
                  "issued_by", "revoked_at", "valid_now", "created_at", "updated_at"]
        read_only_fields = fields

    def get_valid_now(self, obj) -> bool:
        from django.utils import timezone

        return obj.is_valid_at(timezone.now())


class PermitWriteSerializer(serializers.Serializer):
    vehicle = serializers.PrimaryKeyRelatedField(queryset=Vehicle.objects.all())
    number = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=OperatingPermit.Kind.choices, required=False)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    issued_by = serializers.CharField(required=False, allow_blank=True, max_length=120)


class PermitRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class DriverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="name_masked", read_only=True)
    id_no = serializers.CharField(source="id_no_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    licence_no = serializers.CharField(source="licence_no_masked", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    vehicles = serializers.SerializerMethodField()

    class Meta:
        model = Driver
        fields = ["id", "name", "id_no", "phone", "licence_no", "qualification_no", "company", "company_name",
                  "vehicles", "created_at", "updated_at"]
        read_only_fields = fields

    def get_vehicles(self, obj) -> list[dict]:
        return [{"id": a.vehicle_id, "plate": a.vehicle.plate, "started_on": a.started_on}
                for a in obj.assignments.all() if a.ended_on is None]


class DriverWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    id_no = serializers.CharField(max_length=18)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    licence_no = serializers.CharField(required=False, allow_blank=True, max_length=20)
    qualification_no = serializers.CharField(required=False, allow_blank=True, max_length=40)
    company = serializers.PrimaryKeyRelatedField(queryset=_taxi_companies(), required=False, allow_null=True)


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriverAssignment
        fields = ["id", "driver", "vehicle", "started_on", "ended_on"]
        read_only_fields = fields


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="要查看明文的字段名")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class OnlineSerializer(serializers.Serializer):
    online = serializers.BooleanField()


class OnboardingCheckSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True, default=None)
    vin = serializers.CharField(source="vehicle.vin", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    checked_by_name = serializers.CharField(source="checked_by.__str__", read_only=True, default=None)

    class Meta:
        model = OnboardingCheck
        fields = ["id", "vehicle", "plate", "vin", "company", "company_name", "checked_by", "checked_by_name",
                  "checked_at", "query", "passed", "reasons", "verification"]
        read_only_fields = fields


class OnboardingCheckRunSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=40, help_text="号牌号码或车辆识别代号（VIN）")
    permit_kind = serializers.ChoiceField(choices=OperatingPermit.Kind.choices, required=False,
                                          default=OperatingPermit.Kind.RIDE_HAILING)


class OnboardingWorklistItemSerializer(serializers.Serializer):
    vehicle = VehicleSerializer()
    failing = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.DictField())
    finding = serializers.CharField(source="verification.finding")

