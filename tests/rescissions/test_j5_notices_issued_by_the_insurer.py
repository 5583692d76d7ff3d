"""The notices an insurer issues (附件三, 附件四, 附件七; rule J5) name the insurer as their issuer: the footer says where
the document was generated (the platform), never that the platform issued it."""

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from apps.rescissions import services
from apps.rescissions.notices import NoticeKind, notice_content

from .factories import days_ago, notice_through, open_case, refresh

pytestmark = pytest.mark.django_db


def _text(notice) -> str:
    content = notice_content(notice)
    assert hashlib.sha256(content).hexdigest() == notice.sha256
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace("\n", "")


def test_j5_annex_3_4_7_footers_name_the_insurer_as_issuer_not_the_platform(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    case = notice_through(case, user, sent_at=days_ago(11, 9), received_at=days_ago(10, 9))
    case = refresh(services.rescission_decide(case=case, actor=user, decision="rescinded",
                                              decided_at=timezone.now() - dt.timedelta(hours=2)))
    notices = {n.kind: n for n in case.notices.all()}
    assert set(notices) == {NoticeKind.DISCLOSURE_REQUEST, NoticeKind.RESCISSION, NoticeKind.VEHICLE_ADMIN}
    for notice in notices.values():
        text = _text(notice)
        assert "平台出具" not in text, notice.kind
        assert f"{parties.insurer_a.name}出具" in text and notice.doc_no in text, notice.kind
        assert "经柳州市客运车辆保险联合监管平台生成" in text, notice.kind
