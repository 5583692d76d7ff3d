"""Settings of the dashboard app (Django settings first, then the environment, then the default).

| name | default | meaning |
|---|---|---|
| DASHBOARD_DEFAULT_MONTHS | 6 | months shown by the charts when no period is chosen (the current month and the ones before) |
| DASHBOARD_MAX_MONTHS | 36 | longest period a chart or its CSV may cover |
| DASHBOARD_REPORT_FIRST_MONTH | 2026-04 | first month of the joint monthly report (rule M18: in force from 2026-04-30) |
| DASHBOARD_DUE_SOON_DAYS | 7 | "due within N days" on the home page |
| DASHBOARD_REPORT_ANNOUNCE_SECONDS | 3600 | how often Celery beat checks whether last month's joint report is to be announced |
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings


def _value(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def default_months() -> int:
    return max(1, int(_value("DASHBOARD_DEFAULT_MONTHS", 6)))


def max_months() -> int:
    return max(1, int(_value("DASHBOARD_MAX_MONTHS", 36)))


def report_first_month() -> dt.date:
    year, month = str(_value("DASHBOARD_REPORT_FIRST_MONTH", "2026-04")).split("-")
    return dt.date(int(year), int(month), 1)


def due_soon_days() -> int:
    return max(1, int(_value("DASHBOARD_DUE_SOON_DAYS", 7)))


def report_announce_seconds() -> int:
    return max(60, int(_value("DASHBOARD_REPORT_ANNOUNCE_SECONDS", 3600)))
