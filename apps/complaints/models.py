"""Public reports to hotlines 12328 (transport) and 12378 (insurance consumers), rule M16.

Lifecycle: received → routed → verifying → resolved → feedback_given, each step an append-only
``ComplaintEvent``. The reporter's contact details are personal data: encrypted, blind-indexed, masked on screen,
revealed only to the handling officer (audited). The reporter follows the case with a tracking number and a
secret code of which only a hash is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.crypto import BlindIndexField, EncryptedTextField, mask_name, mask_phone
from apps.core.deadlines import deadline_for
from apps.core.notifications import shown
from apps.core.validators import range_constraints

from . import conf


class Hotline(models.TextChoices):
    TRANSPORT = "12328", _("12328 交通运输服务监督热线")
    INSURANCE = "12378", _("12378 银行保险消费者投诉维权热线")


class Category(models.TextChoices):
    # 12328 (rule M16: non-operating vehicles carrying passengers for pay)
    PRIVATE_CAR_CARRYING = "private_car_carrying", _("私家车（非营运车辆）载客收费")
    # 12378 (operating vehicles not properly insured; insurers' claim violations)
    OPERATING_NOT_INSURED = "operating_not_insured", _("营运车辆未按营运性质投保或未投保")
    CLAIM_MISCONDUCT = "claim_misconduct", _("保险公司理赔违规（拖赔、惜赔、无理拒赔等）")
    UNLAWFUL_REFUSAL = "unlawful_refusal", _("保险公司违规拒保")


HOTLINE_CATEGORIES = {
    Hotline.TRANSPORT: [Category.PRIVATE_CAR_CARRYING],
    Hotline.INSURANCE: [Category.OPERATING_NOT_INSURED, Category.CLAIM_MISCONDUCT, Category.UNLAWFUL_REFUSAL],
}


class Channel(models.TextChoices):
    WEB = "web", _("网上举报")
    TELEPHONE = "telephone", _("电话登记")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ROUTED = "routed", _("已分办")
    VERIFYING = "verifying", _("核查中")
    RESOLVED = "resolved", _("已办结")
    FEEDBACK_GIVEN = "feedback_given", _("已反馈")


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("属实")
    PARTLY = "partly", _("部分属实")
    UNSUBSTANTIATED = "unsubstantiated", _("不属实")
    OUT_OF_SCOPE = "out_of_scope", _("不属于受理范围")


class Complaint(models.Model):
    hotline = models.CharField(_("热线"), max_length=5, choices=Hotline.choices, db_index=True)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    tracking_no = models.CharField(_("受理编号"), max_length=20, unique=True)
    code_hash = models.CharField(max_length=128, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED,
                              db_index=True)
    # what the report is about: a plate, a taxi company or an insurer (at least one)
    plate = models.CharField(_("号牌号码"), max_length=8, blank=True, db_index=True)
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints")
    company = models.ForeignKey("parties.Organization", verbose_name=_("出租汽车企业/平台"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints_about_company",
                                limit_choices_to={"kind": "taxi_company"})
    insurer = models.ForeignKey("parties.Organization", verbose_name=_("保险公司"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints_about_insurer",
                                limit_choices_to={"kind": "insurer"})
    description = models.TextField(_("情况描述"))
    occurred_at = models.DateTimeField(_("发生时间"))
    location = models.CharField(_("发生地点"), max_length=200)
    reporter_name = EncryptedTextField(_("联系人"), blank=True)
    reporter_name_bidx = BlindIndexField("reporter_name")
    reporter_phone = EncryptedTextField(_("联系电话"))
    reporter_phone_bidx = BlindIndexField("reporter_phone")
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    routed_to = models.ForeignKey("parties.Organization", verbose_name=_("承办单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="complaints_routed")
    handling_officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(_("核查结论"), max_length=20, choices=Finding.choices, blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈意见"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    lead_id = models.BigIntegerField(_("转线索编号"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["routed_to", "status", "-received_at"], name="complaint_routed_status")]
        constraints = [
            *range_constraints(
                "complaint",
                instants=("occurred_at", "received_at", "resolved_at", "feedback_at", "updated_at"),
            ),
            models.CheckConstraint(
                name="complaint_has_subject",
                condition=~models.Q(plate="") | models.Q(company__isnull=False) | models.Q(insurer__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone)

    @property
    def reporter_name_masked(self) -> str:
        return mask_name(self.reporter_name)

    @property
    def subject_label(self) -> str:
        parts = [self.plate, str(self.company or ""), str(self.insurer or "")]
        return " / ".join(p for p in parts if p)

    @cached_property
    def current_period(self) -> HandlingPeriod | None:
        """The handling period now running (12378 only, rule T4): the latest one."""
        if self.hotline != Hotline.INSURANCE:
            return None
        return self.periods.order_by("-number").first()

    @cached_property
    def feedback_deadline(self):
        """The clock the handler answers to now: a 12378 complaint's current handling period (rule T4), else the
        12328 feedback clock (rule M16). A 12378 complaint routed before handling periods existed keeps its
        feedback clock."""

        period = self.current_period
        if period is not None:
            deadline = period.deadline
            if deadline is not None:
                return deadline
        return deadline_for(rule="complaint.feedback", subject=self)


class ComplaintEvent(models.Model):
    """Append-only trail of a complaint. ``public`` events are shown to the reporter on the status page."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("受理")
        ROUTED = "routed", _("分办")
        FORWARDED = "forwarded", _("转保险公司核查")
        VERIFYING = "verifying", _("开始核查")
        NOTE = "note", _("核查记录")
        INSURER_REPLY = "insurer_reply", _("保险公司答复")
        RESOLVED = "resolved", _("办结")
        FEEDBACK = "feedback", _("反馈举报人")
        LEAD_CREATED = "lead_created", _("转为非法营运线索")
        CREDIT_RECORDED = "credit_recorded", _("记入信用档案")
        EXTENDED = "extended", _("延长处理期限")
        REHANDLING = "rehandling", _("重办")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("parties.Organization", verbose_name=_("单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    # What the platform wrote, as a message id and its parameters (apps.core.notifications.stored), shown in the
    # reader's language; empty for a note a user typed and on rows older than it (``note`` shows). Issue 16.
    note_msg = models.JSONField(blank=True, default=dict)
    public = models.BooleanField(_("对举报人公开"), default=False)

    class Meta:
        verbose_name = _("投诉举报处理记录")
        verbose_name_plural = _("投诉举报处理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"

    @property
    def display_note(self) -> str:
        """The note in the active language (a user's note as typed)."""

        return shown(self.note, self.note_msg)


class HandlingPeriod(models.Model):
    """One handling period of a 12378 complaint (rule T4; 银行业保险业消费投诉处理管理办法, 2020): 15 days from
    receipt, its own clock on the kernel table (rule ``complaint.handling``). A reporter not satisfied with the
    result may ask for re-handling (重办), which opens the next period; each period keeps its own outcome."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("首次办理")
        REHANDLING = "rehandling", _("重办")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveSmallIntegerField(_("办理次序"))
    kind = models.CharField(_("办理类型"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    starts_at = models.DateTimeField(_("起算时间"))
    request_reason = models.TextField(_("重办原因"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("重办登记人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(_("核查结论"), max_length=20, choices=Finding.choices, blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈意见"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投诉办理期")
        verbose_name_plural = _("投诉办理期")
        ordering = ["complaint", "number"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "number"], name="complaint_period_number_unique"),
            *range_constraints("complaint_period", instants=("starts_at", "resolved_at", "feedback_at",
                                                             "created_at")),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.number}"

    @cached_property
    def deadline(self):
        return deadline_for(rule="complaint.handling", subject=self)


class HandlingExtension(models.Model):
    """An extension of a handling period (rule T4): step 1 to 30 days for a complex case, step 2 by a further 30
    days with approval (``complaints.approve_extension``). Each with its reason and who approved it."""

    class Step(models.IntegerChoices):
        COMPLEX = 1, _("情况复杂，延长至 30 日")
        APPROVED = 2, _("经批准再延长 30 日")

    period = models.ForeignKey(HandlingPeriod, on_delete=models.PROTECT, related_name="extensions")
    step = models.PositiveSmallIntegerField(_("延长次序"), choices=Step.choices)
    from_days = models.PositiveSmallIntegerField(_("原期限（日）"))
    to_days = models.PositiveSmallIntegerField(_("延长后期限（日）"))
    reason = models.TextField(_("延长理由"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT,
                                    related_name="+")
    old_due_at = models.DateTimeField(_("原到期时间"))
    due_at = models.DateTimeField(_("延长后到期时间"))
    at = models.DateTimeField(_("延长时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投诉处理期限延长")
        verbose_name_plural = _("投诉处理期限延长")
        ordering = ["period", "step"]
        constraints = [
            models.UniqueConstraint(fields=["period", "step"], name="complaint_extension_step_unique"),
            models.CheckConstraint(name="complaint_extension_longer", condition=models.Q(to_days__gt=models.F("from_days"))),
        ]
        permissions = [("approve_extension", _("批准投诉处理期限再延长 30 日（规则 T4）"))]

    def __str__(self) -> str:
        return f"{self.period} +{self.step}"


@deconstructible
class PrivatePhotoStorage(FileSystemStorage):
    """Under MEDIA_ROOT/private/complaints, with no base URL: nothing serves these files publicly."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return conf.photo_root()

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):  # pragma: no cover - defensive
        raise ValueError("complaint photos have no public URL")


def _photo_path(instance, filename: str) -> str:
    return f"{instance.complaint.received_at:%Y/%m}/{instance.complaint.tracking_no}-{instance.sha256[:16]}.{instance.extension}"


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(_("照片"), upload_to=_photo_path, storage=PrivatePhotoStorage(), max_length=200)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("举报照片")
        verbose_name_plural = _("举报照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


# Object permissions through guardian's direct-foreign-key tables (DESIGN.md: never the generic ones on big
# tables): the regulator forwards a 12378 complaint to the insurer concerned, which then sees that complaint only.
class ComplaintUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Complaint, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("投诉举报用户授权")


class ComplaintGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Complaint, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("投诉举报单位授权")
