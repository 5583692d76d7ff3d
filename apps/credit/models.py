"""The industry credit file (信用档案, rule M2/M14) and supervisory actions (rule M15, M17).

``CreditRecord`` is append-only: the database refuses UPDATE and DELETE (trigger in migration 0002). A mistake is
fixed by a *correction* — a new record that references the corrected one and says why; the corrected record then
no longer counts, the correction counts in its place (or nothing counts when the correction withdraws it).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.notifications import shown
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
    INSPECTION_NOT_RECTIFIED = "inspection_not_rectified", _("联合检查通报的问题逾期未整改")
    OTHER = "other", _("其他")


class CreditSource(models.TextChoices):
    LEADS = "leads", _("线索核查")
    RESCISSIONS = "rescissions", _("合同解除时限")
    CLAIMS = "claims", _("理赔数据分析")
    COMPLAINTS = "complaints", _("12328/12378 举报")
    SUPERVISORY_ACTION = "supervisory_action", _("监管措施")
    ASSOCIATION = "association", _("行业协会录入")
    URGING = "urging_item", _("行业协会督促事项")
    PROPOSAL = "proposal", _("其他单位提议")


def described_label(content_type_id, stored: str) -> str:
    """A stored "<model's verbose name> <number>" (``services.source_describe``, written in the language active
    then) read in the active language: the verbose name is translated again, the number kept."""
    if not content_type_id or not stored:
        return stored
    from django.conf import settings as django_settings
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    model = ContentType.objects.get_for_id(content_type_id).model_class()  # cached: no query per row
    if model is None:
        return stored
    name = model._meta.verbose_name
    written = set()
    for language in [None, *(code for code, _name in django_settings.LANGUAGES)]:
        with translation.override(language):
            written.add(str(name))
    for prefix in sorted(written, key=len, reverse=True):
        if stored.startswith(prefix):
            return f"{name}{stored[len(prefix):]}"
    return stored


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
    # the message behind a text the platform wrote (apps.core.notifications.stored), shown in the reader's
    # language; empty when a user typed it and on rows older than it (the text shows). Issue 16.
    detail_msg = models.JSONField(blank=True, default=dict)
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
    def display_detail(self) -> str:
        """The record's text in the active language (a typed text as typed)."""

        return shown(self.detail, self.detail_msg)

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
    # The decision document's number in the issuer's yearly sequence per kind (柳金监责改〔2026〕3号): assigned on
    # issue to a 责令整改 or 暂停 decision whose 文号 was left blank (``reference_no`` then holds the formatted number).
    decision_year = models.PositiveSmallIntegerField(_("决定书年度"), null=True, blank=True, editable=False)
    decision_seq = models.PositiveIntegerField(_("决定书序号"), null=True, blank=True, editable=False)
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
            models.UniqueConstraint(fields=["issued_by", "kind", "decision_year", "decision_seq"],
                                    condition=models.Q(decision_seq__isnull=False), name="action_decision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target}"

    def is_in_effect(self, day: dt.date) -> bool:
        return (self.status == self.Status.OPEN and self.starts_on <= day
                and (self.ends_on is None or day <= self.ends_on))


# --- who decides (rule M2): the platform and other parties propose, the competent association decides ---------

_SUBJECT_MATCHES_KIND = (
    models.Q(subject_kind="vehicle", vehicle__isnull=False, driver__isnull=True, organization__isnull=True)
    | models.Q(subject_kind="driver", driver__isnull=False, vehicle__isnull=True, organization__isnull=True)
    | models.Q(subject_kind__in=["taxi_company", "insurer"], organization__isnull=False,
               vehicle__isnull=True, driver__isnull=True)
)


class CreditProposal(models.Model):
    """A proposed entry into the industry credit file (rule M2): the platform or a party proposes, with the event
    that gave rise to it linked (``source``); the competent association accepts it — the record is then made and
    linked here (``record``) — or rejects it, each with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待协会决定")
        ACCEPTED = "accepted", _("已采纳，记入信用档案")
        REJECTED = "rejected", _("未采纳")

    subject_kind = models.CharField(_("对象类型"), max_length=20, choices=SubjectKind.choices, db_index=True)
    organization = models.ForeignKey("parties.Organization", verbose_name=_("单位（企业或保险公司）"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="credit_proposals")
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="credit_proposals")
    driver = models.ForeignKey("vehicles.Driver", verbose_name=_("驾驶员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="credit_proposals")
    subject_organization = models.ForeignKey("parties.Organization", verbose_name=_("所属单位"), null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+")
    subject_label = models.CharField(_("对象"), max_length=120)
    subject_key = models.CharField(max_length=40, editable=False)
    event = models.CharField(_("事项"), max_length=60)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    reason = models.TextField(_("提议理由（事实经过）"))
    reason_msg = models.JSONField(blank=True, default=dict)  # as ``CreditRecord.detail_msg`` (issue 16)
    occurred_on = models.DateField(_("发生日期"))
    evidence_link = models.CharField(_("证据链接"), max_length=500, blank=True)
    # the proposing event (a confirmed lead, a focused check, a complaint, an urging item …)
    source_content_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("提议事项类型"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")
    source_object_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    source_label = models.CharField(_("提议事项"), max_length=120, blank=True)
    record_source = models.CharField(_("来源"), max_length=40)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提议人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    proposed_by_organization = models.ForeignKey("parties.Organization", verbose_name=_("提议单位"), null=True,
                                                 blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_by_job = models.CharField(_("提议的平台作业"), max_length=80, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_by_organization = models.ForeignKey("parties.Organization", verbose_name=_("决定单位"), null=True,
                                                blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    record = models.OneToOneField(CreditRecord, verbose_name=_("信用记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="proposal")
    created_at = models.DateTimeField(_("提议时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用记入提议")
        verbose_name_plural = _("信用记入提议")
        ordering = ["-created_at", "-id"]
        permissions = [("decide_creditproposal", _("决定是否将提议记入信用档案（行业协会，规则 M2）"))]
        indexes = [models.Index(fields=["status", "subject_kind"], name="credit_proposal_queue")]
        constraints = [
            *range_constraints("credit_proposal", dates=("occurred_on",), instants=("decided_at", "created_at")),
            models.CheckConstraint(name="credit_proposal_subject_matches_kind", condition=_SUBJECT_MATCHES_KIND),
            # one open (or accepted) proposal per proposing event and subject
            models.UniqueConstraint(
                fields=["source_content_type", "source_object_id", "subject_key"], name="credit_proposal_once",
                condition=models.Q(status__in=["pending", "accepted"]) & ~models.Q(source_object_id="")),
            models.CheckConstraint(name="credit_proposal_decision_complete", condition=(
                models.Q(status="pending", decided_at__isnull=True, record__isnull=True)
                | models.Q(status="accepted", decided_at__isnull=False, record__isnull=False)
                | models.Q(status="rejected", decided_at__isnull=False, record__isnull=True)
            )),
        ]

    def __str__(self) -> str:
        return _("提议 %(no)s：%(subject)s %(event)s") % {"no": self.number, "subject": self.subject_label,
                                                        "event": self.event_label}

    @property
    def display_reason(self) -> str:
        """The reason in the active language (a typed reason as typed)."""

        return shown(self.reason, self.reason_msg)

    @property
    def number(self) -> str:
        return f"XY{self.pk:06d}" if self.pk else ""

    @property
    def event_label(self) -> str:
        try:
            return str(CreditEvent(self.event).label)
        except ValueError:
            return self.event

    @property
    def source_display(self) -> str:
        """The proposing event ("合同解除案件 RC…") in the reader's language."""
        return described_label(self.source_content_type_id, self.source_label)

    @property
    def proposer_label(self) -> str:
        if self.proposed_by_organization_id:
            return str(self.proposed_by_organization.name)
        return str(_("平台作业：%(job)s") % {"job": self.proposed_by_job}) if self.proposed_by_job else ""


class UrgingItem(models.Model):
    """A 督促 item (rules M12, M17): something the insurance association must urge an insurer on — e.g. a
    rescission right that lapsed. The association records its urging and closes it with the result; a credit
    entry follows only if it proposes and decides one."""

    class Status(models.TextChoices):
        OPEN = "open", _("待督促")
        URGED = "urged", _("已督促")
        CLOSED = "closed", _("已办结")

    insurer = models.ForeignKey("parties.Organization", verbose_name=_("保险公司"), on_delete=models.PROTECT,
                                related_name="urging_items")
    subject_content_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("事项类型"),
                                             on_delete=models.PROTECT, related_name="+")
    subject_object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_content_type", "subject_object_id")
    subject_label = models.CharField(_("事项"), max_length=120)
    subject_link = models.CharField(_("事项链接"), max_length=500, blank=True)
    rule = models.CharField(_("依据规则"), max_length=20)
    reason = models.TextField(_("督促事由"))
    reason_msg = models.JSONField(blank=True, default=dict)  # as ``CreditRecord.detail_msg`` (issue 16)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    opened_by_job = models.CharField(_("登记的平台作业"), max_length=80, blank=True)
    result = models.TextField(_("办结情况"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    proposal = models.OneToOneField(CreditProposal, verbose_name=_("信用记入提议"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="urging_item")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("督促事项")
        verbose_name_plural = _("督促事项")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "insurer"], name="urging_item_open")]
        constraints = [
            *range_constraints("urging_item", instants=("closed_at", "created_at", "updated_at")),
            models.UniqueConstraint(fields=["subject_content_type", "subject_object_id", "rule"],
                                    name="urging_item_once"),
            models.CheckConstraint(name="urging_item_closed_complete", condition=(
                ~models.Q(status="closed") | models.Q(closed_at__isnull=False) & ~models.Q(result=""))),
        ]

    def __str__(self) -> str:
        return _("督促事项 %(no)s：%(insurer)s %(subject)s") % {
            "no": self.number, "insurer": self.insurer.name, "subject": self.subject_display}

    @property
    def display_reason(self) -> str:
        """The reason in the active language (a typed reason as typed)."""

        return shown(self.reason, self.reason_msg)

    @property
    def subject_display(self) -> str:
        """What is urged ("合同解除案件 RC…") in the reader's language."""
        return described_label(self.subject_content_type_id, self.subject_label)

    @property
    def number(self) -> str:
        return f"DC{self.pk:06d}" if self.pk else ""


class UrgingNote(models.Model):
    """One urging by the association (when, who, what it told the insurer)."""

    item = models.ForeignKey(UrgingItem, verbose_name=_("督促事项"), on_delete=models.PROTECT, related_name="notes")
    note = models.TextField(_("督促情况"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_by_organization = models.ForeignKey("parties.Organization", verbose_name=_("经办单位"), null=True,
                                                blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("督促时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("督促记录")
        verbose_name_plural = _("督促记录")
        ordering = ["created_at", "id"]
        constraints = [*range_constraints("urging_note", instants=("created_at",))]

    def __str__(self) -> str:
        return f"{self.item} · {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else str(self.item)
