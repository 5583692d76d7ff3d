"""A filled but malformed value is called malformed, on its own field (not "please fill in"): the contact phone of
附件三 (rule J5)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.rescissions.forms import NoticeSendForm
from tests.rescissions.factories import days_ago, non_disclosure, open_case

pytestmark = pytest.mark.django_db

BASE = {"contact_name": "李明", "matter": "车辆用于网约车营运"}


def test_a_malformed_phone_is_called_malformed():
    form = NoticeSendForm({**BASE, "contact_phone": "请致电柳州分公司"})
    assert not form.is_valid()
    assert set(form.errors) == {"contact_phone"}
    message = form.errors["contact_phone"][0]
    assert message.startswith("联系电话格式不正确") and "请填写" not in message


def test_a_missing_phone_is_asked_for_by_name():
    form = NoticeSendForm({**BASE, "contact_phone": ""})
    assert not form.is_valid()
    assert form.errors["contact_phone"] == ["请填写联系电话。"]


def test_a_valid_phone_passes_the_form():
    form = NoticeSendForm({**BASE, "contact_phone": "0772-2881234"})
    assert form.is_valid(), form.errors


def test_the_case_page_says_which_field_is_wrong(client, parties):
    user = parties.insurer_a_user
    case = non_disclosure(open_case(parties.insurer_a, known_at=days_ago(3)), user)
    client.force_login(user)
    response = client.post(reverse("rescissions:notice-send", args=[case.pk]),
                           {**BASE, "contact_phone": "请致电柳州分公司"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("联系电话") and "格式不正确" in m for m in messages), messages
    case.refresh_from_db()
    assert case.notice_sent_at is None


def test_the_refused_phone_stays_typed_on_the_page_with_its_error_beside_it(client, parties):
    """The reported case (issue 16): the page is shown again (400, not a redirect), the typed phone is still in
    its input, the error sits beside it and the message says the phone is malformed, naming the field."""
    user = parties.insurer_a_user
    case = non_disclosure(open_case(parties.insurer_a, known_at=days_ago(3)), user)
    client.force_login(user)
    response = client.post(reverse("rescissions:notice-send", args=[case.pk]),
                           {**BASE, "contact_phone": "请致电柳州分公司"})
    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('data-testid="form-notice-send"'):]
    form = form[:form.index("</form>")]
    assert 'value="请致电柳州分公司"' in form and 'id="id_contact_phone_error"' in form
    mine = [str(m) for m in response.context["messages"] if str(m).startswith("联系电话：")]
    assert mine and all("格式不正确" in m and "请填写" not in m for m in mine), mine
    case.refresh_from_db()
    assert case.notice_sent_at is None
