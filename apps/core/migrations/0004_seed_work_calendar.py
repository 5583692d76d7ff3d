"""Seed the working-day calendar from the chinesecalendar package for every year it knows."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    from apps.core.calendar import _holiday_label

    Year = apps.get_model("core", "WorkCalendarYear")
    Day = apps.get_model("core", "WorkCalendarDay")
    for year in range(2004, 2100):
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            if year > 2020:
                break
            continue
        rows, day = [], dt.date(year, 1, 1)
        while day.year == year:
            try:
                workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if workday != (day.weekday() < 5):
                _on, name = chinese_calendar.get_holiday_detail(day)
                rows.append(Day(date=day, is_workday=workday, name=_holiday_label(name) + ("调休上班" if workday else "")))
            day += dt.timedelta(days=1)
        Day.objects.bulk_create(rows, ignore_conflicts=True)
        Year.objects.get_or_create(year=year, defaults={"source": "chinesecalendar", "note": "chinesecalendar"})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
