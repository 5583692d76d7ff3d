"""Ride-hailing supervision data as the platform keeps it (docs/ridehailing.md; rules M5, M6, M9).

* ``Feed``: who sends (the city's forward of the national exchange platform, or one platform company's own
  system), authenticated by the API key of its system account (``apps.parties.ApiKey``).
* ``PlatformCompany``: the national ``CompanyId`` register, each tied to the taxi company (organisation) it is.
* ``Delivery`` / ``DeliveryRecord``: each request or imported file, with the result of every record.
* ``CompanyVersion``, ``VehicleVersion``, ``VehicleInsuranceVersion``, ``DriverVersion``: the A.4 base records as
  versions (``Flag`` / ``UpdateTime``), with the feed and delivery they came from; personal fields encrypted with a
  blind index, as the registers keep them.
* ``OperatingRecord``: the A.6 events, raw, in a table partitioned by day (created by migration 0002, partitions on
  demand, dropped after ``RIDEHAILING_RAW_RETENTION_DAYS``); ``OperatingOrder``: each order's vehicle, day and
  kilometres, kept from those events; ``VehicleDay``: the aggregate per vehicle and day.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import BlindIndexField, EncryptedTextField, mask_id_no, mask_name, mask_phone


class Interface(models.TextChoices):
    """The interface names of the national technical requirements (A.4 base data, A.6 operating data)."""

    COMPANY = "baseInfoCompany", _("网约车平台公司基本信息")
    VEHICLE = "baseInfoVehicle", _("车辆基本信息")
    VEHICLE_INSURANCE = "baseInfoVehicleInsurance", _("车辆保险信息")
    DRIVER = "baseInfoDriver", _("驾驶员基本信息")
    LOGIN = "operateLogin", _("车辆经营上线")
    LOGOUT = "operateLogout", _("车辆经营下线")
    DEPART = "operateDepart", _("经营出发")
    ARRIVE = "operateArrive", _("经营到达")
    PAY = "operatePay", _("经营支付")


BASE_INTERFACES = (Interface.COMPANY, Interface.VEHICLE, Interface.VEHICLE_INSURANCE, Interface.DRIVER)
OPERATING_INTERFACES = (Interface.LOGIN, Interface.LOGOUT, Interface.DEPART, Interface.ARRIVE, Interface.PAY)


class Outcome(models.TextChoices):
    ADDED = "added", _("新增")
    UPDATED = "updated", _("更新")
    DELETED = "deleted", _("删除")
    UNCHANGED = "unchanged", _("重复报送，未变化")
    SUPERSEDED = "superseded", _("早于现有版本，留作历史版本")
    STORED = "stored", _("已接收")
    DUPLICATE = "duplicate", _("重复报送，已接收过")
    REJECTED = "rejected", _("拒收")


class Feed(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("部级平台转发（全市）")
        COMPANY = "company", _("平台公司直连")

    name = models.CharField(_("名称"), max_length=80, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("接入单位"), on_delete=models.PROTECT, related_name="ridehailing_feeds",
        help_text=_("平台公司直连：该出租汽车企业/平台；部级平台转发：交通运输局"),
    )
    account = models.OneToOneField(
        "parties.User", verbose_name=_("系统账号"), on_delete=models.PROTECT, related_name="ridehailing_feed",
        help_text=_("以该账号的 API 密钥报送"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网约车数据接入方")
        verbose_name_plural = _("网约车数据接入方")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlatformCompany(models.Model):
    """A national ``CompanyId`` and the taxi company (organisation) it is."""

    company_id = models.CharField(_("公司标识（CompanyId）"), max_length=32, unique=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("出租汽车企业/平台"), on_delete=models.PROTECT,
        related_name="ridehailing_companies", limit_choices_to={"kind": "taxi_company"},
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网约车平台公司标识")
        verbose_name_plural = _("网约车平台公司标识")
        ordering = ["company_id"]

    def __str__(self) -> str:
        return self.company_id


class Delivery(models.Model):
    class Source(models.TextChoices):
        API = "api", _("接口")
        FILE = "file", _("文件导入")

    number = models.CharField(_("报送编号"), max_length=32, unique=True)
    feed = models.ForeignKey(Feed, verbose_name=_("接入方"), on_delete=models.PROTECT, related_name="deliveries")
    interface = models.CharField(_("接口"), max_length=30, choices=Interface.choices)
    source = models.CharField(_("方式"), max_length=10, choices=Source.choices, default=Source.API)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("接收时间"), db_index=True)
    total = models.PositiveIntegerField(_("记录数"), default=0)
    stored = models.PositiveIntegerField(_("已保存"), default=0)
    unchanged = models.PositiveIntegerField(_("重复未变化"), default=0)
    superseded = models.PositiveIntegerField(_("历史版本"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)

    class Meta:
        verbose_name = _("网约车数据报送")
        verbose_name_plural = _("网约车数据报送")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DeliveryRecord(models.Model):
    """The result of one record of a delivery (every base record; rejected and repeated operating records)."""

    delivery = models.ForeignKey(Delivery, verbose_name=_("报送"), on_delete=models.CASCADE, related_name="records")
    index = models.PositiveIntegerField(_("序号"))
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    company_code = models.CharField(_("公司标识（CompanyId）"), max_length=64, blank=True)
    key = models.CharField(_("记录"), max_length=120, blank=True, help_text=_("号牌、订单号或公司标识；不含个人信息"))
    errors = models.JSONField(_("错误"), default=list, blank=True)
    ignored = models.JSONField(_("未保存的字段"), default=list, blank=True)

    class Meta:
        verbose_name = _("报送记录结果")
        verbose_name_plural = _("报送记录结果")
        ordering = ["delivery", "index"]
        constraints = [models.UniqueConstraint(fields=["delivery", "index"], name="ridehailing_record_index")]

    def __str__(self) -> str:
        return f"{self.delivery} {self.index + 1}"


class BaseVersion(models.Model):
    """One version of an A.4 base record. ``record_key`` identifies the record within its company; of the versions
    of one record, at most one is current (the newest ``UpdateTime``); ``deleted`` is ``Flag`` 3."""

    company = models.ForeignKey(PlatformCompany, verbose_name=_("公司标识"), on_delete=models.PROTECT, related_name="+")
    record_key = models.CharField(_("记录标识"), max_length=200)
    flag = models.PositiveSmallIntegerField(_("操作标识（Flag）"))
    update_time = models.DateTimeField(_("更新时间（UpdateTime）"))
    state = models.PositiveSmallIntegerField(_("状态（State）"), null=True, blank=True)
    is_current = models.BooleanField(_("当前版本"), default=True)
    deleted = models.BooleanField(_("已删除"), default=False)
    digest = models.CharField(max_length=64, editable=False)
    data = models.JSONField(_("字段"), default=dict, help_text=_("接口字段（个人信息字段除外）"))
    feed = models.ForeignKey(Feed, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey(Delivery, verbose_name=_("报送"), on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("接收时间"))

    class Meta:
        abstract = True
        ordering = ["company", "record_key", "-update_time", "-id"]

    def __str__(self) -> str:
        return f"{self.company} {self.update_time:%Y%m%d%H%M%S}"

    @classmethod
    def versioned_constraints(cls, prefix: str) -> list:
        return [
            models.UniqueConstraint(fields=["company", "record_key"], condition=Q(is_current=True),
                                    name=f"{prefix}_one_current"),
            models.UniqueConstraint(fields=["company", "record_key", "digest"], name=f"{prefix}_digest"),
        ]


class CompanyVersion(BaseVersion):
    identifier = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    legal_name = EncryptedTextField(_("法人代表姓名"), blank=True)
    legal_name_bidx = BlindIndexField("legal_name")
    legal_id = EncryptedTextField(_("法人代表身份证号"), blank=True)
    legal_id_bidx = BlindIndexField("legal_id")
    legal_phone = EncryptedTextField(_("法人代表电话"), blank=True)
    legal_phone_bidx = BlindIndexField("legal_phone")

    class Meta(BaseVersion.Meta):
        verbose_name = _("平台公司基本信息版本")
        verbose_name_plural = _("平台公司基本信息版本")
        constraints = BaseVersion.versioned_constraints("rh_company")
        indexes = [models.Index(fields=["company", "record_key", "is_current"], name="rh_company_current")]


class VehicleVersion(BaseVersion):
    vehicle_no = models.CharField(_("车辆号牌"), max_length=8, db_index=True)
    vin = models.CharField(_("车辆识别代号"), max_length=17, db_index=True)
    certificate = models.CharField(_("运输证字号"), max_length=64, blank=True)
    trans_date_start = models.DateField(_("运输证有效期起"), null=True, blank=True)
    trans_date_stop = models.DateField(_("运输证有效期止"), null=True, blank=True)
    owner_name = EncryptedTextField(_("车辆所有人"), blank=True)
    owner_name_bidx = BlindIndexField("owner_name")

    class Meta(BaseVersion.Meta):
        verbose_name = _("车辆基本信息版本")
        verbose_name_plural = _("车辆基本信息版本")
        constraints = BaseVersion.versioned_constraints("rh_vehicle")
        indexes = [models.Index(fields=["company", "record_key", "is_current"], name="rh_vehicle_current")]

    @property
    def owner_name_masked(self) -> str:
        return mask_name(self.owner_name)


class VehicleInsuranceVersion(BaseVersion):
    vehicle_no = models.CharField(_("车辆号牌"), max_length=8, db_index=True)
    insur_num = models.CharField(_("保险单号"), max_length=64)
    insur_eff = models.DateField(_("保险生效时间"), null=True, blank=True)
    insur_exp = models.DateField(_("保险到期时间"), null=True, blank=True)

    class Meta(BaseVersion.Meta):
        verbose_name = _("车辆保险信息版本")
        verbose_name_plural = _("车辆保险信息版本")
        constraints = BaseVersion.versioned_constraints("rh_insurance")
        indexes = [models.Index(fields=["company", "record_key", "is_current"], name="rh_insurance_current")]


class DriverVersion(BaseVersion):
    driver_name = EncryptedTextField(_("驾驶员姓名"))
    driver_name_bidx = BlindIndexField("driver_name")
    driver_phone = EncryptedTextField(_("驾驶员手机号"), blank=True)
    driver_phone_bidx = BlindIndexField("driver_phone")
    license_id = EncryptedTextField(_("机动车驾驶证号"))
    license_id_bidx = BlindIndexField("license_id")
    certificate_no = models.CharField(_("网约车驾驶员资格证号"), max_length=64, blank=True)

    class Meta(BaseVersion.Meta):
        verbose_name = _("驾驶员基本信息版本")
        verbose_name_plural = _("驾驶员基本信息版本")
        constraints = BaseVersion.versioned_constraints("rh_driver")
        indexes = [models.Index(fields=["company", "record_key", "is_current"], name="rh_driver_current")]

    @property
    def driver_name_masked(self) -> str:
        return mask_name(self.driver_name)

    @property
    def driver_phone_masked(self) -> str:
        return mask_phone(self.driver_phone)

    @property
    def license_id_masked(self) -> str:
        return mask_id_no(self.license_id)


class OperatingRecord(models.Model):
    """One A.6 event, raw. The table is partitioned by ``day`` (RANGE, one partition per Beijing day; migration
    0002 creates it, ``partitions.ensure`` adds partitions, ``partitions.drop_expired`` drops old ones). Not managed
    by Django; no foreign keys, so dropping a day is one ``DROP TABLE``. ``(interface, company, dedup_key, day)``
    is unique: a redelivered event is not stored twice. An arrival carries no plate: its ``vehicle_no`` is its
    order's (the departure's, else the payment's), set when the order is known (``partitions``)."""

    id = models.BigIntegerField(primary_key=True)
    day = models.DateField(_("日期"))
    interface = models.CharField(_("接口"), max_length=30, choices=Interface.choices)
    company = models.ForeignKey(PlatformCompany, verbose_name=_("公司标识"), on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="+")
    feed = models.ForeignKey(Feed, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    dedup_key = models.CharField(max_length=200)
    vehicle_no = models.CharField(_("车辆号牌"), max_length=8, blank=True)
    order_id = models.CharField(_("订单号"), max_length=64, blank=True)
    license_id = EncryptedTextField(_("机动车驾驶证号"), blank=True)
    license_bidx = models.CharField(max_length=64, blank=True)
    event_time = models.DateTimeField(_("时间"))
    longitude = models.IntegerField(null=True)
    latitude = models.IntegerField(null=True)
    encrypt = models.SmallIntegerField(null=True)
    drive_mile = models.DecimalField(_("载客里程（公里）"), max_digits=12, decimal_places=3, null=True)
    drive_time = models.IntegerField(_("载客时间（秒）"), null=True)
    fact_price = models.DecimalField(_("实收金额"), max_digits=12, decimal_places=2, null=True)
    on_area = models.CharField(_("上车地行政区划代码"), max_length=6, blank=True)
    data = models.JSONField(default=dict)
    received_at = models.DateTimeField(_("接收时间"))

    # manage.py rotate_personal_data_keys re-encrypts its LicenseId values though Django does not manage the table
    rotate_personal_data = True

    class Meta:
        managed = False
        db_table = "ridehailing_operatingrecord"
        verbose_name = _("网约车经营数据")
        verbose_name_plural = _("网约车经营数据")
        ordering = ["day", "event_time", "id"]

    def __str__(self) -> str:
        return f"{self.interface} {self.order_id or self.vehicle_no}"


class OperatingOrder(models.Model):
    """One order (``CompanyId`` + ``OrderId``) as its operating records describe it, kept by each delivery
    (``partitions``) so that the vehicle-day aggregate finds an order's vehicle, day and kilometres with one index
    probe instead of one per day partition. The order counts on the vehicle and day of its earliest departure, else of
    its earliest payment (``vehicle_no`` / ``day``, empty / null while only its arrival is known); its kilometres are
    its arrivals' ``DriveMile``, else its payments'. Deleted with the raw records of its last day (retention)."""

    company = models.ForeignKey(PlatformCompany, verbose_name=_("公司标识"), on_delete=models.PROTECT, related_name="+",
                                db_index=False)  # the unique (company, order_id) index serves it
    order_id = models.CharField(_("订单号"), max_length=64)
    dep_vehicle = models.CharField(max_length=8, blank=True)
    dep_day = models.DateField(null=True)
    pay_vehicle = models.CharField(max_length=8, blank=True)
    pay_day = models.DateField(null=True)
    vehicle_no = models.GeneratedField(
        expression=Case(When(dep_day__isnull=False, then=F("dep_vehicle")), default=F("pay_vehicle")),
        output_field=models.CharField(max_length=8), db_persist=True, verbose_name=_("车辆号牌"))
    day = models.GeneratedField(expression=Coalesce(F("dep_day"), F("pay_day")), output_field=models.DateField(),
                                db_persist=True, verbose_name=_("日期"))
    arrive_km = models.DecimalField(max_digits=12, decimal_places=3, null=True)
    pay_km = models.DecimalField(max_digits=12, decimal_places=3, null=True)
    arrived = models.BooleanField(default=False)
    last_day = models.DateField()

    class Meta:
        verbose_name = _("网约车订单")
        verbose_name_plural = _("网约车订单")
        constraints = [models.UniqueConstraint(fields=["company", "order_id"], name="rh_order_key")]
        indexes = [models.Index(fields=["company", "vehicle_no", "day"], name="rh_order_vehicle_day"),
                   models.Index(fields=["last_day"], name="rh_order_last_day")]

    def __str__(self) -> str:
        return self.order_id


class VehicleDay(models.Model):
    """Per vehicle and Beijing day, recomputed from the raw records each time a delivery touches it."""

    company = models.ForeignKey(PlatformCompany, verbose_name=_("公司标识"), on_delete=models.PROTECT, related_name="+")
    vehicle_no = models.CharField(_("车辆号牌"), max_length=8)
    day = models.DateField(_("日期"))
    trips = models.PositiveIntegerField(_("订单数"), default=0)
    passenger_km = models.DecimalField(_("载客里程（公里）"), max_digits=16, decimal_places=3, default=0)
    first_seen = models.DateTimeField(_("首次出现"), null=True)
    last_seen = models.DateTimeField(_("最后出现"), null=True)
    areas = ArrayField(models.CharField(max_length=6), verbose_name=_("上车地区"), default=list, blank=True)
    records = models.PositiveIntegerField(_("经营数据条数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("车辆日经营汇总")
        verbose_name_plural = _("车辆日经营汇总")
        ordering = ["-day", "vehicle_no"]
        constraints = [models.UniqueConstraint(fields=["company", "vehicle_no", "day"], name="rh_vehicleday_key")]
        indexes = [models.Index(fields=["vehicle_no", "day"], name="rh_vehicleday_vehicle")]

    def __str__(self) -> str:
        return f"{self.vehicle_no} {self.day:%Y%m%d}"
