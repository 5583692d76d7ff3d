"""Illegal-operation leads both ways, penalties, lawful-list screening and the risk identification model
(DESIGN.md "Lead" lifecycle; rules M3–M9, M12, M15).

Writes go through ``services.py``; these models hold no business logic beyond derived properties.

A lead moves ``new → pushed → verifying → verified(finding) → offline_check → confirmed | dismissed → disposed``
(``TRANSITIONS``). Rule M2: ``verified`` is the insurance side's INSURANCE VERIFICATION (how the vehicle is insured);
``offline_check`` is transport's offline check (started by transport, or requested by the regulator);
``confirmed`` / ``dismissed`` is transport's finding — only the transport bureau defines (界定) illegal operation. Every move is a ``LeadEvent`` row; the database refuses UPDATE and DELETE on that table
(migration 0002), so the trail cannot be rewritten.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.notifications import shown
from apps.core.validators import range_constraints


class Direction(models.TextChoices):
    TRANSPORT_TO_INSURANCE = "transport_to_insurance", _("交通→保险")  # rule M5
    INSURANCE_TO_TRANSPORT = "insurance_to_transport", _("保险→交通")  # rule M8


class Source(models.TextChoices):
    ENFORCEMENT = "enforcement", _("执法发现")  # M5
    LAWFUL_LIST_SCREENING = "lawful_list_screening", _("合法营运清单比对")  # M6
    RISK_MODEL = "risk_model", _("风险识别模型")  # M8
    COMPANY_REPORT = "company_report", _("企业报告")  # M9
    COMPLAINT = "complaint", _("12328 举报")  # M16
    RIDE_HAILING_DATA = "ride_hailing_data", _("网约车监管数据比对")  # M5: trips without a valid transport permit


class Status(models.TextChoices):
    NEW = "new", _("新建")
    PUSHED = "pushed", _("已推送")
    VERIFYING = "verifying", _("核验中")
    VERIFIED = "verified", _("已核验")
    OFFLINE_CHECK = "offline_check", _("线下核查中")
    CONFIRMED = "confirmed", _("已界定非法营运")
    DISMISSED = "dismissed", _("已排除")
    DISPOSED = "disposed", _("已处置")


# DESIGN.md "Lead" lifecycle: the only moves a service may make.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.PUSHED}),
    # back to new only when the recipient refuses the batch (tampered, unreadable): the sender may push again
    Status.PUSHED: frozenset({Status.VERIFYING, Status.NEW}),
    Status.VERIFYING: frozenset({Status.VERIFIED}),
    Status.VERIFIED: frozenset({Status.OFFLINE_CHECK}),
    Status.OFFLINE_CHECK: frozenset({Status.CONFIRMED, Status.DISMISSED}),
    Status.CONFIRMED: frozenset({Status.DISPOSED}),
    Status.DISMISSED: frozenset({Status.DISPOSED}),
    Status.DISPOSED: frozenset(),
}
OPEN_STATUSES = frozenset(set(Status.values) - {Status.DISPOSED})


class Finding(models.TextChoices):
    INSURED_AS_OPERATING = "insured_as_operating", _("已按营运性质投保")
    INSURED_AS_NON_OPERATING = "insured_as_non_operating", _("按非营运性质投保")
    UNINSURED = "uninsured", _("未投保")
    NOT_IN_SCOPE = "not_in_scope", _("不在监管范围")


class Outcome(models.TextChoices):
    """Transport's finding after its offline check (rules M2, M4): only the transport bureau defines (界定)
    illegal operation; the regulator verifies insurance and may request the check, it records no outcome."""

    CONFIRMED = "confirmed", _("交通运输部门界定为非法营运")
    DISMISSED = "dismissed", _("交通运输部门排除")


class Disposal(models.TextChoices):
    PENALTY = "penalty", _("行政处罚")
    # the insurers of the policies in force insured as non-operating were sent transport's finding; each must act
    # on it along the lawful path for its policy (rules M12, J5, J8/J9)
    RESCISSION = "rescission", _("通报承保保险公司依法处理")
    # rule M2: the insurance association keeps the vehicle's credit file; disposing of a lead only proposes an entry
    CREDIT_RECORD = "credit_record", _("提议记入信用档案（由保险行业协会决定）")
    DISMISSED = "dismissed", _("排除")


class Lead(models.Model):
    """One suspected illegal-operation vehicle, raised by one party and checked by the other (rule M4)."""

    plate = models.CharField(_("号牌号码"), max_length=8, db_index=True)
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="leads", help_text=_("平台车辆登记中没有该号牌时为空"),
    )
    direction = models.CharField(_("方向"), max_length=30, choices=Direction.choices)
    source = models.CharField(_("来源"), max_length=30, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    origin = models.ForeignKey(
        "parties.Organization", verbose_name=_("线索提出单位"), on_delete=models.PROTECT, related_name="+",
    )
    sender = models.ForeignKey(
        "parties.Organization", verbose_name=_("推送单位"), on_delete=models.PROTECT, related_name="+",
    )
    recipient = models.ForeignKey(
        "parties.Organization", verbose_name=_("接收单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.TextField(_("线索依据"), blank=True)
    # the message behind evidence the platform wrote (apps.core.notifications.stored), shown in the reader's
    # language; empty when a user typed it and on rows older than it (``evidence`` shows). Issue 16.
    evidence_msg = models.JSONField(blank=True, default=dict)
    external_ref = models.CharField(_("外部编号"), max_length=60, blank=True, help_text=_("如 12328 举报单号"))
    score = models.DecimalField(_("风险评分"), max_digits=8, decimal_places=2, null=True, blank=True)
    reasons = models.JSONField(_("评分理由"), default=list, blank=True)
    # Exchange (rule M3): the batch that carried the lead and the instant the recipient knew.
    pushed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    push_batch = models.ForeignKey(
        "exchange.Batch", verbose_name=_("推送批次"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    # Verification (the registers' one verification service) at receipt.
    finding = models.CharField(_("核验结论"), max_length=30, choices=Finding.choices, blank=True)
    finding_detail = models.JSONField(_("核验详情"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核验人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("接收时由平台自动核验的为空"),
    )
    verification_note = models.TextField(_("核验说明"), blank=True)
    # The regulator's request that transport check the vehicle offline (rules M2, M4); its clock is
    # LEAD_OFFLINE_CHECK_DAYS natural days, met when transport records its finding.
    check_requested_at = models.DateTimeField(_("请求线下核查时间"), null=True, blank=True)
    check_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("请求人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    check_request_note = models.TextField(_("请求核查事项"), blank=True)
    # Offline check and finding: transport's (rules M2, M4).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    check_result = models.TextField(_("核查情况"), blank=True)
    defined_by = models.ForeignKey(
        "parties.Organization", verbose_name=_("界定单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("记录界定结论的交通运输部门（规则 M2）"),
    )
    outcome = models.CharField(_("界定结论"), max_length=20, choices=Outcome.choices, blank=True, db_index=True)
    dismissed_reason = models.TextField(_("排除理由"), blank=True)
    # Disposal (rule M4: closed loop).
    disposals = ArrayField(
        models.CharField(max_length=20, choices=Disposal.choices), verbose_name=_("处置方式"), default=list,
        blank=True,
    )
    disposal_note = models.TextField(_("处置说明"), blank=True)
    penalty = models.ForeignKey(
        "leads.Penalty", verbose_name=_("处罚决定"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="leads",
    )
    disposed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处置人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-created_at", "-id"]
        # Who raises which lead (rules M5, M9, M16) and who decides what (rule M2): one right each, in rights.py.
        permissions = [
            ("flag_lead", _("标记疑似非法营运车辆（交通运输部门的线索）")),
            ("report_lead", _("上报疑似非法营运车辆（企业上报）")),
            ("define_illegal_operation", _("线下核查并界定非法营运（交通运输部门）")),
            ("verify_lead_insurance", _("核验线索车辆的投保情况（金融监管部门）")),
            ("request_offline_check", _("请求交通运输部门线下核查（金融监管部门）")),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "-created_at"], name="lead_inbox"),
            models.Index(fields=["sender", "status", "-created_at"], name="lead_outbox"),
            models.Index(fields=["origin", "-created_at"], name="lead_origin"),
            models.Index(fields=["vehicle", "status"], name="lead_vehicle_status"),
            # the whole list's keyset pages (apps.core.pagination): WHERE (created_at, id) < (…) ORDER BY both DESC
            models.Index(fields=["-created_at", "-id"], name="lead_recent"),
        ]
        constraints = [
            *range_constraints(
                "lead",
                instants=("pushed_at", "received_at", "verified_at", "check_requested_at", "checked_at", "disposed_at",
                          "created_at", "updated_at"),
            ),
            models.CheckConstraint(
                condition=~Q(status="new") | Q(recipient__isnull=True), name="lead_new_not_addressed",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["new"]) | Q(recipient__isnull=False), name="lead_pushed_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.plate}"

    @property
    def display_evidence(self) -> str:
        """The evidence in the active language (typed evidence as typed)."""

        return shown(self.evidence, self.evidence_msg)

    @property
    def display_reasons(self) -> list[dict]:
        """The risk model's reasons (rule M8) with their words and feature labels in the active language."""
        return shown_reasons(self.reasons)

    @property
    def reference(self) -> str:
        """The lead's number as people quote it (e.g. in a rescission case's trigger reference)."""
        return f"XS{self.pk:08d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def disposal_labels(self) -> list[str]:
        return [str(Disposal(d).label) for d in self.disposals if d in Disposal.values]

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())


class LeadEvent(models.Model):
    """Append-only trail of a lead (the database refuses UPDATE and DELETE, migration 0002)."""

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    note_msg = models.JSONField(blank=True, default=dict)  # as ``Lead.evidence_msg`` (issue 16)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("线索记录")
        verbose_name_plural = _("线索记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lead", "at"], name="leadevent_lead_at")]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.action} {self.from_status}→{self.to_status}"

    @property
    def display_note(self) -> str:
        """The note in the active language (a typed note as typed)."""

        return shown(self.note, self.note_msg)


class LeadAttachment(models.Model):
    """A file kept with a lead: evidence when it is raised, or what the offline check found (rule M4)."""

    class Stage(models.TextChoices):
        EVIDENCE = "evidence", _("线索证据")
        CHECK = "check", _("核查材料")

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.PROTECT, related_name="attachments")
    stage = models.CharField(_("类别"), max_length=20, choices=Stage.choices, default=Stage.EVIDENCE)
    file = models.FileField(_("文件"), upload_to="leads/%Y/%m/", max_length=300)
    name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("线索附件")
        verbose_name_plural = _("线索附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Penalty(models.Model):
    """A transport penalty decision (行政处罚决定) on a vehicle or a company (rules M7, M15)."""

    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("作出处罚的单位"), on_delete=models.PROTECT, related_name="+",
    )
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="penalties",
    )
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("出租汽车企业/平台"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="penalties", limit_choices_to={"kind": "taxi_company"},
    )
    plate = models.CharField(_("号牌号码"), max_length=8, blank=True, db_index=True)
    decision_no = models.CharField(_("处罚决定书文号"), max_length=60, unique=True)
    decided_on = models.DateField(_("决定日期"))
    facts = models.TextField(_("违法事实"))
    amount = models.DecimalField(_("罚款金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    lead = models.ForeignKey(
        Lead, verbose_name=_("来源线索"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True, db_index=True)
    pushed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    batch = models.ForeignKey(
        "exchange.Batch", verbose_name=_("推送批次"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("处罚决定")
        verbose_name_plural = _("处罚决定")
        ordering = ["-decided_on", "-id"]
        constraints = [
            *range_constraints(
                "penalty",
                dates=("decided_on",),
                instants=("recorded_at", "pushed_at"),
                amounts=("amount",),
            ),
            models.CheckConstraint(
                condition=Q(vehicle__isnull=False) | Q(company__isnull=False), name="penalty_has_subject",
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="penalty_amount_ge_0"),
        ]

    def __str__(self) -> str:
        return self.decision_no

    @property
    def subject_label(self) -> str:
        if self.vehicle_id:
            return self.plate or str(self.vehicle)
        return str(self.company)


class LawfulListRun(models.Model):
    """One push of the lawful operating vehicle list (合法营运车辆清单, rule M6) and its screening."""

    class State(models.TextChoices):
        PUSHED = "pushed", _("已推送")
        SCREENED = "screened", _("已比对")

    sender = models.ForeignKey(
        "parties.Organization", verbose_name=_("推送单位"), on_delete=models.PROTECT, related_name="+",
    )
    recipient = models.ForeignKey(
        "parties.Organization", verbose_name=_("接收单位"), on_delete=models.PROTECT, related_name="+",
    )
    listed_on = models.DateField(_("清单日期"))
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("推送人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("定时任务推送时为空"),
    )
    pushed_at = models.DateTimeField(_("推送时间"), auto_now_add=True, db_index=True)
    batch = models.ForeignKey(
        "exchange.Batch", verbose_name=_("推送批次"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    vehicle_count = models.PositiveIntegerField(_("清单车辆数"), default=0)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PUSHED)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    screened_at = models.DateTimeField(_("比对时间"), null=True, blank=True)
    screen_ms = models.PositiveIntegerField(_("比对耗时（毫秒）"), null=True, blank=True)
    summary = models.JSONField(_("比对汇总"), default=dict, blank=True)

    class Meta:
        constraints = range_constraints(
            "lawful_list",
            dates=("listed_on",),
            instants=("pushed_at", "received_at", "screened_at"),
        )
        verbose_name = _("合法营运清单推送")
        verbose_name_plural = _("合法营运清单推送")
        ordering = ["-pushed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.listed_on} ({self.vehicle_count})"


class ScreeningFinding(models.Model):
    """A vehicle on the lawful operating list whose insurance does not match (rule M6)."""

    class Kind(models.TextChoices):
        INSURED_AS_NON_OPERATING = "insured_as_non_operating", _("持有效运输证但按非营运投保")
        UNINSURED = "uninsured", _("持有效运输证但无有效保单")
        # rules M6, M8: the insurance a ride-hailing platform reports (baseInfoVehicleInsurance) against the register
        RH_UNKNOWN_POLICY = "rh_unknown_policy", _("网约车平台报送的保单在保单登记中不存在")
        RH_NON_OPERATING = "rh_non_operating", _("网约车平台报送的保单按非营运性质承保")
        RH_EXPIRED = "rh_expired", _("网约车平台报送的保单已失效")
        RH_BELOW_STANDARD = "rh_below_standard", _("网约车平台报送的保险金额低于保障标准")

    run = models.ForeignKey(LawfulListRun, verbose_name=_("清单"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="findings", help_text=_("网约车监管数据比对的发现不属于任何清单"))
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="+")
    permit = models.ForeignKey(
        "vehicles.OperatingPermit", verbose_name=_("运输证"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    insurer = models.ForeignKey(
        "parties.Organization", verbose_name=_("保险公司"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    policy = models.ForeignKey(
        "policies.Policy", verbose_name=_("保单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    class Review(models.TextChoices):
        """The regulator reviews every finding before anything reaches an insurer (rule M6)."""

        PENDING = "pending", _("待审核")
        CONFIRMED = "confirmed", _("已确认")
        EXCLUDED = "excluded", _("已排除")

    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    plate = models.CharField(_("号牌号码"), max_length=8, blank=True)
    finding = models.TextField(_("比对结论"))
    review = models.CharField(_("审核"), max_length=20, choices=Review.choices, default=Review.PENDING,
                              db_index=True)
    review_reason = models.TextField(_("审核说明"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("下发保险公司时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("清单比对发现")
        verbose_name_plural = _("清单比对发现")
        ordering = ["run", "kind", "plate", "id"]
        indexes = [
            models.Index(fields=["run", "kind"], name="screening_run_kind"),
            models.Index(fields=["insurer", "run"], name="screening_insurer_run"),
        ]
        permissions = [("review_screeningfinding", _("审核清单比对发现并下发保险公司（金融监管部门）"))]

    def __str__(self) -> str:
        return f"{self.plate} {self.get_kind_display()}"


class InsurerWorklistItem(models.Model):
    """A row an insurer must check against its books (rule M8: insurers check the lists received from transport).

    Each insurer sees only its own rows (``access.py``). ``row_key`` makes ingestion of a redelivered batch
    harmless: one row per (insurer, key).
    """

    class Kind(models.TextChoices):
        LEAD = "lead", _("线索核查")
        # Rule M6: a lawful operating vehicle insured as non-operating — the insurer endorses the policy (批改:
        # change the usage nature, re-rate), it is no rescission case.
        ENDORSEMENT = "endorsement", _("批改：变更使用性质并重新核定保费（合法营运车辆清单比对）")
        PENALTY = "penalty", _("处罚通报")
        CONFIRMATION = "confirmation", _("交通运输部门界定非法营运通报")
        # rules M6, M8: the platform-reported insurance of a ride-hailing vehicle does not match the insurer's books
        RIDE_HAILING_INSURANCE = "rh_insurance", _("网约车平台报送保险信息核对")

    class State(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复")

    class Answer(models.TextChoices):
        NON_OPERATING_CONFIRMED = "non_operating_confirmed", _("经核对：确按非营运承保")
        ALREADY_OPERATING = "already_operating", _("经核对：已按营运承保或已批改")
        ACKNOWLEDGED = "acknowledged", _("已知悉，已按规定处理")
        OTHER = "other", _("其他（见说明）")

    insurer = models.ForeignKey(
        "parties.Organization", verbose_name=_("保险公司"), on_delete=models.PROTECT, related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    row_key = models.CharField(_("行标识"), max_length=80)
    lead = models.ForeignKey(
        Lead, verbose_name=_("线索"), null=True, blank=True, on_delete=models.PROTECT, related_name="worklist_items",
    )
    screening_finding = models.ForeignKey(
        ScreeningFinding, verbose_name=_("比对发现"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="worklist_items",
    )
    penalty = models.ForeignKey(
        Penalty, verbose_name=_("处罚决定"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="worklist_items",
    )
    policy = models.ForeignKey(
        "policies.Policy", verbose_name=_("保单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("平台报送的保单号在保单登记中不存在时为空"),
    )
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    plate = models.CharField(_("号牌号码"), max_length=8, blank=True, db_index=True)
    summary = models.TextField(_("事由"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    received_at = models.DateTimeField(_("接收时间"))
    answer = models.CharField(_("答复"), max_length=30, choices=Answer.choices, blank=True)
    answer_note = models.TextField(_("答复说明"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("保险公司核查清单")
        verbose_name_plural = _("保险公司核查清单")
        ordering = ["state", "-received_at", "-id"]
        indexes = [models.Index(fields=["insurer", "state", "-received_at"], name="worklist_insurer_state")]
        constraints = [
            *range_constraints("worklist", instants=("received_at", "answered_at")),
            models.UniqueConstraint(fields=["insurer", "row_key"], name="worklist_insurer_row_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.plate}"


class RiskModelWeights(models.Model):
    """One version of the risk identification model's weights (rule M8), edited by insurance association staff.

    Versions are never changed: an edit writes the next version; the newest is the one in use.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    weights = models.JSONField(_("权重"), default=dict, blank=True, help_text=_("{特征: 权重}；未列出的特征用默认权重"))
    threshold = models.DecimalField(_("推送阈值"), max_digits=8, decimal_places=2)
    note = models.TextField(_("修改说明"), blank=True)
    note_msg = models.JSONField(blank=True, default=dict)  # a note the platform wrote, as ``Lead.evidence_msg``
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("风险模型权重")
        verbose_name_plural = _("风险模型权重")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def display_note(self) -> str:
        """The note in the active language (a typed note as typed)."""

        return shown(self.note, self.note_msg)


class RiskModelRun(models.Model):
    """One scoring run of the risk identification model (rule M8).

    A run is a PREVIEW: it scores and stores, and sends nothing; association staff read what transport would
    receive and confirm, and only then are the leads created and pushed (exactly the previewed ones)."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("预览（未推送）")
        SENT = "sent", _("已确认推送")

    weights = models.ForeignKey(
        RiskModelWeights, verbose_name=_("权重版本"), on_delete=models.PROTECT, related_name="runs",
    )
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("运行单位"), on_delete=models.PROTECT, related_name="+",
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("运行人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("定时任务运行时为空"),
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    features = ArrayField(models.CharField(max_length=60), verbose_name=_("使用的特征"), default=list, blank=True)
    vehicles_scored = models.PositiveIntegerField(_("评分车辆数"), default=0)
    flagged = models.PositiveIntegerField(_("超过阈值"), default=0)
    leads_created = models.PositiveIntegerField(_("新建线索"), default=0)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PREVIEW)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认推送人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认推送时间"), null=True, blank=True)
    batch = models.ForeignKey(
        "exchange.Batch", verbose_name=_("推送批次"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("风险模型运行")
        verbose_name_plural = _("风险模型运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} v{self.weights_id}"


def shown_reasons(reasons: list) -> list[dict]:
    """Risk-model reasons (``{"feature", "label", "text", "points", …}``) with ``text`` and ``label`` in the active
    language where the reason keeps their messages (``text_msg``, ``label_msg``; issue 16), else as stored."""

    return [{**reason, "text": shown(reason.get("text", ""), reason.get("text_msg")),
             "label": shown(reason.get("label", ""), reason.get("label_msg"))} for reason in reasons or []]


class RiskScore(models.Model):
    """A vehicle's score in one run, with the reasons in words; only vehicles with a non-zero score are kept."""

    run = models.ForeignKey(RiskModelRun, verbose_name=_("运行"), on_delete=models.PROTECT, related_name="scores")
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("评分"), max_digits=8, decimal_places=2)
    reasons = models.JSONField(_("理由"), default=list, blank=True)
    flagged = models.BooleanField(_("超过阈值"), default=False)
    lead = models.ForeignKey(
        Lead, verbose_name=_("线索"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("风险评分")
        verbose_name_plural = _("风险评分")
        ordering = ["run", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "vehicle"], name="riskscore_run_vehicle")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.score}"

    @property
    def display_reasons(self) -> list[dict]:
        return shown_reasons(self.reasons)
