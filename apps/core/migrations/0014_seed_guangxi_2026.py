"""Seed the Guangxi layer (GB/T 2260 code 450000) of the calendar for 2026: 壮族三月三.

Source: the autonomous region's government publishes each year's 壮族三月三 arrangement (the region's statutory
holiday of 2 days, 农历三月初三 — in 2026 Sunday 19 April — with 补休 for the days that fall on a weekend). 2026:
Friday 17 to Monday 20 April off, 4 days; no 调休 working weekend day. The row is an ordinary arrangement: the
operator can correct it in the admin ("工作日历年度安排", layer 450000, 2026), which recomputes every open clock.
"""

import datetime as dt

from django.db import migrations

GUANGXI = "450000"
NOTE = "广西壮族自治区人民政府办公厅公布的 2026 年“壮族三月三”放假安排：4 月 17 日至 20 日放假，共 4 天"


def seed(apps, schema_editor):
    Year = apps.get_model("core", "WorkCalendarYear")
    Day = apps.get_model("core", "WorkCalendarDay")
    if Year.objects.filter(region=GUANGXI, year=2026).exists():
        return
    Year.objects.create(region=GUANGXI, year=2026, source="manual", note=NOTE)
    Day.objects.bulk_create([
        Day(region=GUANGXI, date=dt.date(2026, 4, day), is_workday=False, name="壮族三月三") for day in range(17, 21)
    ])


def unseed(apps, schema_editor):
    apps.get_model("core", "WorkCalendarDay").objects.filter(region=GUANGXI, date__year=2026).delete()
    apps.get_model("core", "WorkCalendarYear").objects.filter(region=GUANGXI, year=2026).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0013_calendar_layers_roll_over")]
    operations = [migrations.RunPython(seed, unseed)]
