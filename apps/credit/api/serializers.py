from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.serializers import LabelField
from apps.core.validators import normalize_link
from apps.parties.models import Organization

from ..models import (
    ActionGround,
    ActionKind,
    CreditProposal,
    CreditRecord,
    Severity,
    SubjectKind,
    SupervisoryAction,
    UrgingItem,
    UrgingNote,
)


class CreditRecordSerializer(serializers.ModelSerializer):
    event_label = serializers.CharField(read_only=True)
    source_label = serializers.CharField(read_only=True)
    severity_label = LabelField("severity")
    # in the request's language; ``detail_msg`` the message behind it ({} when typed) — issue 16
    detail = serializers.CharField(source="display_detail", read_only=True)

    class Meta:
        model = CreditRecord
        fields = ["id", "subject_kind", "organization", "vehicle", "driver", "subject_organization", "subject_label",
                  "event", "event_label", "severity", "severity_label", "source", "source_label", "occurred_on",
                  "expires_on", "evidence_link", "detail", "detail_msg", "corrects", "correction_reason", "withdraws",
                  "created_by_organization", "created_at"]
        read_only_fields = fields


class CreditRecordCreateSerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(label=_("对象类型"), choices=SubjectKind.choices)
    subject_id = serializers.IntegerField(label=_("对象编号"))
    event = serializers.CharField(label=_("事项"), max_length=60)
    severity = serializers.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    occurred_on = serializers.DateField(label=_("发生日期"))
    expires_on = serializers.DateField(label=_("失效日期"), required=False, allow_null=True)
    evidence_link = serializers.CharField(label=_("证据链接"), required=False, allow_blank=True, max_length=500,
                                          validators=[normalize_link])
    detail = serializers.CharField(label=_("说明"), max_length=4000)


class CreditCorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("更正原因"), max_length=2000)
    withdraw = serializers.BooleanField(label=_("撤销"), required=False, default=False)
    event = serializers.CharField(required=False, max_length=60)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    occurred_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    evidence_link = serializers.CharField(required=False, allow_blank=True, max_length=500, validators=[normalize_link])
    detail = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class SupervisoryActionSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")
    ground_label = LabelField("ground")
    status_label = LabelField("status")
    target_name = serializers.CharField(source="target.name", read_only=True)
    issued_by_name = serializers.CharField(source="issued_by.name", read_only=True)

    class Meta:
        model = SupervisoryAction
        fields = ["id", "target", "target_name", "kind", "kind_label", "ground", "ground_label", "issued_by",
                  "issued_by_name", "reference_no", "facts", "requirement", "vehicle", "starts_on", "ends_on",
                  "status", "status_label", "result", "closed_at", "reported_at", "credit_record", "created_at"]
        read_only_fields = fields


class SupervisoryActionCreateSerializer(serializers.Serializer):
    target = serializers.PrimaryKeyRelatedField(label=_("对象单位"), queryset=Organization.objects.all())
    kind = serializers.ChoiceField(label=_("措施类型"), choices=ActionKind.choices)
    ground = serializers.ChoiceField(label=_("事由"), choices=ActionGround.choices)
    facts = serializers.CharField(label=_("事实与依据"), max_length=4000)
    requirement = serializers.CharField(label=_("整改要求"), required=False, allow_blank=True, max_length=4000)
    reference_no = serializers.CharField(label=_("文号"), required=False, allow_blank=True, max_length=60)
    starts_on = serializers.DateField(label=_("起始日期"))
    ends_on = serializers.DateField(label=_("截止日期"), required=False, allow_null=True)
    vehicle = serializers.IntegerField(label=_("涉及车辆编号"), required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    result = serializers.CharField(label=_("结案情况"), max_length=4000)


class CreditProposalSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    event_label = serializers.CharField(read_only=True)
    subject_kind_label = LabelField("subject_kind")
    severity_label = LabelField("severity")
    status_label = LabelField("status")
    proposer = serializers.CharField(source="proposer_label", read_only=True)
    source_type = serializers.SerializerMethodField()
    source_label = serializers.CharField(source="source_display", read_only=True)  # in the request's language
    reason = serializers.CharField(source="display_reason", read_only=True)  # and ``reason_msg`` (issue 16)

    class Meta:
        model = CreditProposal
        fields = ["id", "number", "subject_kind", "subject_kind_label", "organization", "vehicle", "driver",
                  "subject_label", "event", "event_label", "severity", "severity_label", "reason", "reason_msg",
                  "occurred_on", "evidence_link", "source_type", "source_object_id", "source_label", "proposer", "status",
                  "status_label", "decided_by_organization", "decided_at", "decision_reason", "record", "created_at"]
        read_only_fields = fields

    def get_source_type(self, obj) -> str:
        ct = obj.source_content_type
        return f"{ct.app_label}.{ct.model}" if ct else ""


class CreditProposalCreateSerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(label=_("对象类型"), choices=SubjectKind.choices)
    subject_id = serializers.IntegerField(label=_("对象编号"))
    event = serializers.CharField(label=_("事项"), max_length=60)
    severity = serializers.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    reason = serializers.CharField(label=_("提议理由"), max_length=5000)
    occurred_on = serializers.DateField(label=_("发生日期"), required=False)
    evidence_link = serializers.CharField(label=_("证据链接"), required=False, allow_blank=True, max_length=500,
                                          validators=[normalize_link])


class ProposalDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField(label=_("采纳"))
    reason = serializers.CharField(label=_("决定理由"), max_length=2000)


class UrgingNoteSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="created_by_organization.name", read_only=True, default="")

    class Meta:
        model = UrgingNote
        fields = ["id", "note", "organization", "created_at"]
        read_only_fields = fields


class UrgingItemSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status_label = LabelField("status")
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    subject_label = serializers.CharField(source="subject_display", read_only=True)  # in the request's language
    notes = UrgingNoteSerializer(many=True, read_only=True)
    reason = serializers.CharField(source="display_reason", read_only=True)  # and ``reason_msg`` (issue 16)

    class Meta:
        model = UrgingItem
        fields = ["id", "number", "insurer", "insurer_name", "subject_label", "subject_link", "rule", "reason",
                  "reason_msg", "status", "status_label", "notes", "result", "closed_at", "proposal", "created_at"]
        read_only_fields = fields


class UrgingNoteCreateSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("督促情况"), max_length=2000)


class UrgingCloseSerializer(serializers.Serializer):
    result = serializers.CharField(label=_("办结情况"), max_length=2000)
    propose_credit = serializers.BooleanField(label=_("同时提议记入信用档案"), required=False, default=False)
