"""The instant every test runs at (see "How tests treat time" in docs/testing.md).

The whole test process starts at ``NOW`` and its clock runs from there (time-machine, ``tick=True``), whatever the
machine's date is. A test that needs another instant travels there itself (``time_machine.travel(at)``); a test
whose work is done by another process (a Celery worker subprocess, ``manage.py`` in a subprocess, the offline
verifier) cannot share this clock: it is marked ``real_clock``, runs at the machine's time and builds its data
relative to ``timezone.now()``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A Wednesday and a working day, 10:00 in Liuzhou, mid-month, in a year the holiday package knows.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
