from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import LabelField

from .. import crypto
from ..models import Batch, BatchEvent, OrganizationKey


@extend_schema_field(OpenApiTypes.STR)  # base64
class _Base64Field(serializers.Field):
    def to_representation(self, value):
        return crypto.b64e(bytes(value)) if value is not None else None


class BatchSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    # in the request's language when the platform wrote it; ``last_error_msg`` the message ({} otherwise), issue 16
    last_error = serializers.CharField(source="display_last_error", read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id", "kind", "kind_label", "sender", "sender_name", "recipient", "recipient_name", "refs", "row_count",
            "state", "attempts", "next_attempt_at", "last_attempt_at", "last_error", "last_error_msg", "created_at",
            "delivered_at", "receipt_at", "rejection_code", "rejected_reason", "sealed_sha256",
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
            "custody", "custody_label", "valid_from", "retired_at", "revoked_at", "revocation_reason", "proof",
        ]
        read_only_fields = fields

    custody_label = LabelField("custody")


class KeyChallengeSerializer(serializers.Serializer):
    challenge = serializers.CharField(source="nonce", read_only=True)
    organization_uscc = serializers.CharField(source="organization.uscc", read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class KeyRegisterSerializer(serializers.Serializer):
    """A party's own public signing key with its proof of possession: ``signature`` (base64) by that key over
    ``b"lz-exchange/1 key-possession\\n" + canonical_json({format, challenge, organization_uscc, algorithm,
    public_key, key_id})`` (docs/exchange.md, "Own keys")."""

    algorithm = serializers.ChoiceField(choices=[(crypto.ED25519, "Ed25519"), (crypto.SM2, "SM2")])
    public_key = serializers.CharField(max_length=200, help_text="base64 of the raw public key")
    challenge = serializers.CharField(max_length=64)
    signature = serializers.CharField(max_length=200, help_text="base64")


class KeyRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReceiptSignatureSerializer(serializers.Serializer):
    key_id = serializers.CharField(max_length=80)
    signed_at = serializers.CharField(max_length=40, help_text="as returned by receipt-to-sign")
    signature = serializers.CharField(max_length=200, help_text="base64")


class BatchSignatureSerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=200, help_text="base64")
