"""A refused finding on the inspection page changes nothing and shows the page again with what was typed and the
error beside the field at fault — 400 for invalid input, the service's 403 for a party that may not record —
(issues 16, 18: one mechanism, ``apps.core.actions.form_action``; rule M17)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.inspections import services
from apps.inspections.models import Conclusion, InspectionFinding
from tests.helpers import form_html

pytestmark = pytest.mark.django_db

TYPED = "3 笔网约车按家庭自用承保（保留的检查发现）"


def test_m17_an_impossible_date_keeps_the_typed_problems_beside_the_date_error(client, parties, inspection):
    client.force_login(parties.ins_assoc_user)
    response = client.post(reverse("inspections:finding", args=[inspection.pk]), {
        "party": parties.insurer_a.pk, "inspected_on": "2026-13-45", "conclusion": Conclusion.PROBLEMS_FOUND,
        "problems": TYPED})
    assert response.status_code == 400
    form = form_html(response.content.decode(), 'data-testid="finding-form"')
    assert TYPED in form and 'class="errorlist' in form
    assert "inspected_on" in response.context["finding_form"].errors
    assert not InspectionFinding.objects.exists()


def test_m17_a_party_already_recorded_is_no_longer_offered_and_the_input_is_kept(client, parties, inspection):
    services.finding_record(actor=parties.regulator_user, inspection=inspection, party=parties.insurer_a,
                            inspected_on=timezone.localdate(), conclusion=Conclusion.NO_PROBLEMS)
    client.force_login(parties.ins_assoc_user)
    response = client.post(reverse("inspections:finding", args=[inspection.pk]), {
        "party": parties.insurer_a.pk, "inspected_on": timezone.localdate().isoformat(),
        "conclusion": Conclusion.PROBLEMS_FOUND, "problems": TYPED})
    assert response.status_code == 400
    assert TYPED in form_html(response.content.decode(), 'data-testid="finding-form"')
    assert set(response.context["finding_form"].errors) == {"party"}
    assert any(str(m).startswith("被检查单位：") for m in response.context["messages"])
    assert InspectionFinding.objects.get().conclusion == Conclusion.NO_PROBLEMS


def test_m17_an_inspected_party_may_not_record_a_finding_403_and_nothing_changes(client, parties, inspection):
    client.force_login(parties.insurer_a_user)
    response = client.post(reverse("inspections:finding", args=[inspection.pk]), {
        "party": parties.insurer_a.pk, "inspected_on": timezone.localdate().isoformat(),
        "conclusion": Conclusion.NO_PROBLEMS})
    assert response.status_code == 403
    assert response.context["finding_form"].data["conclusion"] == Conclusion.NO_PROBLEMS
    assert not InspectionFinding.objects.exists()


def test_m17_a_finding_recorded_redirects_to_the_inspection(client, parties, inspection):
    client.force_login(parties.ins_assoc_user)
    response = client.post(reverse("inspections:finding", args=[inspection.pk]), {
        "party": parties.insurer_a.pk, "inspected_on": timezone.localdate().isoformat(),
        "conclusion": Conclusion.PROBLEMS_FOUND, "problems": TYPED})
    assert response.status_code == 302 and response["Location"] == reverse("inspections:detail", args=[inspection.pk])
    assert InspectionFinding.objects.get().problems == TYPED
