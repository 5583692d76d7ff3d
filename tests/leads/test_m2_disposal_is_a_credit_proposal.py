"""Disposing of a confirmed lead does not write the credit file (rule M2): the vehicle is proposed for an entry,
which the insurance association decides — the disposal says so, on the lead's page and in the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.credit.models import CreditProposal, CreditRecord
from apps.leads import forms, services
from apps.leads.models import Disposal, Outcome, Status

from .factories import operating_car, policy
from .test_lifecycle import _verified_lead

pytestmark = pytest.mark.django_db


def test_m2_disposal_label_is_a_proposal_decided_by_the_association(parties, deliver, client):
    from apps.vehicles.usage import UsageNature

    car = operating_car()
    policy(car, parties.insurer_a, usage=UsageNature.RIDE_HAILING)
    lead = _verified_lead(parties, deliver, car)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="r")
    services.lead_dispose(actor=parties.transport_user, lead=lead, credit_record=True)
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED and lead.disposals == [Disposal.CREDIT_RECORD]
    assert CreditProposal.objects.filter(vehicle=car).exists() and not CreditRecord.objects.filter(vehicle=car).exists()
    label = str(Disposal.CREDIT_RECORD.label)
    assert label.startswith("提议") and "协会决定" in label
    client.force_login(parties.transport_user)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    shown = page[page.index('data-testid="disposals"'):]
    shown = shown[:shown.index("</dd>")]
    assert "提议记入信用档案" in shown and "协会决定" in shown
    assert str(forms.DisposeForm(penalties=None).fields["credit_record"].label).startswith("提议")
