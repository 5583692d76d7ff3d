from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Deadline

# The outcome of one row of a batch push (claims, policies); named BatchRowOutcome in the schema
# (liuzhou_regulation/api_enums.py).
BATCH_ROW_OUTCOMES = ["created", "updated", "unchanged", "error"]


@extend_schema_field(OpenApiTypes.STR)
class LabelField(serializers.Field):
    """The label of a choice field's value (``kind`` "compulsory" → "交强险") in the request's language.

    Same result as ``source="get_kind_display"``, from a table built once per serializer and language:
    ``get_FOO_display()`` rebuilds and hashes the field's (lazy, translated) choices for every row, which was half
    the time of a 100-row list page."""

    def __init__(self, field_name: str, **kwargs):
        kwargs["read_only"] = True
        super().__init__(source=field_name, **kwargs)
        self._tables: dict[str, dict] = {}

    def to_representation(self, value):
        language = get_language()
        table = self._tables.get(language)
        if table is None:
            model_field = self.parent.Meta.model._meta.get_field(self.source)
            table = self._tables[language] = {key: str(label) for key, label in model_field.flatchoices}
        return table.get(value, value)


class DeadlineSerializer(serializers.ModelSerializer):
    subject_type = serializers.CharField(source="content_type.model", read_only=True)
    responsible_name = serializers.CharField(source="responsible.name", read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id", "rule", "subject_type", "object_id", "responsible", "responsible_name", "unit", "amount",
            "starts_at", "due_at", "warn_at", "warned_at", "met_at", "breached_at", "paused_at", "status",
            "used_fallback_calendar",
        ]
        read_only_fields = fields


class DuePreviewQuerySerializer(serializers.Serializer):
    start = serializers.CharField(help_text="ISO 8601 instant; without an offset: Asia/Shanghai")
    rule = serializers.CharField(required=False, help_text="a clock rule of the one table (manage.py clock_due --list)")
    unit = serializers.ChoiceField(choices=Deadline.Unit.choices, required=False)
    amount = serializers.IntegerField(required=False, min_value=0)
    region = serializers.CharField(required=False, help_text="GB/T 2260 code, default the platform's city")
    roll_over = serializers.ChoiceField(choices=["true", "false"], required=False, default="true",
                                        help_text="false: do not roll a day period over a rest day")


class DuePreviewSerializer(serializers.Serializer):
    start = serializers.CharField()
    rule = serializers.CharField(allow_null=True)
    rule_ids = serializers.CharField()
    unit = serializers.ChoiceField(choices=Deadline.Unit.choices)
    amount = serializers.IntegerField()
    region = serializers.CharField()
    roll_over = serializers.BooleanField()
    due_at = serializers.CharField(help_text="ISO 8601, Asia/Shanghai")
    provisional = serializers.BooleanField()
    rolled_over = serializers.BooleanField()
    nominal_last_day = serializers.DateField(allow_null=True)
