"""Policies, coverages and the coverage standard (DESIGN.md "Data model"; rules M6, M10, M11, J7, C2).

A policy is *in force at instant T* when ``starts_at <= T < ends_at`` and it was neither rescinded nor cancelled at
or before T (``Policy.in_force_q(T)``); ``status`` is the policy's current state for lists and filters. The
verification service (``verification.py``) is the only place that turns these rows into a finding.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import BlindIndexField, EncryptedTextField, mask_name
from apps.core.notifications import shown
from apps.core.validators import range_constraints
from apps.vehicles.usage import UsageNature, usage_class

MONEY = {"max_digits": 14, "decimal_places": 2}


class PolicyKind(models.TextChoices):
    COMPULSORY = "compulsory", _("交强险")
    THIRD_PARTY = "third_party", _("第三者责任险")
    OWN_DAMAGE = "own_damage", _("车辆损失险")
    SEAT = "seat", _("车上人员责任险")
    CARRIER_LIABILITY = "carrier_liability", _("承运人责任险")


class CoverageKind(models.TextChoices):
    """What a coverage line insures; the first five equal the policy kinds (a policy covers at least its kind)."""

    COMPULSORY = "compulsory", _("交强险")
    THIRD_PARTY = "third_party", _("第三者责任险")
    OWN_DAMAGE = "own_damage", _("车辆损失险")
    SEAT = "seat", _("车上人员责任险")
    CARRIER_LIABILITY = "carrier_liability", _("承运人责任险")
    DRIVER_SEAT = "driver_seat", _("车上人员责任险（司机）")
    PASSENGER_SEAT = "passenger_seat", _("车上人员责任险（乘客）")
    CREW_RIDER = "crew_rider", _("附加司乘人员责任险")
    MENTAL_DAMAGE = "mental_damage", _("附加精神损害赔偿责任险")
    THEFT = "theft", _("全车盗抢险")
    OTHER = "other", _("其他")


class Policy(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        RESCINDED = "rescinded", _("已解除")
        CANCELLED = "cancelled", _("已退保")
        EXPIRED = "expired", _("已到期")

    insurer = models.ForeignKey(
        "parties.Organization", verbose_name=_("保险公司"), on_delete=models.PROTECT, related_name="policies",
        limit_choices_to={"kind": "insurer"}, db_index=False,  # led by policy_insurer_vehicle and the others below
    )
    number = models.CharField(_("保单号"), max_length=40)
    kind = models.CharField(_("险种"), max_length=20, choices=PolicyKind.choices, db_index=True)
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="policies",
    )
    usage_nature_insured = models.CharField(_("承保使用性质"), max_length=30, choices=UsageNature.choices)
    policyholder_name = EncryptedTextField(_("投保人"), blank=True)
    policyholder_name_bidx = BlindIndexField("policyholder_name")
    starts_at = models.DateTimeField(_("保险起期"))
    ends_at = models.DateTimeField(_("保险止期"))
    premium = models.DecimalField(_("保费（元）"), **MONEY)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    rescinded_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("退保时间"), null=True, blank=True)
    # rule J10: a laid-up operating vehicle's compulsory policy may be extended once, by 1 to 4 months
    laid_up_extension_months = models.PositiveSmallIntegerField(_("停驶顺延月数"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["-starts_at", "-id"]
        # The underwriting check page (rules C2, P3, M11): the regulator and the insurance association supervise
        # underwriting, an insurer reviews its own book; reading policies (view_policy) is wider than that.
        # rescind_policy: only through the rescission case decision (services.policy_rescind checks the case).
        permissions = [
            ("review_underwriting", _("可以查看核保规则检查")),
            ("rescind_policy", _("可以依解除案件的决定解除保险合同")),
            ("cancel_policy", _("可以按法定情形办理退保")),
            ("extend_policy", _("可以办理停驶车辆保险期间顺延")),
        ]
        constraints = [
            *range_constraints(
                "policy",
                instants=("starts_at", "ends_at", "rescinded_at", "cancelled_at", "created_at", "updated_at"),
                amounts=("premium",),
            ),
            models.UniqueConstraint(fields=["insurer", "number"], name="policy_insurer_number"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="policy_period_positive"),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
            models.CheckConstraint(
                condition=Q(laid_up_extension_months__isnull=True)
                | Q(laid_up_extension_months__gte=1, laid_up_extension_months__lte=4),
                name="policy_laid_up_extension_1_to_4_months",
            ),
        ]
        indexes = [
            # verification: a vehicle's policies around an instant
            models.Index(fields=["vehicle", "ends_at", "starts_at"], name="policy_vehicle_period"),
            # an insurer's own list, newest first
            models.Index(fields=["insurer", "-starts_at", "-id"], name="policy_insurer_recent"),
            # the insurer's audience: the vehicles it insures (EXISTS … WHERE insurer = ? AND vehicle = ?, an
            # index-only probe; it replaces the foreign key's own index on the insurer alone)
            models.Index(fields=["insurer", "vehicle"], name="policy_insurer_vehicle"),
            # the whole list's keyset pages (regulators): WHERE (starts_at, id) < (…) ORDER BY both DESC
            models.Index(fields=["-starts_at", "-id"], name="policy_recent"),
            models.Index(fields=["number"], name="policy_number"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def usage_class(self) -> str | None:
        return usage_class(self.usage_nature_insured)

    @property
    def policyholder_name_masked(self) -> str:
        return mask_name(self.policyholder_name)

    @staticmethod
    def in_force_q(at: dt.datetime, prefix: str = "") -> Q:
        """Q for policies in force at ``at`` (period contains it; not rescinded or cancelled by then)."""
        p = prefix
        return (
            Q(**{f"{p}starts_at__lte": at, f"{p}ends_at__gt": at})
            & (Q(**{f"{p}rescinded_at__isnull": True}) | Q(**{f"{p}rescinded_at__gt": at}))
            & (Q(**{f"{p}cancelled_at__isnull": True}) | Q(**{f"{p}cancelled_at__gt": at}))
        )

    def in_force_at(self, at: dt.datetime) -> bool:
        return (
            self.starts_at <= at < self.ends_at
            and (self.rescinded_at is None or self.rescinded_at > at)
            and (self.cancelled_at is None or self.cancelled_at > at)
        )


class Coverage(models.Model):
    """One insured item of a policy with its limits (e.g. 第三者责任险 1,000,000; 承运人责任险 400,000 × 4 seats)."""

    policy = models.ForeignKey(Policy, verbose_name=_("保单"), on_delete=models.CASCADE, related_name="coverages")
    kind = models.CharField(_("保障项目"), max_length=20, choices=CoverageKind.choices)
    limit = models.DecimalField(_("责任限额/保险金额（元）"), **MONEY)
    per_seat_limit = models.DecimalField(_("每座限额（元）"), null=True, blank=True, **MONEY)
    seats = models.PositiveSmallIntegerField(_("投保座位数"), null=True, blank=True)

    class Meta:
        verbose_name = _("保障项目")
        verbose_name_plural = _("保障项目")
        ordering = ["policy", "kind"]
        constraints = [
            *range_constraints("coverage", amounts=("limit", "per_seat_limit")),
            models.UniqueConstraint(fields=["policy", "kind"], name="coverage_policy_kind"),
            models.CheckConstraint(condition=Q(limit__gte=0), name="coverage_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.limit}"


class CoverageStandard(models.Model):
    """Rule M10: the coverages an operating vehicle of ≤ 7 seats should carry, published JOINTLY by the two
    associations (联合制定并发布): one proposes a version (``published_by``), the other approves it (or rejects it
    with a reason) — only an approved version is in force. A reference for the industry: gaps are warnings, except
    where the law itself requires the cover (交强险).

    Versioned by effective dates (Asia/Shanghai calendar days, both ends inclusive, ``effective_to`` empty =
    open-ended); the approved version in force on the date of instant T is the one verification uses.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待另一协会审核")
        IN_FORCE = "in_force", _("已联合发布")
        REJECTED = "rejected", _("未获通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PROPOSED,
                              db_index=True)
    decided_by_org = models.ForeignKey(
        "parties.Organization", verbose_name=_("审核单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    name = models.CharField(_("版本名称"), max_length=120)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    published_by = models.ForeignKey(
        "parties.Organization", verbose_name=_("提议单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    basis = models.TextField(_("依据与说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保障标准")
        verbose_name_plural = _("保障标准")
        ordering = ["-effective_from", "-id"]
        # rule M10: the other association approves (or rejects) a proposed version
        permissions = [("approve_coveragestandard", _("可以审核另一协会提议的保障标准"))]
        constraints = [
            *range_constraints("standard", dates=("effective_from", "effective_to"),
                               instants=("created_at", "decided_at")),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="standard_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day: dt.date) -> bool:
        return (self.status == self.Status.IN_FORCE and self.effective_from <= day
                and (self.effective_to is None or day <= self.effective_to))


class CoverageRequirement(models.Model):
    """One line of a standard: coverage ``policy_kind`` with at least ``min_limit`` (and per seat, if set).

    ``alternative_kinds`` lists coverage kinds that also satisfy the line (e.g. passenger cover through another
    product); empty by default.
    """

    standard = models.ForeignKey(
        CoverageStandard, verbose_name=_("保障标准"), on_delete=models.CASCADE, related_name="requirements",
    )
    policy_kind = models.CharField(_("险种/保障项目"), max_length=20, choices=CoverageKind.choices)
    min_limit = models.DecimalField(_("最低责任限额（元）"), default=0, **MONEY)
    min_per_seat_limit = models.DecimalField(_("每座最低限额（元）"), null=True, blank=True, **MONEY)
    alternative_kinds = ArrayField(
        models.CharField(max_length=20, choices=CoverageKind.choices), verbose_name=_("可替代的保障项目"),
        default=list, blank=True,
    )

    class Meta:
        verbose_name = _("保障要求")
        verbose_name_plural = _("保障要求")
        ordering = ["standard", "id"]
        constraints = [
            *range_constraints("requirement", amounts=("min_limit", "min_per_seat_limit")),
            models.UniqueConstraint(fields=["standard", "policy_kind"], name="requirement_standard_kind"),
            models.CheckConstraint(condition=Q(min_limit__gte=0), name="requirement_min_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_policy_kind_display()} ≥ {self.min_limit}"

    @property
    def kinds(self) -> list[str]:
        return [self.policy_kind, *self.alternative_kinds]


# --- the policy lifecycle (rules J5–J10, C5, M12, J13) -------------------------------------------------------------


class LifecyclePath(models.TextChoices):
    """How a policy's state changed — the only ways it can (``services.py``, "lifecycle")."""

    RESCISSION = "rescission", _("合同解除（解除案件决定）")
    CANCELLATION = "cancellation", _("退保")
    ENDORSEMENT = "endorsement", _("批改")
    EXTENSION = "extension", _("停驶顺延")
    EXPIRY = "expiry", _("期满")


class CancellationGround(models.TextChoices):
    """The enumerated grounds on which a policy may be cancelled (退保).

    Compulsory insurance (rule J6, 交强险实务 第五节 二): ``deregistered`` … ``new_car_returned``; carrier liability
    (rule C5, 001 §10.6): ``scrapped``, ``lost``, ``laid_up_3_months``. ``lost`` serves both. Commercial motor
    policies: the policyholder's request (Insurance Law art. 15).
    """

    DEREGISTERED = "deregistered", _("被保险机动车依法注销登记")
    LAID_UP = "laid_up", _("被保险机动车办理停驶")
    LOST = "lost", _("经公安机关证实丢失（灭失）")
    DOUBLE_INSURED = "double_insured", _("重复投保交强险（解除起期在后的保单）")
    TRANSFERRED_OUT = "transferred_out", _("转卖、转让、赠送至车籍所在地（地市）以外")
    NEW_CAR_RETURNED = "new_car_returned", _("新车因质量问题被收回或交管部门不予上户")
    SCRAPPED = "scrapped", _("经公安部门批准报废")
    LAID_UP_3_MONTHS = "laid_up_3_months", _("经道路运输管理机构批准连续停运三个月（含）以上")
    POLICYHOLDER_REQUEST = "policyholder_request", _("投保人申请解除商业保险合同（保险法第十五条）")


COMPULSORY_GROUNDS = (
    CancellationGround.DEREGISTERED, CancellationGround.LAID_UP, CancellationGround.LOST,
    CancellationGround.DOUBLE_INSURED, CancellationGround.TRANSFERRED_OUT, CancellationGround.NEW_CAR_RETURNED,
)
CARRIER_GROUNDS = (CancellationGround.SCRAPPED, CancellationGround.LOST, CancellationGround.LAID_UP_3_MONTHS)
# commercial motor policies (third party, own damage, seats): Insurance Law art. 15, unless the contract says otherwise
COMMERCIAL_GROUNDS = (CancellationGround.POLICYHOLDER_REQUEST,)


class PremiumMode(models.TextChoices):
    DAILY_RATE = "daily_rate", _("按日费率增减保费（规则 J8）")
    POLICY_YEAR = "policy_year", _("按保单年度重新核定保费（规则 J9）")


class Endorsement(models.Model):
    """One endorsement (批改) of a policy: what changed, from when, and the premium consequence.

    Money is Decimal rounded to the fen (0.01) with ROUND_HALF_UP. ``daily_rate`` (rule J8): delta = remaining days
    ÷ days in the period × (new − old premium); ``policy_year`` (rule J9): the premium is re-rated for the whole
    policy year, delta = new − old premium. ``old_premium``/``new_premium`` are full-period premiums for the usage
    before and after; ``premium_after`` is what the policy's premium became.
    """

    policy = models.ForeignKey(Policy, verbose_name=_("保单"), on_delete=models.PROTECT, related_name="endorsements")
    usage_nature_from = models.CharField(_("原使用性质"), max_length=30, choices=UsageNature.choices)
    usage_nature_to = models.CharField(_("批改后使用性质"), max_length=30, choices=UsageNature.choices)
    effective_on = models.DateField(_("批改生效日期"))
    premium_mode = models.CharField(_("保费调整方式"), max_length=20, choices=PremiumMode.choices)
    old_premium = models.DecimalField(_("原保费（保险期间全额，元）"), **MONEY)
    new_premium = models.DecimalField(_("新保费（保险期间全额，元）"), **MONEY)
    remaining_days = models.PositiveIntegerField(_("剩余天数"))
    period_days = models.PositiveIntegerField(_("保险期间天数"))
    premium_delta = models.DecimalField(_("保费增减（元）"), **MONEY)
    premium_after = models.DecimalField(_("批改后保费（元）"), **MONEY)
    reason = models.TextField(_("批改原因"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    system_job = models.CharField(_("系统作业"), max_length=80, blank=True)
    source_content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("来源类型"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    source_object_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("批改")
        verbose_name_plural = _("批改")
        ordering = ["policy", "effective_on", "id"]
        constraints = [
            *range_constraints("endorsement", dates=("effective_on",), instants=("created_at",),
                               amounts=("old_premium", "new_premium", "premium_after")),
            models.CheckConstraint(condition=Q(new_premium__gte=0) & Q(premium_after__gte=0),
                                   name="endorsement_premium_not_negative"),
            models.CheckConstraint(condition=~Q(usage_nature_from=models.F("usage_nature_to")),
                                   name="endorsement_changes_usage"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.number} {self.get_usage_nature_from_display()} → {self.get_usage_nature_to_display()}"


class Cancellation(models.Model):
    """The cancellation (退保) of a policy on one enumerated ground, with its evidence (rules J6, J7, C5)."""

    policy = models.OneToOneField(Policy, verbose_name=_("保单"), on_delete=models.PROTECT,
                                  related_name="cancellation")
    ground = models.CharField(_("退保情形"), max_length=30, choices=CancellationGround.choices)
    evidence = models.TextField(_("证明材料"))
    evidence_msg = models.JSONField(_("证明材料（消息）"), default=dict, blank=True,
                                    help_text=_("平台写下的证明材料（附停运起止日期）的消息编号与参数，按读者的语言显示"))
    evidence_ref = models.CharField(_("证明文件编号或存放位置"), max_length=300, blank=True)
    earlier_policy = models.ForeignKey(
        Policy, verbose_name=_("起期在前的交强险保单"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    refund = models.DecimalField(_("退还保费（元）"), null=True, blank=True, **MONEY)
    full_refund = models.BooleanField(_("全额退还保费"), default=False)
    at = models.DateTimeField(_("退保时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退保")
        verbose_name_plural = _("退保")
        constraints = [*range_constraints("cancellation", instants=("at", "created_at"), amounts=("refund",))]

    def __str__(self) -> str:
        return f"{self.policy.number} {self.get_ground_display()}"

    @property
    def display_evidence(self) -> str:
        """The evidence in the reader's language where the platform added the lay-up dates (rule C5; issue 16),
        the typed evidence as typed."""

        return shown(self.evidence, self.evidence_msg)


class PolicyStatusChange(models.Model):
    """The status history of a policy: every lifecycle step (解除, 退保, 批改, 顺延, 期满) with who and why.

    ``from_status`` = ``to_status`` for an endorsement or an extension (the policy stays in force; the step is still
    part of its history). ``source`` links the record that caused it (the rescission case, the endorsement, the
    cancellation).
    """

    policy = models.ForeignKey(Policy, verbose_name=_("保单"), on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=20, choices=Policy.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Policy.Status.choices)
    at = models.DateTimeField(_("发生时间"))
    path = models.CharField(_("途径"), max_length=20, choices=LifecyclePath.choices)
    reason = models.TextField(_("原因"), blank=True)
    # the message behind a reason the platform wrote (apps.core.notifications.stored), shown in the reader's
    # language; empty when a user typed it and on rows older than it (``reason`` shows). Issue 16.
    reason_msg = models.JSONField(blank=True, default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    system_job = models.CharField(_("系统作业"), max_length=80, blank=True)
    source_content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("关联记录类型"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    source_object_id = models.CharField(_("关联记录编号"), max_length=40, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保单状态变更")
        verbose_name_plural = _("保单状态变更")
        ordering = ["policy", "at", "id"]
        constraints = [*range_constraints("status_change", instants=("at", "created_at"))]
        indexes = [models.Index(fields=["policy", "at"], name="status_change_policy_at")]

    def __str__(self) -> str:
        return f"{self.policy.number} {self.get_from_status_display()} → {self.get_to_status_display()}"

    @property
    def display_reason(self) -> str:
        """The reason in the active language (a typed reason as typed)."""

        return shown(self.reason, self.reason_msg)
