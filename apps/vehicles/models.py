"""Vehicles, operating permits, drivers and onboarding checks (DESIGN.md "Data model"; rules J1, J2, M1, M9).

Writes go through ``services.py``; these models hold no business logic beyond derived properties.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import BlindIndexField, EncryptedTextField, mask_id_no, mask_name, mask_phone
from apps.core.deadlines import local_date
from apps.core.validators import range_constraints

from .conf import VEHICLE_SCOPE_MAX_SEATS
from .usage import UsageNature, usage_class


class Vehicle(models.Model):
    class Status(models.TextChoices):
        NORMAL = "normal", _("正常")
        LAID_UP = "laid_up", _("停驶")
        TRANSFERRED = "transferred", _("转出")
        DEREGISTERED = "deregistered", _("注销")
        SCRAPPED = "scrapped", _("报废")

    # Rule J1: a new car not yet registered has no plate; NULL keeps "unique when present" in the database.
    plate = models.CharField(_("号牌号码"), max_length=8, null=True, blank=True, unique=True)
    vin = models.CharField(_("车辆识别代号"), max_length=17, unique=True)
    vin_override = models.BooleanField(
        _("VIN 校验位例外"), default=False,
        help_text=_("进口车辆不使用第 9 位校验位时，经确认后例外录入（已审计）"),
    )
    engine_no = models.CharField(_("发动机号"), max_length=40, blank=True)
    vehicle_type = models.CharField(_("机动车种类"), max_length=40, blank=True, help_text=_("如：小型轿车、小型普通客车"))
    make_model = models.CharField(_("厂牌型号"), max_length=80, blank=True)
    seats = models.PositiveSmallIntegerField(_("核定载客人数"))
    usage_nature = models.CharField(
        _("使用性质（登记）"), max_length=30, choices=UsageNature.choices, blank=True, db_index=True,
        help_text=_("机动车行驶证上载明的使用性质"),
    )
    owner_name = EncryptedTextField(_("所有人"), blank=True)
    owner_name_bidx = BlindIndexField("owner_name")
    owner_id_no = EncryptedTextField(_("所有人身份证号码/统一社会信用代码"), blank=True)
    owner_id_no_bidx = BlindIndexField("owner_id_no")
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("所属出租汽车企业/平台"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="vehicles", limit_choices_to={"kind": "taxi_company"},
    )
    registered_on = models.DateField(_("注册登记日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NORMAL)
    online = models.BooleanField(_("已上线"), default=False, help_text=_("在企业台账中处于上线运营状态"))
    online_since = models.DateTimeField(_("上线时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["plate", "id"]
        indexes = [
            models.Index(fields=["company", "online"], name="vehicle_company_online"),
            # the list in its order (plate, id), keyset pages included (apps.core.pagination): the whole register
            # and a company's ledger
            models.Index(fields=["plate", "id"], name="vehicle_plate_id"),
            models.Index(fields=["company", "plate", "id"], name="vehicle_company_plate"),
            models.Index(fields=["seats"], name="vehicle_seats"),
        ]
        constraints = [
            *range_constraints(
                "vehicle",
                dates=("registered_on",),
                instants=("online_since", "created_at", "updated_at"),
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="vehicle_seats_positive"),
            models.CheckConstraint(condition=~Q(plate=""), name="vehicle_plate_null_not_blank"),
        ]

    def __str__(self) -> str:
        return self.plate or self.vin

    @property
    def label(self) -> str:
        """Plate, or the VIN for a new car without one (rule J1)."""
        return self.plate or f"{_('未上牌')} {self.vin}"

    @property
    def in_scope(self) -> bool:
        """Rule M1: the mechanism covers vehicles of 7 seats or fewer."""
        return self.seats is not None and self.seats <= VEHICLE_SCOPE_MAX_SEATS

    @property
    def usage_class(self) -> str | None:
        return usage_class(self.usage_nature)

    @property
    def owner_name_masked(self) -> str:
        return mask_name(self.owner_name)

    @property
    def owner_id_no_masked(self) -> str:
        return mask_id_no(self.owner_id_no)


def _as_date(at: dt.date | dt.datetime) -> dt.date:
    return local_date(at) if isinstance(at, dt.datetime) else at


class OperatingPermit(models.Model):
    """A road transport permit: 网络预约出租汽车运输证 (ride-hailing) or a cruising-taxi permit."""

    class Kind(models.TextChoices):
        RIDE_HAILING = "ride_hailing", _("网络预约出租汽车运输证")
        CRUISING_TAXI = "cruising_taxi", _("巡游出租汽车运输证")

    vehicle = models.ForeignKey(Vehicle, verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="permits")
    number = models.CharField(_("证号"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.RIDE_HAILING)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期至"))
    issued_by = models.CharField(_("发证机关"), max_length=120, blank=True)
    revoked_at = models.DateTimeField(_("注销/吊销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("运输证")
        verbose_name_plural = _("运输证")
        ordering = ["-valid_to", "id"]
        indexes = [
            models.Index(fields=["vehicle", "valid_to"], name="permit_vehicle_valid_to"),
            # the register's order (and its keyset pages): read in index order, not sorted whole per page
            models.Index(fields=["-valid_to", "id"], name="permit_recent"),
        ]
        constraints = [
            *range_constraints(
                "permit",
                dates=("valid_from", "valid_to"),
                instants=("revoked_at", "created_at", "updated_at"),
            ),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="permit_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_at(self, at: dt.date | dt.datetime) -> bool:
        """Valid on the (Asia/Shanghai) date of ``at``: inside [valid_from, valid_to] and not revoked by then."""
        day = _as_date(at)
        if not (self.valid_from <= day <= self.valid_to):
            return False
        if self.revoked_at is None:
            return True
        if isinstance(at, dt.datetime):
            return self.revoked_at > at
        return local_date(self.revoked_at) > day


class Driver(models.Model):
    name = EncryptedTextField(_("姓名"))
    name_bidx = BlindIndexField("name")
    id_no = EncryptedTextField(_("身份证号码"))
    id_no_bidx = BlindIndexField("id_no", unique=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_bidx = BlindIndexField("phone")
    # The licence number of a mainland driving licence is the holder's ID number, so it is personal data too.
    licence_no = EncryptedTextField(_("驾驶证号"), blank=True)
    qualification_no = models.CharField(_("从业资格证号"), max_length=40, blank=True, db_index=True)
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("所属出租汽车企业/平台"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="drivers", limit_choices_to={"kind": "taxi_company"},
        db_index=False,  # led by driver_company_recent
    )
    vehicles = models.ManyToManyField(
        Vehicle, verbose_name=_("驾驶车辆"), through="DriverAssignment", related_name="drivers", blank=True,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("驾驶员")
        verbose_name_plural = _("驾驶员")
        ordering = ["-created_at", "id"]
        indexes = [
            # the register's order, the whole list's and a company's own (and their keyset pages)
            models.Index(fields=["-created_at", "id"], name="driver_recent"),
            models.Index(fields=["company", "-created_at", "id"], name="driver_company_recent"),
        ]

    def __str__(self) -> str:
        return self.name_masked

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_no_masked(self) -> str:
        return mask_id_no(self.id_no)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def licence_no_masked(self) -> str:
        return mask_id_no(self.licence_no)


class DriverAssignment(models.Model):
    """Which driver drives which vehicle, and since when (the company's driver–vehicle ledger)."""

    driver = models.ForeignKey(Driver, verbose_name=_("驾驶员"), on_delete=models.PROTECT, related_name="assignments")
    vehicle = models.ForeignKey(Vehicle, verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="assignments")
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人车对应")
        verbose_name_plural = _("人车对应")
        ordering = ["-started_on", "id"]
        constraints = [
            *range_constraints("assignment", dates=("started_on", "ended_on"), instants=("created_at",)),
            models.UniqueConstraint(
                fields=["driver", "vehicle"], condition=Q(ended_on__isnull=True), name="assignment_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.driver} → {self.vehicle}"


class OnboardingCheck(models.Model):
    """Rule M9: a company checks qualification and insurance before accepting a vehicle; every check is kept."""

    vehicle = models.ForeignKey(Vehicle, verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="onboarding_checks")
    company = models.ForeignKey(
        "parties.Organization", verbose_name=_("出租汽车企业/平台"), on_delete=models.PROTECT,
        related_name="onboarding_checks",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("核查时间"), db_index=True)
    query = models.CharField(_("查询号码"), max_length=40, blank=True, help_text=_("输入的号牌号码或 VIN"))
    passed = models.BooleanField(_("通过"))
    reasons = models.JSONField(_("不通过原因"), default=list, blank=True, help_text=_("[{code, message}]"))
    verification = models.JSONField(_("保险核验结果"), default=dict, blank=True)

    class Meta:
        constraints = range_constraints("onboarding", instants=("checked_at",))
        verbose_name = _("上线核查")
        verbose_name_plural = _("上线核查")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["vehicle", "company", "-checked_at"], name="onboarding_latest")]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.checked_at:%Y-%m-%d %H:%M} {'✓' if self.passed else '✗'}"
