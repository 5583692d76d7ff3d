"""A refused action on the case page changes nothing and shows the page again with what the user typed and the
error beside the field at fault (400), instead of a redirect that loses the input (issue 16: forms)."""

from apps.rescissions.models import RescissionEvent

from .factories import days_ago, non_disclosure, open_case, refresh


def test_invalid_notice_send_keeps_the_typed_values_and_names_the_field(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    non_disclosure(case, parties.insurer_a_user)
    events_before = RescissionEvent.objects.filter(case=case).count()
    client.force_login(parties.insurer_a_user)
    response = client.post(f"/rescissions/{case.pk}/notice-send/", {
        "sent_at": "not a time", "contact_name": "李明", "contact_phone": "0772-2881234",
        "matter": "车辆实际从事网约车营运（保留的输入）", "applied_on": "2026-05-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "车辆实际从事网约车营运（保留的输入）" in html and 'value="李明"' in html
    assert 'value="0772-2881234"' in html
    form = html[html.index('data-testid="form-notice-send"'):]
    form = form[:form.index("</form>")]
    assert 'class="errorlist' in form  # the error sits in the form, beside its field
    assert RescissionEvent.objects.filter(case=case).count() == events_before


def test_refused_decision_keeps_the_reason_and_shows_the_service_message_in_its_form(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(2, 9))
    non_disclosure(case, parties.insurer_a_user)
    client.force_login(parties.insurer_a_user)
    status_before = refresh(case).status
    # conditions_not_met needs a reason: an empty one is refused by the service, beside the reason field
    response = client.post(f"/rescissions/{case.pk}/decide/", {
        "decision": "conditions_not_met", "decided_at": "", "reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index('data-testid="form-conditions-not-met"'):]
    block = block[:block.index("</details>")]
    assert block.startswith('data-testid="form-conditions-not-met" open')
    assert "请写明不符合法定或约定解除条件的理由" in block
    # a time that is not one: the form refuses it, the typed reason stays in the textarea of this decision only
    response = client.post(f"/rescissions/{case.pk}/decide/", {
        "decision": "conditions_not_met", "decided_at": "yesterday", "reason": "车辆已过户（保留的理由）"})
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index('data-testid="form-conditions-not-met"'):]
    block = block[:block.index("</details>")]
    assert ">车辆已过户（保留的理由）</textarea>" in block and 'id="id_decided_at_error"' in block
    assert html.count("车辆已过户（保留的理由）") == 1  # not copied into the other decisions' forms
    assert refresh(case).status == status_before


def test_path_form_error_reopens_the_form_with_the_chosen_values(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(5, 9))
    client.force_login(parties.insurer_a_user)
    response = client.post(f"/rescissions/{case.pk}/path/", {
        "path": "non_disclosure", "operating_since": "2026-13-45", "fault": "gross_negligence",
        "basis": "处罚决定书载明投保前已营运（保留）", "reason": "投保时已营运未告知"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "处罚决定书载明投保前已营运（保留）" in html
    assert refresh(case).path == ""
