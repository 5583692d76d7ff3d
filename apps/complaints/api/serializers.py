from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import LabelField
from apps.parties.models import Organization

from .. import conf
from ..models import Category, Complaint, ComplaintEvent, Finding, HandlingExtension, HandlingPeriod, Hotline


class ComplaintEventSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")
    organization_name = serializers.CharField(source="organization.name", read_only=True, default="")
    # the note in the request's language; ``note_msg`` the message id and parameters behind it ({} when typed)
    note = serializers.CharField(source="display_note", read_only=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "kind_label", "at", "organization", "organization_name", "note", "note_msg", "public"]
        read_only_fields = fields


class HandlingExtensionSerializer(serializers.ModelSerializer):
    step_label = LabelField("step")
    approved_by_name = serializers.CharField(source="approved_by.username", read_only=True, default="")

    class Meta:
        model = HandlingExtension
        fields = ["step", "step_label", "from_days", "to_days", "reason", "approved_by", "approved_by_name",
                  "old_due_at", "due_at", "at"]
        read_only_fields = fields


class HandlingPeriodSerializer(serializers.ModelSerializer):
    """A 12378 handling period (rule T4) with its clock and extensions."""

    kind_label = LabelField("kind")
    days = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField()
    clock_status = serializers.SerializerMethodField()
    extensions = HandlingExtensionSerializer(many=True, read_only=True)

    class Meta:
        model = HandlingPeriod
        fields = ["number", "kind", "kind_label", "starts_at", "days", "due_at", "clock_status", "request_reason",
                  "requested_by", "finding", "result", "resolved_at", "feedback", "feedback_at", "extensions"]
        read_only_fields = fields

    def get_days(self, obj) -> int | None:
        return obj.deadline.amount if obj.deadline else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, obj):
        due = obj.deadline.due_at if obj.deadline else None
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_clock_status(self, obj) -> str:
        return obj.deadline.status if obj.deadline else ""


class ComplaintSerializer(serializers.ModelSerializer):
    """Staff view: contact details masked (reveal with POST …/reveal-contact/, audited)."""

    status_label = LabelField("status")
    category_label = LabelField("category")
    reporter_name_masked = serializers.CharField(read_only=True)
    reporter_phone_masked = serializers.CharField(read_only=True)
    events = ComplaintEventSerializer(many=True, read_only=True)
    periods = HandlingPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "tracking_no", "hotline", "category", "category_label", "channel", "status", "status_label",
                  "plate", "vehicle", "company", "insurer", "description", "occurred_at", "location",
                  "reporter_name_masked", "reporter_phone_masked", "received_at", "routed_to", "handling_officer",
                  "finding", "result", "resolved_at", "feedback", "feedback_at", "lead_id", "events",
                  "periods"]
        read_only_fields = fields


class ReportSerializer(serializers.Serializer):
    hotline = serializers.ChoiceField(label=_("举报热线"), choices=Hotline.choices)
    category = serializers.ChoiceField(label=_("反映的情况"), choices=Category.choices)
    plate = serializers.CharField(label=_("车辆号牌"), required=False, allow_blank=True, max_length=12)
    company = serializers.PrimaryKeyRelatedField(label=_("出租汽车企业"), required=False, allow_null=True,
                                                 queryset=Organization.objects.filter(kind="taxi_company"))
    insurer = serializers.PrimaryKeyRelatedField(label=_("保险公司"), required=False, allow_null=True,
                                                 queryset=Organization.objects.filter(kind="insurer"))
    description = serializers.CharField(label=_("情况描述"), max_length=conf.max_text_chars())
    occurred_at = serializers.DateTimeField(label=_("发生时间"))
    location = serializers.CharField(label=_("发生地点"), max_length=200)
    reporter_name = serializers.CharField(label=_("联系人"), required=False, allow_blank=True, max_length=40)
    reporter_phone = serializers.CharField(label=_("联系电话"), max_length=20)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class ReceiptSerializer(serializers.Serializer):
    tracking_no = serializers.CharField()
    code = serializers.CharField(help_text="shown once; only its hash is stored")
    status = serializers.CharField()


class StatusQuerySerializer(serializers.Serializer):
    tracking_no = serializers.CharField(label=_("受理编号"), max_length=20)
    code = serializers.CharField(label=_("查询码"), max_length=12)


class PublicStatusSerializer(serializers.ModelSerializer):
    status_label = LabelField("status")
    events = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["tracking_no", "hotline", "category", "status", "status_label", "received_at", "feedback",
                  "feedback_at", "events"]
        read_only_fields = fields

    @extend_schema_field(ComplaintEventSerializer(many=True))
    def get_events(self, obj):
        return ComplaintEventSerializer(obj.events.filter(public=True).order_by("at", "id"), many=True).data


class ForwardSerializer(serializers.Serializer):
    insurer = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.filter(kind="insurer"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=conf.max_text_chars())


class ResolveSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices)
    result = serializers.CharField(max_length=conf.max_text_chars())
    record_credit = serializers.BooleanField(required=False, default=True)


class FeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=conf.max_text_chars())


class ExtendSerializer(serializers.Serializer):
    """Rule T4: the lawful next step only (15 → 30 days, then 30 → 60 with approval); ``to_days`` optional."""

    reason = serializers.CharField(max_length=conf.max_text_chars(), error_messages={
        "required": _("请填写延长理由（reason）。"), "blank": _("请填写延长理由（reason）。")})
    to_days = serializers.IntegerField(required=False, allow_null=True, error_messages={
        "invalid": _("延长后期限（to_days）须为整数日。")})


class RehandleSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=conf.max_text_chars(), error_messages={
        "required": _("请填写重办原因（reason）。"), "blank": _("请填写重办原因（reason）。")})
