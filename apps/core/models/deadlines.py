from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.validators import range_constraints


class Deadline(models.Model):
    """One clock of any kind (rescission, claim SLA, complaint feedback, sanction follow-up …).

    One table so one beat task scans every clock and one page lists what is due. ``due_at`` is derived from
    ``starts_at``, ``amount`` and ``unit`` by apps/core/deadlines.py (and recomputed when the calendar or a pause
    changes it); ``breached_at`` once set is never cleared.
    """

    class Unit(models.TextChoices):
        HOURS = "hours", _("小时（自然时间）")
        NATURAL_DAYS = "natural_days", _("自然日")
        WORKING_DAYS = "working_days", _("工作日")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        PAUSED = "paused", _("已暂停")
        MET = "met", _("按时完成")
        BREACHED = "breached", _("已超期")
        ELAPSED = "elapsed", _("期间届满")
        CANCELLED = "cancelled", _("已撤销")

    rule = models.CharField(_("规则"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    responsible = models.ForeignKey(
        "parties.Organization", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="deadlines"
    )
    unit = models.CharField(_("计时单位"), max_length=20, choices=Unit.choices)
    amount = models.PositiveIntegerField(_("时限"))
    end_of_day = models.BooleanField(_("截至当日结束"), default=True)
    starts_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"), db_index=True)
    warn_at = models.DateTimeField(_("预警时间（按时限比例）"), null=True, blank=True)
    final_warn_at = models.DateTimeField(_("预警时间（到期前固定提前量）"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警时间"), null=True, blank=True)
    final_warned_at = models.DateTimeField(_("已最终预警时间"), null=True, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    obligation = models.BooleanField(
        _("责任时限"), default=True,
        help_text=_("否：等待期（如投保人如实告知期），到期是“期间届满”而非责任单位超期。"),
    )
    roll_over = models.BooleanField(
        _("届满日遇休息日顺延"), default=True,
        help_text=_("按日计算的期间，最后一日是法定休假日的，以其后第一个工作日为最后一日（民法典第二百零三条）。"),
    )
    calendar_region = models.CharField(
        _("日历层级"), max_length=6, blank=True,
        help_text=_("责任单位所在地的行政区划代码；空为平台所在地（PLATFORM_REGION_CODE）。"),
    )
    used_fallback_calendar = models.BooleanField(
        _("暂定日历"), default=False,
        help_text=_("计算用到尚未录入放假安排的年份（按法定节假日推算），录入后自动重算。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["responsible", "status", "due_at"]),
        ]
        constraints = [
            *range_constraints(
                "deadline",
                instants=("starts_at", "due_at", "warn_at", "final_warn_at", "warned_at", "final_warned_at", "met_at", "breached_at", "paused_at", "created_at"),
            ),
            models.UniqueConstraint(fields=["rule", "content_type", "object_id"], name="deadline_one_per_rule_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.due_at:%Y-%m-%d %H:%M}"


class DeadlinePause(models.Model):
    """A period during which a clock did not run (e.g. special circumstances of a claim survey), with its reason."""

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="pauses")
    paused_at = models.DateTimeField(_("暂停时间"))
    resumed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    reason = models.TextField(_("原因"))
    # the message behind a reason the platform wrote (apps.core.notifications.stored), shown in the reader's
    # language; empty when a user typed it (issue 16)
    reason_msg = models.JSONField(blank=True, default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = range_constraints("deadline_pause", instants=("paused_at", "resumed_at"))
        verbose_name = _("时限暂停")
        verbose_name_plural = _("时限暂停")
        ordering = ["paused_at"]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.paused_at:%Y-%m-%d %H:%M}"

    @property
    def display_reason(self) -> str:
        """The reason in the active language (a typed reason as typed)."""
        from apps.core.notifications import shown

        return shown(self.reason, self.reason_msg)


class DeadlineReminder(models.Model):
    """A fixed reminder of a clock (an offset from its start in the rule's unit, e.g. day 20 of the rescission
    clock, from the rule's registration) that the scan has dealt with: each is sent at most once."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    offset = models.PositiveIntegerField(_("提醒点（自起算）"))
    sent_at = models.DateTimeField(_("提醒时间"))
    sent = models.BooleanField(
        _("已发送"), default=True,
        help_text=_("否：扫描晚于下一个提醒点才到达，这一提醒被较晚的提醒取代，不再补发。"),
    )

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        ordering = ["deadline", "offset"]
        constraints = [
            *range_constraints("deadline_reminder", instants=("sent_at",)),
            models.UniqueConstraint(fields=["deadline", "offset"], name="deadline_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} +{self.offset}"
