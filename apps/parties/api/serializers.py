from rest_framework import serializers

from apps.core.api.serializers import LabelField

from ..models import Organization, User


class OrganizationSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")

    class Meta:
        model = Organization
        fields = ["id", "kind", "kind_label", "name", "short_name", "uscc", "is_active"]


class MeSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)
    role = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "organization"]


class UserSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "organization", "is_active", "is_system"]
        read_only_fields = fields
