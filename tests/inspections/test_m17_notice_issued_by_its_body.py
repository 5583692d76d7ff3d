"""A joint-inspection notice (通报, rule M17) is issued by the body that issues it, not by the platform: its PDF
footer names the issuing association and says the platform only generated the document."""

import io

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def test_m17_notice_pdf_names_its_issuer_not_the_platform(parties, notice):
    notice.file.open("rb")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice.file.read())).pages)
    notice.file.close()
    compact = "".join(text.split())
    assert f"{notice.issued_by.name}出具" in compact and notice.number in compact
    assert "平台出具" not in compact and "监管平台生成" in compact
