"""Claims, their progress notices and the claims analytics (DESIGN.md "Claim" lifecycle; rules M13, M14, M15, J11).

A claim's state is its timestamps; ``status`` is derived from them by ``services.py`` (for lists and filters).
Every SLA clock is a ``core.Deadline`` row (``clocks.py`` says which); a large claim's progress clocks hang on its
``ClaimProgressNotice`` rows, one per notice period, because a clock is unique per (rule, subject).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.validators import range_constraints
from apps.policies.models import PolicyKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class Claim(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", _("已报案")
        DISPATCHED = "dispatched", _("已调度查勘")
        DOCUMENTS_REQUESTED = "documents_requested", _("已告知所需材料")
        DOCUMENTS_COMPLETE = "documents_complete", _("材料已齐全")
        DECIDED = "decided", _("已核定")
        AGREED = "agreed", _("已达成赔偿协议")
        PAID = "paid", _("已赔付")
        CLOSED = "closed", _("已结案")
        WITHDRAWN = "withdrawn", _("已撤案")

    class Decision(models.TextChoices):
        COVERED = "covered", _("属于保险责任")
        REFUSED = "refused", _("拒赔")

    class Source(models.TextChoices):
        PAGE = "page", _("页面录入")
        API = "api", _("系统推送")

    class Size(models.TextChoices):
        SMALL = "small", _("小额")
        LARGE = "large", _("大额")

    insurer = models.ForeignKey(
        "parties.Organization", verbose_name=_("保险公司"), on_delete=models.PROTECT, related_name="claims",
        limit_choices_to={"kind": "insurer"},
    )
    number = models.CharField(_("报案号"), max_length=64)
    policy = models.ForeignKey(
        "policies.Policy", verbose_name=_("保单"), on_delete=models.PROTECT, related_name="claims",
    )
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="claims",
    )
    driver = models.ForeignKey(
        "vehicles.Driver", verbose_name=_("驾驶员"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="claims",
    )
    occurred_at = models.DateTimeField(_("出险时间"))
    location = models.CharField(_("出险地点"), max_length=200, blank=True)
    at_night = models.BooleanField(_("夜间出险"), default=False, help_text=_("由出险时间推算（北京时间）"))
    at_station = models.BooleanField(_("在车站/机场等场站出险"), default=False)
    injured_passengers = models.PositiveSmallIntegerField(_("受伤乘客人数"), default=0)

    reported_at = models.DateTimeField(_("报案时间"))
    # Rule J11 (交强险承保实务规程): the documents list is due 1 working day after the insurer receives the claim
    # request (赔偿/索赔请求) — a fact of its own, not the accident report (which starts the M13 dispatch clock).
    claim_requested_at = models.DateTimeField(_("收到索赔请求时间"), null=True, blank=True)
    survey_dispatched_at = models.DateTimeField(_("查勘调度时间"), null=True, blank=True)
    special_circumstances_reason = models.TextField(_("特殊情况原因"), blank=True)
    special_circumstances_at = models.DateTimeField(_("特殊情况记录时间"), null=True, blank=True)
    documents_requested_at = models.DateTimeField(_("告知所需材料时间"), null=True, blank=True)
    documents_complete_at = models.DateTimeField(_("材料齐全时间"), null=True, blank=True)
    decision = models.CharField(_("核定结论"), max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(_("核定时间"), null=True, blank=True)
    refusal_reason = models.TextField(_("拒赔理由"), blank=True)
    refusal_notice_sent_at = models.DateTimeField(_("拒赔通知书发出时间"), null=True, blank=True)
    amount_claimed = models.DecimalField(_("索赔金额（元）"), null=True, blank=True, **MONEY)
    amount_agreed = models.DecimalField(_("协议赔偿金额（元）"), null=True, blank=True, **MONEY)
    agreed_at = models.DateTimeField(_("达成赔偿协议时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("赔款支付时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # A claim closed before it was decided or paid is withdrawn (撤案): its reason and instant are kept, its running
    # clocks are closed as withdrawn (``services.claim_withdraw``); ``closed_at`` is the withdrawal instant then.
    withdrawn_at = models.DateTimeField(_("撤案时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤案原因"), blank=True)
    # Rule M13: fixed when the documents are complete, from the amount claimed then (≤ CLAIM_SMALL_MAX_CNY: small).
    size = models.CharField(_("金额类别"), max_length=10, choices=Size.choices, blank=True)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.REPORTED, db_index=True)

    # Rule M15: "operating while insured as non-operating" — a flag for the insurer with its evidence.
    operating_flag = models.BooleanField(_("疑似营运期间出险"), default=False, db_index=True)
    operating_evidence = models.JSONField(_("营运证据"), default=list, blank=True)
    # judged on the claim's own policy (its usage nature insured, in force at the accident), not the vehicle's others
    insured_usage = models.CharField(_("出险时承保性质"), max_length=30, blank=True)
    operating_checked_at = models.DateTimeField(_("营运核查时间"), null=True, blank=True)

    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.PAGE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("理赔案件")
        verbose_name_plural = _("理赔案件")
        ordering = ["-reported_at", "-id"]
        constraints = [
            *range_constraints(
                "claim",
                instants=("occurred_at", "reported_at", "claim_requested_at", "survey_dispatched_at", "special_circumstances_at", "documents_requested_at", "documents_complete_at", "decided_at", "refusal_notice_sent_at", "agreed_at", "paid_at", "closed_at", "withdrawn_at", "operating_checked_at", "created_at", "updated_at"),
                amounts=("amount_claimed", "amount_agreed"),
            ),
            models.UniqueConstraint(fields=["insurer", "number"], name="claim_insurer_number"),
            models.CheckConstraint(condition=Q(amount_claimed__gte=0) | Q(amount_claimed__isnull=True),
                                   name="claim_amount_claimed_not_negative"),
            models.CheckConstraint(condition=Q(amount_agreed__gte=0) | Q(amount_agreed__isnull=True),
                                   name="claim_amount_agreed_not_negative"),
            models.CheckConstraint(condition=Q(decision="") | Q(decided_at__isnull=False), name="claim_decision_dated"),
            # a withdrawal has its reason and closes the claim at that instant
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | (Q(closed_at=models.F("withdrawn_at")) & ~Q(withdrawal_reason="")),
                name="claim_withdrawal_reasoned",
            ),
        ]
        indexes = [
            models.Index(fields=["insurer", "status"], name="claim_insurer_status"),
            # keyset pages (apps.core.pagination): WHERE (reported_at, id) < (…) ORDER BY both DESC, for an insurer
            # and for the whole list
            models.Index(fields=["insurer", "-reported_at", "-id"], name="claim_insurer_recent_id"),
            models.Index(fields=["-reported_at", "-id"], name="claim_recent"),
            # claims analytics (rule M14): the rolling window read by an index-only scan, and per-subject histories
            models.Index(fields=["occurred_at"], name="claim_analytics_window",
                         include=["vehicle", "driver", "decision", "amount_agreed", "amount_claimed"]),
            models.Index(fields=["vehicle", "occurred_at"], name="claim_vehicle_occurred"),
            models.Index(fields=["driver", "occurred_at"], name="claim_driver_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.number}"

    @property
    def amount(self):
        """The amount that classifies the claim: the agreed amount once known, else the amount claimed."""
        return self.amount_agreed if self.amount_agreed is not None else self.amount_claimed

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def insured_usage_label(self) -> str:
        labels = {"operating": _("营运"), "non_operating": _("非营运"), "uninsured": _("未投保"),
                  "not_in_force": _("出险时本保单不在保险期间内"), "not_in_scope": _("不在范围内（7 座以上）")}
        return str(labels.get(self.insured_usage, self.insured_usage or "—"))

    @property
    def is_compulsory(self) -> bool:
        return self.policy.kind == PolicyKind.COMPULSORY

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def operating_consequence(self) -> str:
        """Rule M15 on the claim's OWN policy, by its kind: what "no cover while operating" means in law.

        * 交强险 (《机动车交通事故责任强制保险条例》第二十一条): third-party victims are compensated within the
          compulsory limits; any recourse of the insurer against the insured is a separate matter, as the law provides.
        * commercial policies (《保险法》第十六条、第五十二条 and the contract): no cover for the accident while
          operating, "依法".
        """
        if self.is_compulsory:
            return str(_(
                "本案保单为交强险：营运车辆按非营运性质投保、营运期间出险的，对本车人员和被保险人以外的第三者受害人，"
                "保险公司仍应依法在交强险责任限额内予以赔偿；保险公司能否向被保险人追偿，另行依法处理（规则 M15）。"))
        return str(_(
            "本案保单为商业保险（%(kind)s）：营运车辆按非营运性质投保、营运期间出险的，保险公司依法不承担营运期间的"
            "保险责任（规则 M15；《保险法》第十六条、第五十二条及合同约定）。") % {"kind": self.policy.get_kind_display()})

    @property
    def reported_late(self) -> bool:
        """Rule P2: claims are normally reported within 48 hours (setting) of the accident."""
        from . import conf

        return (self.reported_at - self.occurred_at).total_seconds() > conf.report_within_hours() * 3600


class ClaimProgressNotice(models.Model):
    """One progress-notice period of a large claim (rule M13): it starts when the previous notice was sent (or the
    documents were complete) and ends when this notice is sent (``sent_at``). Its clock is ``claim.progress``."""

    claim = models.ForeignKey(Claim, verbose_name=_("理赔案件"), on_delete=models.PROTECT, related_name="progress_notices")
    seq = models.PositiveIntegerField(_("序号"))
    period_start = models.DateTimeField(_("本期起算时间"))
    sent_at = models.DateTimeField(_("进度通知时间"), null=True, blank=True)
    note = models.TextField(_("通知内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("理赔进度通知")
        verbose_name_plural = _("理赔进度通知")
        ordering = ["claim", "seq"]
        constraints = [
            *range_constraints("progress_notice", instants=("period_start", "sent_at", "created_at")),
            models.UniqueConstraint(fields=["claim", "seq"], name="progress_notice_claim_seq"),
            models.UniqueConstraint(fields=["claim"], condition=Q(sent_at__isnull=True), name="progress_notice_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} #{self.seq}"


class AnalyticsThresholds(models.Model):
    """Rule M14: when a vehicle or driver counts as having a high claim frequency or loss. Versioned: a change is a
    new row (the newest one applies), so every analytics run names the thresholds it used."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    window_days = models.PositiveIntegerField(_("统计期（天）"), default=365)
    vehicle_min_claims = models.PositiveIntegerField(_("车辆出险次数阈值"), default=3)
    vehicle_min_loss = models.DecimalField(_("车辆赔款金额阈值（元）"), default=50000, **MONEY)
    driver_min_claims = models.PositiveIntegerField(_("驾驶员出险次数阈值"), default=3)
    driver_min_loss = models.DecimalField(_("驾驶员赔款金额阈值（元）"), default=50000, **MONEY)
    recheck_days = models.PositiveIntegerField(
        _("重复核查间隔（天）"), default=90, help_text=_("同一车辆或驾驶员在此期间内已列入重点核查的，不重复列入"),
    )
    note = models.CharField(_("调整说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调整人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("理赔分析阈值")
        verbose_name_plural = _("理赔分析阈值")
        ordering = ["-version"]
        constraints = [
            *range_constraints("thresholds", instants=("created_at",), amounts=("vehicle_min_loss", "driver_min_loss")),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="thresholds_window_positive"),
            models.CheckConstraint(condition=Q(vehicle_min_claims__gte=1) & Q(driver_min_claims__gte=1),
                                   name="thresholds_claims_positive"),
            models.CheckConstraint(condition=Q(vehicle_min_loss__gt=0) & Q(driver_min_loss__gt=0),
                                   name="thresholds_loss_positive"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class AnalyticsRun(models.Model):
    """One run of the claims analytics job (rule M14)."""

    thresholds = models.ForeignKey(AnalyticsThresholds, verbose_name=_("阈值版本"), on_delete=models.PROTECT,
                                   related_name="runs")
    as_of = models.DateTimeField(_("统计截止时间"))
    window_start = models.DateTimeField(_("统计起始时间"))
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    vehicles_flagged = models.PositiveIntegerField(_("列入车辆数"), default=0)
    drivers_flagged = models.PositiveIntegerField(_("列入驾驶员数"), default=0)
    lists_created = models.PositiveIntegerField(_("核查清单数"), default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        constraints = range_constraints(
            "analytics_run",
            instants=("as_of", "window_start", "started_at", "finished_at"),
        )
        verbose_name = _("理赔分析运行")
        verbose_name_plural = _("理赔分析运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d}"


class FocusedCheckList(models.Model):
    """The focused checks of one run for one platform company, sent to it through the exchange (rule M14)."""

    run = models.ForeignKey(AnalyticsRun, verbose_name=_("分析运行"), on_delete=models.PROTECT, related_name="lists")
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("出租汽车企业/平台"), on_delete=models.PROTECT,
        related_name="focused_check_lists",
    )
    batch_id = models.CharField(_("交换批次"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重点核查清单")
        verbose_name_plural = _("重点核查清单")
        ordering = ["-created_at", "-id"]
        constraints = [
            *range_constraints("check_list", instants=("sent_at", "received_at", "created_at")),models.UniqueConstraint(fields=["run", "company"], name="focused_list_run_company")]

    def __str__(self) -> str:
        return f"{self.company} {self.created_at:%Y-%m-%d}"


class FocusedCheck(models.Model):
    """One vehicle or driver to check, with the figures that put it on the list, and the company's result.

    Written in bulk by the analytics job (tens of thousands of rows in one statement). ``run``, ``company``,
    ``vehicle`` and ``driver`` are foreign keys without a database constraint (``db_constraint=False``): the job
    inserts ids it has just read from those tables in the same statement, ``run`` and ``company`` repeat the
    list's own (constrained) columns, and vehicles, drivers and organisations are never deleted (PROTECT) — while a
    constraint would make every run take a row lock on each flagged vehicle and driver (dirtying the registers'
    tables). ``check_list`` keeps its constraint.
    """

    class SubjectKind(models.TextChoices):
        VEHICLE = "vehicle", _("车辆")
        DRIVER = "driver", _("驾驶员")

    class Result(models.TextChoices):
        PENDING = "pending", _("待核查")
        NO_VIOLATION = "no_violation", _("未发现违规")
        VIOLATION = "violation", _("发现违规")

    run = models.ForeignKey(AnalyticsRun, verbose_name=_("分析运行"), on_delete=models.PROTECT, related_name="checks",
                            db_constraint=False)
    check_list = models.ForeignKey(
        FocusedCheckList, verbose_name=_("核查清单"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="checks",
    )
    # Indexes are kept to what the pages and the job use (the job inserts tens of thousands of rows at once):
    # the composite indexes below cover company, vehicle and driver.
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("出租汽车企业/平台"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="focused_checks", db_index=False, db_constraint=False,
    )
    subject_kind = models.CharField(_("对象类型"), max_length=10, choices=SubjectKind.choices)
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="focused_checks", db_index=False,
                                db_constraint=False)
    driver = models.ForeignKey("vehicles.Driver", verbose_name=_("驾驶员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="focused_checks", db_index=False,
                               db_constraint=False)
    claim_count = models.PositiveIntegerField(_("出险次数"))
    loss_total = models.DecimalField(_("赔款金额（元）"), **MONEY)
    result = models.CharField(_("核查结果"), max_length=20, choices=Result.choices, default=Result.PENDING)
    result_note = models.TextField(_("核查情况"), blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    credit_record = models.ForeignKey("credit.CreditRecord", verbose_name=_("信用记录"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+", db_index=False)
    lead = models.ForeignKey("leads.Lead", verbose_name=_("线索"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重点核查")
        verbose_name_plural = _("重点核查")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "result"], name="focused_company_result"),
            models.Index(fields=["vehicle", "created_at"], name="focused_vehicle_created"),
            models.Index(fields=["driver", "created_at"], name="focused_driver_created"),
        ]
        constraints = [
            *range_constraints("focused_check", instants=("checked_at", "created_at"), amounts=("loss_total",)),
            models.CheckConstraint(
                condition=(Q(subject_kind="vehicle") & Q(vehicle__isnull=False))
                | (Q(subject_kind="driver") & Q(driver__isnull=False)),
                name="focused_subject_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.vehicle or self.driver}"
