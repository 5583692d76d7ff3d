"""Settings of the dashboard app: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

| name | meaning |
|---|---|
| DASHBOARD_DEFAULT_MONTHS | months shown by the charts when no period is chosen (the current month and the ones before) |
| DASHBOARD_MAX_MONTHS | longest period a chart or its CSV may cover |
| DASHBOARD_REPORT_FIRST_MONTH | first month of the joint monthly report (rule M18: in force from 2026-04-30) |
| DASHBOARD_DUE_SOON_DAYS | "due within N days" on the home page |
| DASHBOARD_REPORT_ANNOUNCE_SECONDS | how often Celery beat checks whether last month's joint report is to be announced (at least 60; the beat schedule in settings) |
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def default_months() -> int:
    return max(1, int(settings.DASHBOARD_DEFAULT_MONTHS))


def max_months() -> int:
    return max(1, int(settings.DASHBOARD_MAX_MONTHS))


def report_first_month() -> dt.date:
    year, month = str(settings.DASHBOARD_REPORT_FIRST_MONTH).split("-")
    return dt.date(int(year), int(month), 1)


def due_soon_days() -> int:
    return max(1, int(settings.DASHBOARD_DUE_SOON_DAYS))
