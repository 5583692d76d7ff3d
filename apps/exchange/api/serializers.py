from rest_framework import serializers

from apps.core.api.serializers import LabelField

from .. import crypto
from ..models import Batch, BatchEvent, OrganizationKey


class _Base64Field(serializers.Field):
    def to_representation(self, value):
        return crypto.b64e(bytes(value)) if value is not None else None


class BatchSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id", "kind", "kind_label", "sender", "sender_name", "recipient", "recipient_name", "refs", "row_count",
            "state", "attempts", "next_attempt_at", "last_attempt_at", "last_error", "created_at", "delivered_at",
            "receipt_at", "rejection_code", "rejected_reason", "sealed_sha256",
        ]
        read_only_fields = fields


class BatchDetailSerializer(BatchSerializer):
    receipt_signature = _Base64Field(read_only=True)
    signature = _Base64Field(read_only=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "header", "signature", "receipt", "receipt_signature"]
        read_only_fields = fields


class BatchEventSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")

    class Meta:
        model = BatchEvent
        fields = ["id", "at", "kind", "kind_label", "organization", "attempt", "detail"]
        read_only_fields = fields


class OrganizationKeySerializer(serializers.ModelSerializer):
    organization_uscc = serializers.CharField(source="organization.uscc", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = OrganizationKey
        fields = [
            "key_id", "organization", "organization_uscc", "organization_name", "purpose", "algorithm", "public_key",
            "valid_from", "retired_at",
        ]
        read_only_fields = fields
