from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.validators import range_constraints

NATIONAL = "000000"
"""The national layer of the calendar (GB/T 2260 codes name the region and city layers, e.g. 450000, 450200)."""


class WorkCalendarYear(models.Model):
    """A year's published arrangement for one layer of the calendar: national, a region, or a city.

    The layer's holidays and 调休 working weekend days of that year are its ``WorkCalendarDay`` rows. A year
    without a row here is computed from the statutory holidays and marked provisional (apps/core/calendar.py).
    """

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 软件包")
        MANUAL = "manual", _("管理员录入")

    region = models.CharField(
        _("日历层级"), max_length=6, default=NATIONAL,
        help_text=_("000000 为全国；地方层级用 GB/T 2260 行政区划代码，如 450000 广西壮族自治区、450200 柳州市。"),
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("安排的出处，例如发文机关和文号。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历年度安排")
        verbose_name_plural = _("工作日历年度安排")
        ordering = ["region", "year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="calendar_year_one_per_layer")]

    def __str__(self) -> str:
        return f"{self.year} ({self.region})" if self.region != NATIONAL else str(self.year)


class WorkCalendarDay(models.Model):
    """A day of a layer's arrangement: a holiday (a weekday off, or a weekend day inside the holiday) or a 调休
    working weekend day. Entered through the year's form in the admin, never one by one."""

    region = models.CharField(_("日历层级"), max_length=6, default=NATIONAL)
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("例如：国庆节、国庆节调休上班"))

    class Meta:
        constraints = [
            *range_constraints("calendar_day", dates=("date",)),
            models.UniqueConstraint(fields=["region", "date"], name="calendar_day_one_per_layer"),
        ]
        verbose_name = _("工作日历例外日")
        verbose_name_plural = _("工作日历例外日")
        ordering = ["region", "date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"
