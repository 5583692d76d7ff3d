"""Formal documents a party issues through the platform (a supervisory decision, a claim refusal notice), rendered
from a Django template to PDF with WeasyPrint, like the 附件 notices of the rescission cases.

The issuing party is the one named in the document; the footer may say where the document was generated (the
platform), never that the platform issued it."""

from __future__ import annotations

import logging
from io import BytesIO

from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def generated_footer(issuer: str, doc_no: str) -> str:
    """The footer line: who issued it, its number, and where it was generated (not who issued it)."""
    return _("%(issuer)s出具 · 文书编号 %(no)s · 本文书经柳州市客运车辆保险联合监管平台生成") % {
        "issuer": issuer, "no": doc_no}


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported lazily: loading pango/cairo costs ~0.3 s

    return HTML(string=render_to_string(template, context)).write_pdf()


def pdf_response(content: bytes, filename: str) -> FileResponse:
    return FileResponse(BytesIO(content), content_type="application/pdf", filename=filename)
