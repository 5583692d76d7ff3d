import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.validators import validate_uscc


class OrganizationKind(models.TextChoices):
    """The parties of rule M2, plus the platform operator that administers the system."""

    TRANSPORT = "transport", _("交通运输局")
    REGULATOR = "regulator", _("金融监管分局")
    INSURANCE_ASSOCIATION = "insurance_association", _("保险行业协会")
    TAXI_ASSOCIATION = "taxi_association", _("出租汽车行业协会")
    TAXI_COMPANY = "taxi_company", _("出租汽车企业/平台")
    INSURER = "insurer", _("保险公司")
    PLATFORM = "platform", _("平台运维")


class Role(models.TextChoices):
    """Role groups (DESIGN.md "Who uses it"); one per kind of organisation. Group names equal the values."""

    TRANSPORT_OFFICER = "transport_officer", _("交通执法人员")
    REGULATOR_STAFF = "regulator_staff", _("金融监管人员")
    INSURANCE_ASSOCIATION_STAFF = "insurance_association_staff", _("保险行业协会人员")
    TAXI_ASSOCIATION_STAFF = "taxi_association_staff", _("出租汽车行业协会人员")
    TAXI_COMPANY_STAFF = "taxi_company_staff", _("出租汽车企业人员")
    INSURER_STAFF = "insurer_staff", _("保险公司人员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


ROLE_FOR_KIND = {
    OrganizationKind.TRANSPORT: Role.TRANSPORT_OFFICER,
    OrganizationKind.REGULATOR: Role.REGULATOR_STAFF,
    OrganizationKind.INSURANCE_ASSOCIATION: Role.INSURANCE_ASSOCIATION_STAFF,
    OrganizationKind.TAXI_ASSOCIATION: Role.TAXI_ASSOCIATION_STAFF,
    OrganizationKind.TAXI_COMPANY: Role.TAXI_COMPANY_STAFF,
    OrganizationKind.INSURER: Role.INSURER_STAFF,
    OrganizationKind.PLATFORM: Role.PLATFORM_ADMIN,
}


class Organization(models.Model):
    kind = models.CharField(_("类型"), max_length=30, choices=OrganizationKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=120, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc],
        help_text=_("18 位，按 GB 32100 校验"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person (or a system account) acting for exactly one organisation."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="users", null=True,
    )
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    is_system = models.BooleanField(_("系统账号"), default=False, help_text=_("供对接系统使用 API 密钥调用"))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def kind(self) -> str | None:
        return self.organization.kind if self.organization_id else None

    @property
    def role(self) -> str | None:
        return ROLE_FOR_KIND.get(self.kind) if self.kind else None


class ApiKey(models.Model):
    """A revocable key for a system-to-system client; only its SHA-256 digest is stored.

    Format shown once at creation: ``<prefix>.<secret>``; clients send ``Authorization: Api-Key <key>``.
    """

    user = models.ForeignKey(User, verbose_name=_("系统账号"), on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 密钥")
        verbose_name_plural = _("API 密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def generate() -> tuple[str, str]:
        return secrets.token_hex(4), secrets.token_urlsafe(32)
