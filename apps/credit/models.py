"""The industry credit file (信用档案, rule M2/M14) and supervisory actions (rule M15, M17).

``CreditRecord`` is append-only: the database refuses UPDATE and DELETE (trigger in migration 0002). A mistake is
fixed by a *correction* — a new record that references the corrected one and says why; the corrected record then
no longer counts, the correction counts in its place (or nothing counts when the correction withdraws it).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.validators import range_constraints


class SubjectKind(models.TextChoices):
    VEHICLE = "vehicle", _("车辆")
    DRIVER = "driver", _("驾驶员")
    TAXI_COMPANY = "taxi_company", _("出租汽车企业/平台")
    INSURER = "insurer", _("保险公司")


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    MODERATE = "moderate", _("一般")
    SERIOUS = "serious", _("较重")
    SEVERE = "severe", _("严重")


# Aliases other services may pass; normalised on create.
SEVERITY_ALIASES = {"low": "minor", "medium": "moderate", "high": "serious", "critical": "severe"}


class CreditEvent(models.TextChoices):
    """Known events (labels for the page). The field is not limited to them: other apps may add their own."""

    LEAD_CONFIRMED = "lead_confirmed", _("非法营运线索经核实确认")
    RESCISSION_LAPSED = "rescission_lapsed", _("保险公司未在 30 日内行使合同解除权")
    CLAIMS_VIOLATION = "claims_violation", _("理赔数据分析发现违规")
    HIGH_CLAIM_RATE = "high_claim_rate", _("出险率异常偏高")
    COMPLAINT_SUBSTANTIATED = "complaint_substantiated", _("举报经核查属实")
    RECTIFICATION_ORDER = "rectification_order", _("被责令整改")
    BUSINESS_SUSPENSION = "business_suspension", _("被暂停网约车保险业务")
    PENALTY = "penalty", _("受到行政处罚")
    SELF_DISCIPLINE = "self_discipline", _("受到行业自律惩戒")
    UNINSURED_VEHICLE_ONLINE = "uninsured_vehicle_online", _("未按规定投保车辆上线运营")
    UNPERMITTED_VEHICLE_ONLINE = "unpermitted_vehicle_online", _("无网约车运输证车辆上线运营")
    UNLAWFUL_REFUSAL = "unlawful_refusal", _("违规拒保")
    OTHER = "other", _("其他")


class CreditSource(models.TextChoices):
    LEADS = "leads", _("线索核查")
    RESCISSIONS = "rescissions", _("合同解除时限")
    CLAIMS = "claims", _("理赔数据分析")
    COMPLAINTS = "complaints", _("12328/12378 举报")
    SUPERVISORY_ACTION = "supervisory_action", _("监管措施")
    ASSOCIATION = "association", _("行业协会录入")


class CreditRecord(models.Model):
    subject_kind = models.CharField(_("对象类型"), max_length=20, choices=SubjectKind.choices, db_index=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("单位（企业或保险公司）"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="credit_records",
    )
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="credit_records",
    )
    driver = models.ForeignKey(
        "vehicles.Driver", verbose_name=_("驾驶员"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="credit_records",
    )
    # The organisation whose file holds this record: the company or insurer itself, or the company a vehicle or
    # driver belonged to when the record was made. The access module scopes companies and insurers by it.
    subject_organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    subject_label = models.CharField(_("对象"), max_length=120)
    event = models.CharField(_("事项"), max_length=60, db_index=True)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    source = models.CharField(_("来源"), max_length=40)
    occurred_on = models.DateField(_("发生日期"))
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    evidence_link = models.CharField(_("证据链接"), max_length=500, blank=True)
    detail = models.TextField(_("说明"), blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("更正的记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    withdraws = models.BooleanField(_("撤销原记录"), default=False, help_text=_("更正为撤销：原记录及本条均不计分"))
    dedup_key = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_by_organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("录入单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["subject_kind", "organization"]),
            models.Index(fields=["subject_organization", "occurred_on"]),
        ]
        constraints = [
            *range_constraints("credit_record", dates=("occurred_on", "expires_on"), instants=("created_at",)),
            models.UniqueConstraint(fields=["dedup_key"], condition=~models.Q(dedup_key=""), name="credit_dedup"),
            # a record is corrected at most once; a correction can itself be corrected (a chain)
            models.UniqueConstraint(fields=["corrects"], condition=models.Q(corrects__isnull=False),
                                    name="credit_one_correction"),
            models.CheckConstraint(name="credit_subject_matches_kind", condition=(
                models.Q(subject_kind="vehicle", vehicle__isnull=False, driver__isnull=True, organization__isnull=True)
                | models.Q(subject_kind="driver", driver__isnull=False, vehicle__isnull=True, organization__isnull=True)
                | models.Q(subject_kind__in=["taxi_company", "insurer"], organization__isnull=False,
                           vehicle__isnull=True, driver__isnull=True)
            )),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} {self.event_label} ({self.get_severity_display()})"

    @property
    def event_label(self) -> str:
        try:
            return str(CreditEvent(self.event).label)
        except ValueError:
            return self.event

    @property
    def source_label(self) -> str:
        try:
            return str(CreditSource(self.source).label)
        except ValueError:
            return self.source

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None

    def in_force_on(self, day: dt.date) -> bool:
        return not self.withdraws and self.occurred_on <= day and (self.expires_on is None or day < self.expires_on)


class ActionKind(models.TextChoices):
    RECTIFICATION_ORDER = "rectification_order", _("责令整改")
    BUSINESS_SUSPENSION = "business_suspension", _("暂停网约车保险业务")
    PENALTY = "penalty", _("行政处罚")
    SELF_DISCIPLINE = "self_discipline", _("行业自律惩戒")


class ActionGround(models.TextChoices):
    UNLAWFUL_REFUSAL = "unlawful_refusal", _("违规拒保")
    INVENTED_CLAIM_CONDITIONS = "invented_claim_conditions", _("违规设置理赔条件、拖赔惜赔")
    CLAIMS_VIOLATION = "claims_violation", _("理赔数据分析发现违规")
    RESCISSION_LAPSED = "rescission_lapsed", _("未依法及时行使合同解除权")
    UNINSURED_VEHICLE_ONLINE = "uninsured_vehicle_online", _("允许未投保车辆上线运营")
    WRONGLY_INSURED_VEHICLE_ONLINE = "wrongly_insured_vehicle_online", _("允许未按营运性质投保的车辆上线运营")
    UNPERMITTED_VEHICLE_ONLINE = "unpermitted_vehicle_online", _("允许无网约车运输证车辆上线运营")
    LEDGER_FAILURE = "ledger_failure", _("车辆、驾驶员台账不全或不实")
    OTHER = "other", _("其他")


class SupervisoryAction(models.Model):
    """A sanction or self-discipline measure (rule M15, M17) with its follow-up clock, closed with a result."""

    class Status(models.TextChoices):
        OPEN = "open", _("执行中")
        CLOSED = "closed", _("已结案")

    target = models.ForeignKey("parties.Organization", verbose_name=_("对象单位"), on_delete=models.PROTECT,
                               related_name="supervisory_actions")
    kind = models.CharField(_("措施类型"), max_length=30, choices=ActionKind.choices, db_index=True)
    ground = models.CharField(_("事由"), max_length=40, choices=ActionGround.choices)
    issued_by = models.ForeignKey("parties.Organization", verbose_name=_("作出单位"), on_delete=models.PROTECT,
                                  related_name="supervisory_actions_issued")
    issued_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    reference_no = models.CharField(_("文号"), max_length=60, blank=True)
    facts = models.TextField(_("事实与依据"))
    requirement = models.TextField(_("整改要求"), blank=True)
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("涉及车辆"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="supervisory_actions")
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("暂停业务的期限；不填为直至解除"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    result = models.TextField(_("结案情况"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结案人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("报告监管部门时间"), null=True, blank=True,
                                       help_text=_("行业自律措施报告交通运输局和金融监管分局的时间（规则 M2）"))
    credit_record = models.OneToOneField(CreditRecord, verbose_name=_("信用记录"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="supervisory_action")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("监管措施")
        verbose_name_plural = _("监管措施")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["target", "kind", "status"], name="action_target_kind_status"),
            models.Index(fields=["issued_by", "-starts_on"], name="action_issuer_recent"),
        ]
        constraints = [
            *range_constraints(
                "action",
                dates=("starts_on", "ends_on"),
                instants=("closed_at", "reported_at", "created_at", "updated_at"),
            ),
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="action_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target}"

    def is_in_effect(self, day: dt.date) -> bool:
        return (self.status == self.Status.OPEN and self.starts_on <= day
                and (self.ends_on is None or day <= self.ends_on))
