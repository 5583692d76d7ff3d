from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only record of every state change and every reveal of personal data.

    The database itself refuses UPDATE and DELETE on this table (trigger in migration 0002), so not even a
    bug or an administrator with a SQL prompt through the application role can rewrite history.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    system_job = models.CharField(
        _("系统作业"), max_length=80, blank=True,
        help_text=_("由平台自身（定时任务、数据交换、管理命令）执行时的作业名；此时操作人为空"),
    )
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
