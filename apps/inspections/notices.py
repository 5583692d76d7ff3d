"""The written notice (通报) of the problems a joint inspection found (rule M17), rendered like the rescission
notices (apps/rescissions/notices.py): one Django template renders the printable HTML page and, through
WeasyPrint, the PDF stored with the notice as issued, with its number (TB…) and the issuing association.

The notice names organisations only (the inspected insurer or company, the issuing association): no personal
data, so the PDF is stored as it is; it is served only to the notice's audience, checked against its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.template.loader import render_to_string
from django.utils import timezone

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE = "inspections/notices/notice.html"
MECHANISM = "《柳州市客运车辆保险协同监管工作机制》（柳交执〔2026〕39号）"


def notice_context(notice, *, issued_on: dt.date | None = None) -> dict:
    inspection = notice.inspection
    participants = sorted(inspection.participants.all(), key=lambda o: (o.pk != inspection.organizer_id, o.name))
    return {
        "title": "关于联合检查发现问题的通报",
        "doc_no": notice.number,
        "inspection_no": inspection.number,
        "issuer": notice.issued_by.name,
        "party": notice.party.name,
        "participants": "、".join(o.name for o in participants),
        "planned_start": inspection.planned_start,
        "planned_end": inspection.planned_end,
        "inspected_on": notice.finding.inspected_on,
        "scope": inspection.scope,
        "problems": notice.problems,
        "requirement": notice.requirement,
        "days": notice.rectification_days,
        "mechanism": MECHANISM,
        "issued_on": issued_on or timezone.localdate(notice.issued_at),
    }


def render_html(notice, *, for_pdf: bool = False, extra: dict | None = None) -> str:
    return render_to_string(TEMPLATE, {**notice_context(notice), "for_pdf": for_pdf, **(extra or {})})


def render_pdf(notice, *, footer_text: str = "") -> bytes:
    from weasyprint import HTML  # imported lazily: loading pango/cairo costs ~0.3 s

    return HTML(string=render_html(notice, for_pdf=True, extra={"footer_text": footer_text})).write_pdf()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
