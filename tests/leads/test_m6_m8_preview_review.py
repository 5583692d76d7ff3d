"""Before insurers' (and transport's) obligations start: the lawful-list screening (M6) and the risk model (M8)
show the sender a preview and send only on confirmation, exactly what the preview showed; the regulator reviews
screening findings before they open insurers' worklists; an M6 finding is an endorsement item, not a rescission."""

import pytest

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.exchange.models import Batch
from apps.leads import risk
from apps.leads.models import InsurerWorklistItem, LawfulListRun, Lead, ScreeningFinding, Source
from apps.leads.screening import (
    lawful_list_push,
    screening_dispatch,
    screening_dispatch_preview,
    screening_findings_review,
)
from apps.parties import access
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy


@pytest.fixture
def screened(parties, deliver):
    """Three lawful operating vehicles insured as non-operating (two at insurer A, one at B), screened."""
    cars = []
    for insurer in (parties.insurer_a, parties.insurer_a, parties.insurer_b):
        car = operating_car()
        permit(car)
        policy(car, insurer, usage=UsageNature.FAMILY)
        cars.append(car)
    run = lawful_list_push(actor=parties.transport_user)
    deliver()
    run.refresh_from_db()
    assert run.state == LawfulListRun.State.SCREENED and run.findings.count() == 3
    return run, cars


def _worklist_state():
    return (Batch.objects.filter(kind="worklist").count(), InsurerWorklistItem.objects.count())


def test_m6_unreviewed_screening_findings_do_not_open_insurer_worklists(parties, deliver, screened):
    run, _cars = screened
    assert set(run.findings.values_list("review", flat=True)) == {ScreeningFinding.Review.PENDING}
    assert _worklist_state() == (0, 0)
    assert not access.visible(parties.insurer_a_user, ScreeningFinding).exists()
    # nothing confirmed yet: nothing to send
    assert screening_dispatch_preview(actor=parties.regulator_user, run=run).rows == []
    with pytest.raises(ConflictError):
        screening_dispatch(actor=parties.regulator_user, run=run,
                           digest=screening_dispatch_preview(actor=parties.regulator_user, run=run).digest)
    # exclusion needs a reason; only confirmed findings reach insurers
    a1, a2, b1 = run.findings.order_by("insurer_id", "pk")
    with pytest.raises(Exception, match="排除比对发现须填写理由"):
        screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=[a2.pk], decision="excluded")
    screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=[a2.pk], decision="excluded",
                              reason="车辆已办理批改，清单滞后")
    screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=[a1.pk], decision="confirmed")
    with pytest.raises(ConflictError):
        screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=[a1.pk], decision="excluded",
                                  reason="x")
    for user in (parties.transport_user, parties.insurer_a_user, parties.ins_assoc_user):
        with pytest.raises(PermissionDeniedError):
            screening_findings_review(actor=user, run=run, finding_ids=[b1.pk], decision="confirmed")
    preview = screening_dispatch_preview(actor=parties.regulator_user, run=run)
    screening_dispatch(actor=parties.regulator_user, run=run, digest=preview.digest)
    deliver()
    assert list(InsurerWorklistItem.objects.values_list("screening_finding_id", flat=True)) == [a1.pk]
    assert set(access.visible(parties.insurer_a_user, ScreeningFinding)) == {a1}
    assert not access.visible(parties.insurer_b_user, ScreeningFinding).exists()  # b1 is still pending


def test_m6_screening_preview_sends_nothing_and_confirm_sends_exactly_what_it_showed(parties, deliver, screened):
    run, cars = screened
    ids = list(run.findings.values_list("pk", flat=True))
    screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=ids, decision="confirmed")
    preview = screening_dispatch_preview(actor=parties.regulator_user, run=run)
    assert preview.vehicles == 3 and [i.pk for i in preview.insurers] == sorted([parties.insurer_a.pk,
                                                                                 parties.insurer_b.pk])
    assert _worklist_state() == (0, 0)  # the preview stores nothing in anyone's inbox
    shown = {(row["insurer_id"], row["screening_finding_id"], row["summary"]) for row in preview.rows}
    with pytest.raises(ConflictError):
        screening_dispatch(actor=parties.regulator_user, run=run, digest="0" * 64)
    assert _worklist_state() == (0, 0)
    batches = screening_dispatch(actor=parties.regulator_user, run=run, digest=preview.digest)
    deliver()
    assert {b.recipient_id: b.row_count for b in batches} == {parties.insurer_a.pk: 2, parties.insurer_b.pk: 1}
    sent = {(i.insurer_id, i.screening_finding_id, i.summary) for i in InsurerWorklistItem.objects.all()}
    assert sent == shown
    # sent once: the same preview cannot send again
    with pytest.raises(ConflictError):
        screening_dispatch(actor=parties.regulator_user, run=run, digest=preview.digest)


def test_m6_screening_findings_are_endorsement_items_not_rescission(parties, deliver, screened):
    from apps.rescissions.models import RescissionCase

    run, _cars = screened
    screening_findings_review(actor=parties.regulator_user, run=run,
                              finding_ids=list(run.findings.values_list("pk", flat=True)), decision="confirmed")
    screening_dispatch(actor=parties.regulator_user, run=run,
                       digest=screening_dispatch_preview(actor=parties.regulator_user, run=run).digest)
    deliver()
    items = list(InsurerWorklistItem.objects.all())
    assert len(items) == 3
    assert {i.kind for i in items} == {InsurerWorklistItem.Kind.ENDORSEMENT}
    assert all("批改" in i.summary and "不属于解除合同" in i.summary for i in items)
    assert "批改" in str(InsurerWorklistItem.Kind.ENDORSEMENT.label)
    assert not RescissionCase.objects.exists()


def test_m6_the_review_and_dispatch_pages(parties, deliver, client, screened):
    run, cars = screened
    client.force_login(parties.regulator_user)
    ids = list(run.findings.values_list("pk", flat=True))
    client.post(f"/leads/screening/{run.pk}/review/", {"ids": ids[:1], "decision": "excluded"})
    assert run.findings.filter(review="pending").count() == 3  # no reason: nothing reviewed
    client.post(f"/leads/screening/{run.pk}/review/", {"ids": ids, "decision": "confirmed"})
    page = client.get(f"/leads/screening/{run.pk}/").content.decode()
    assert 'data-testid="dispatch-preview"' in page and parties.insurer_b.name in page
    assert _worklist_state() == (0, 0)
    digest = screening_dispatch_preview(actor=parties.regulator_user, run=run).digest
    assert digest in page
    client.post(f"/leads/screening/{run.pk}/dispatch/", {"digest": digest})
    deliver()
    assert InsurerWorklistItem.objects.count() == 3


@pytest.fixture
def flagged(parties):
    """Two cars over the model's threshold (valid permit, insured as non-operating)."""
    cars = []
    for _ in range(2):
        car = operating_car()
        permit(car)
        policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
        cars.append(car)
    return cars


def test_m8_risk_preview_sends_nothing_and_confirm_sends_exactly_what_it_showed(parties, deliver, flagged, client):
    run = risk.risk_model_run(actor=parties.ins_assoc_user)
    assert not Lead.objects.filter(source=Source.RISK_MODEL).exists()
    assert not Batch.objects.filter(kind="leads").exists()
    preview = risk.risk_model_preview(run)
    assert {row["plate"] for row in preview.rows} == {car.plate for car in flagged}
    assert all(row["reasons"] for row in preview.rows)
    client.force_login(parties.ins_assoc_user)
    page = client.get(f"/leads/risk/runs/{run.pk}/").content.decode()
    assert 'data-testid="risk-preview"' in page and preview.digest in page
    assert all(car.plate in page for car in flagged)
    with pytest.raises(ConflictError):
        risk.risk_model_run_confirm(actor=parties.ins_assoc_user, run=run, digest="stale")
    with pytest.raises(PermissionDeniedError):
        risk.risk_model_run_confirm(actor=parties.transport_user, run=run, digest=preview.digest)
    assert not Batch.objects.filter(kind="leads").exists()
    client.post(f"/leads/risk/runs/{run.pk}/confirm/", {"digest": preview.digest})
    run.refresh_from_db()
    assert run.state == run.State.SENT and run.leads_created == 2
    batch = Batch.objects.get(kind="leads")
    assert batch.recipient == parties.transport and run.batch == batch
    sent = {(lead.vehicle_id, lead.plate, str(lead.score)) for lead in Lead.objects.filter(push_batch=batch)}
    assert sent == {(row["vehicle_id"], row["plate"], row["score"]) for row in preview.rows}
    with pytest.raises(ConflictError):
        risk.risk_model_run_confirm(actor=parties.ins_assoc_user, run=run, digest=preview.digest)
    deliver()
    assert Lead.objects.filter(push_batch=batch, recipient=parties.transport, status="verified").count() == 2


def test_m8_a_preview_gone_stale_is_refused(parties, flagged):
    run = risk.risk_model_run(actor=parties.ins_assoc_user)
    digest = risk.risk_model_preview(run).digest
    # another run confirmed meanwhile raised leads for the same vehicles: this preview no longer holds
    other = risk.risk_model_run(actor=parties.ins_assoc_user)
    risk.risk_model_run_confirm(actor=parties.ins_assoc_user, run=other, digest=risk.risk_model_preview(other).digest)
    with pytest.raises(ConflictError):
        risk.risk_model_run_confirm(actor=parties.ins_assoc_user, run=run, digest=digest)
    assert Lead.objects.filter(source=Source.RISK_MODEL).count() == 2
