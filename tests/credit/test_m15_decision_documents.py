"""The formal decision documents of rule M15 (柳交执〔2026〕39号 四（五）): a 责令整改 or 暂停网约车保险业务 decision is a PDF
with its number (the issuer's 文号, or the next of its yearly sequence when none was typed), the issuing body, the
addressee, the facts and ground, the legal basis, the measure and its period — to the audience of the measure's
page only; a self-discipline measure has none."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.credit.services import decision_number_format, supervisory_action_issue

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace("\n", "")


def _order(parties, **kw):
    values = {"kind": "rectification_order", "ground": "unlawful_refusal",
              "facts": "对取得网约车运输证的营运车辆以风险较高为由拒绝承保交强险", "requirement": "对被拒保车辆重新核保承保",
              "starts_on": timezone.localdate(), "ends_on": timezone.localdate() + dt.timedelta(days=30), **kw}
    return supervisory_action_issue(actor=parties.regulator_user, target=parties.insurer_a, **values)


def test_m15_orders_without_a_reference_get_consecutive_numbers_of_the_issuers_year(parties):
    year = timezone.localdate().year
    first, second = _order(parties), _order(parties)
    assert first.reference_no == f"柳金监责改〔{year}〕1号"
    assert second.reference_no == f"柳金监责改〔{year}〕2号"
    suspension = _order(parties, kind="business_suspension", ground="invented_claim_conditions", ends_on=None)
    assert suspension.reference_no == f"柳金监暂停〔{year}〕1号"  # each kind its own sequence
    typed = _order(parties, reference_no="柳金监发〔2026〕12号")
    assert typed.reference_no == "柳金监发〔2026〕12号" and typed.decision_seq is None


def test_m15_a_number_already_typed_as_a_reference_is_skipped(parties):
    year = timezone.localdate().year
    _order(parties, reference_no=decision_number_format(issuer_kind="regulator", kind="rectification_order",
                                                        year=year, seq=1))
    assert _order(parties).reference_no == f"柳金监责改〔{year}〕2号"


def test_m15_rectification_order_document_names_number_issuer_addressee_basis_and_period(client, parties):
    action = _order(parties)
    client.force_login(parties.insurer_a_user)
    page = client.get(reverse("credit:action", args=[action.pk]))
    url = reverse("credit:action_decision_pdf", args=[action.pk])
    assert url in page.content.decode()
    text = _text(client.get(url))
    start, end = action.starts_on, action.ends_on
    for expected in ("责令整改通知书", action.reference_no, parties.regulator.name, f"{parties.insurer_a.name}：",
                     "拒绝承保交强险", "违规拒保", "柳交执〔2026〕39号", "责令你公司整改", "对被拒保车辆重新核保承保",
                     f"自{start.year}年{start.month}月{start.day}日起至{end.year}年{end.month}月{end.day}日止"):
        assert expected in text, expected
    # issued by the regulator; the platform only generated it
    assert "平台出具" not in text and "经柳州市客运车辆保险联合监管平台生成" in text


def test_m15_suspension_document_states_the_measure_and_an_open_ended_period(client, parties):
    action = _order(parties, kind="business_suspension", ground="invented_claim_conditions", ends_on=None,
                    facts="多次违规设置理赔条件，情节严重")
    client.force_login(parties.regulator_user)
    text = _text(client.get(reverse("credit:action_decision_pdf", args=[action.pk])))
    for expected in ("暂停网约车保险业务决定书", action.reference_no, parties.regulator.name, parties.insurer_a.name,
                     "暂停你公司网约车保险业务经营资格", "不得承保新的网约车保险业务", "本分局决定解除暂停之日止",
                     "违规设置理赔条件、拖赔惜赔", "行政复议"):
        assert expected in text, expected


def test_m15_transport_order_to_a_company_cites_point_one_and_is_numbered_by_transport(client, parties):
    action = supervisory_action_issue(
        actor=parties.transport_user, target=parties.company_a, kind="rectification_order",
        ground="unpermitted_vehicle_online", facts="允许无网约车运输证车辆上线运营", starts_on=timezone.localdate())
    assert action.reference_no.startswith("柳交运责改〔")
    client.force_login(parties.company_a_user)
    text = _text(client.get(reverse("credit:action_decision_pdf", args=[action.pk])))
    for expected in (parties.transport.name, parties.company_a.name, "第（五）项第1点", "责令你单位整改", "本局"):
        assert expected in text, expected


def test_m15_decision_document_only_for_the_measures_audience_and_kinds(client, parties):
    action = _order(parties)
    url = reverse("credit:action_decision_pdf", args=[action.pk])
    for user in (parties.insurer_b_user, parties.company_a_user, parties.taxi_assoc_user):
        client.force_login(user)
        assert client.get(url).status_code == 404, user  # outside the page's audience: as if it did not exist
        assert client.get(reverse("credit:action", args=[action.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    other = supervisory_action_issue(actor=parties.taxi_assoc_user, target=parties.company_a, kind="self_discipline",
                                     ground="ledger_failure", facts="台账不全", starts_on=timezone.localdate())
    client.force_login(parties.taxi_assoc_user)
    assert client.get(reverse("credit:action", args=[other.pk])).status_code == 200
    assert client.get(reverse("credit:action_decision_pdf", args=[other.pk])).status_code == 404
    assert b"action-decision-pdf" not in client.get(reverse("credit:action", args=[other.pk])).content
