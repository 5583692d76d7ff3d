"""Date and date-time widgets of every form in the project.

``<input type="date">`` and ``<input type="datetime-local">`` accept only ISO values (``2026-12-02``,
``2026-12-02T09:30``). Django's own widgets render with the first input format of the active language, which in
zh-hans is ``2026/12/02``: the browser drops it and a prefilled date shows blank. These widgets always render ISO,
whatever the language; parsing still accepts the language's formats.
"""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's keyword
        super().__init__(attrs=attrs, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """A local (Asia/Shanghai) date and time to the minute."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's keyword
        super().__init__(attrs={"step": 60, **(attrs or {})}, format=format or ISO_LOCAL_DATETIME)
