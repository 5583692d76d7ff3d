"""Policies, coverages and the coverage standard (DESIGN.md "Data model"; rules M6, M10, M11, J7, C2).

A policy is *in force at instant T* when ``starts_at <= T < ends_at`` and it was neither rescinded nor cancelled at
or before T (``Policy.in_force_q(T)``); ``status`` is the policy's current state for lists and filters. The
verification service (``verification.py``) is the only place that turns these rows into a finding.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import BlindIndexField, EncryptedTextField, mask_name
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
        limit_choices_to={"kind": "insurer"},
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
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["-starts_at", "-id"]
        # The underwriting check page (rules C2, P3, M11): the regulator and the insurance association supervise
        # underwriting, an insurer reviews its own book; reading policies (view_policy) is wider than that.
        permissions = [("review_underwriting", _("可以查看核保规则检查"))]
        constraints = [
            *range_constraints(
                "policy",
                instants=("starts_at", "ends_at", "rescinded_at", "cancelled_at", "created_at", "updated_at"),
                amounts=("premium",),
            ),
            models.UniqueConstraint(fields=["insurer", "number"], name="policy_insurer_number"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="policy_period_positive"),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
        ]
        indexes = [
            # verification: a vehicle's policies around an instant
            models.Index(fields=["vehicle", "ends_at", "starts_at"], name="policy_vehicle_period"),
            # an insurer's own list, newest first
            models.Index(fields=["insurer", "-starts_at", "-id"], name="policy_insurer_recent"),
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
    """Rule M10: the coverages an operating vehicle of ≤ 7 seats must carry, published by the associations.

    Versioned by effective dates (Asia/Shanghai calendar days, both ends inclusive, ``effective_to`` empty =
    open-ended); the version in force on the date of instant T is the one verification uses.
    """

    name = models.CharField(_("版本名称"), max_length=120)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    published_by = models.ForeignKey(
        "parties.Organization", verbose_name=_("发布单位"), null=True, blank=True, on_delete=models.PROTECT,
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
        constraints = [
            *range_constraints("standard", dates=("effective_from", "effective_to"), instants=("created_at",)),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="standard_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


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
