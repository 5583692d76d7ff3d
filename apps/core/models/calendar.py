from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.validators import range_constraints


class WorkCalendarYear(models.Model):
    """A year whose statutory holidays and adjusted working days (调休) are known.

    A year without a row here falls back to Monday–Friday, and the UI says so (see apps/core/calendar.py).
    """

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 软件包")
        MANUAL = "manual", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class WorkCalendarDay(models.Model):
    """An exception to Monday–Friday within a known year: a holiday on a weekday or a working weekend day."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("例如：国庆节、国庆节调休上班"))

    class Meta:
        constraints = range_constraints("calendar_day", dates=("date",))
        verbose_name = _("工作日历例外日")
        verbose_name_plural = _("工作日历例外日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"
