"""Rule M8: the risk identification model — pluggable set-based features, weights edited by the insurance
association, leads over the threshold pushed to transport with the reasons in words, precision and recall."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.exchange.models import Batch
from apps.leads import risk, services
from apps.leads.models import Direction, Lead, Outcome, Penalty, RiskModelWeights, RiskScore, Source, Status
from apps.parties.rights import SystemActor
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


@pytest.fixture
def registry():
    saved = dict(risk._FEATURES)
    yield risk
    risk._FEATURES.clear()
    risk._FEATURES.update(saved)


def _penalty(parties, vehicle, n):
    for i in range(n):
        Penalty.objects.create(organization=parties.transport, vehicle=vehicle, plate=vehicle.plate,
                               decision_no=f"P-{vehicle.pk}-{i}", decided_on=timezone.localdate() - dt.timedelta(days=10),
                               facts="非法营运")


@pytest.fixture
def fleet(parties):
    v = {}
    v["ledger"] = private_car(company=parties.company_a)  # in a company's ledger, insured as family
    policy(v["ledger"], parties.insurer_a, usage=UsageNature.FAMILY)
    v["permit"] = operating_car()  # valid permit, insured as non-operating
    permit(v["permit"])
    policy(v["permit"], parties.insurer_b, usage=UsageNature.PERSONAL)
    v["both"] = operating_car(company=parties.company_b)
    permit(v["both"])
    policy(v["both"], parties.insurer_a, usage=UsageNature.FAMILY)
    v["one_penalty"] = private_car()
    _penalty(parties, v["one_penalty"], 1)
    v["two_penalties"] = private_car()
    _penalty(parties, v["two_penalties"], 2)
    v["bus"] = operating_car(seats=19, company=parties.company_a)  # out of scope (M1)
    policy(v["bus"], parties.insurer_a, usage=UsageNature.FAMILY)
    v["clean"] = operating_car(company=parties.company_a)
    permit(v["clean"])
    policy(v["clean"], parties.insurer_a, usage=UsageNature.RIDE_HAILING)
    return v


def _confirm(parties, run):
    """Association staff confirm the run's preview (rule M8: nothing is sent before)."""
    return risk.risk_model_run_confirm(actor=parties.ins_assoc_user, run=run, digest=risk.risk_model_preview(run).digest)


def test_m8_scores_flag_and_push_one_batch_to_transport(parties, fleet, deliver):
    run = _confirm(parties, risk.risk_model_run(actor=parties.ins_assoc_user))
    scores = {s.vehicle_id: s for s in RiskScore.objects.filter(run=run)}
    v = fleet
    assert scores[v["ledger"].pk].score == Decimal("3.00")
    assert scores[v["permit"].pk].score == Decimal("3.00")
    assert scores[v["both"].pk].score == Decimal("6.00")
    assert scores[v["one_penalty"].pk].score == Decimal("2.00") and not scores[v["one_penalty"].pk].flagged
    assert scores[v["two_penalties"].pk].score == Decimal("4.00")
    assert v["clean"].pk not in scores
    flagged = {vid for vid, s in scores.items() if s.flagged}
    assert flagged == {v[k].pk for k in ("ledger", "permit", "both", "two_penalties")}  # the bus is out of scope
    leads = Lead.objects.filter(source=Source.RISK_MODEL)
    assert {lead.vehicle_id for lead in leads} == flagged
    assert run.leads_created == 4 and run.flagged == 4
    batch = Batch.objects.get(kind="leads")
    assert batch.sender == parties.ins_assoc and batch.recipient == parties.transport and batch.row_count == 4
    lead = leads.get(vehicle=v["both"])
    assert lead.direction == Direction.INSURANCE_TO_TRANSPORT and lead.score == Decimal("6.00")
    texts = [r["text"] for r in lead.reasons]
    assert any("台账" in t and "非营运" in t for t in texts) and any("运输证" in t for t in texts)
    assert "非营运" in lead.evidence
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.recipient == parties.transport
    assert lead.finding == "insured_as_non_operating"


def test_a_second_run_raises_no_duplicate_lead(parties, fleet):
    _confirm(parties, risk.risk_model_run(actor=parties.ins_assoc_user))
    # the scheduled run acts for the association (as the beat task does)
    second = risk.risk_model_run(actor=SystemActor("leads.run_risk_model", organization=parties.ins_assoc))
    assert second.flagged == 4 and risk.risk_model_preview(second).rows == []
    second = _confirm(parties, second)
    assert second.leads_created == 0
    assert Lead.objects.filter(source=Source.RISK_MODEL).count() == 4


def test_weights_are_versioned_and_drive_the_next_run(parties, fleet):
    risk.risk_model_run(actor=parties.ins_assoc_user)
    v1 = RiskModelWeights.objects.get()
    v2 = services.risk_weights_update(actor=parties.ins_assoc_user, weights={"penalties": "1.5"}, threshold="2.5",
                                      note="处罚权重下调")
    assert v2.version == v1.version + 1
    v1.refresh_from_db()
    assert v1.weights == {}  # versions never change
    run = risk.risk_model_run(actor=parties.ins_assoc_user)
    assert run.weights == v2
    assert RiskScore.objects.get(run=run, vehicle=fleet["two_penalties"]).score == Decimal("3.00")
    assert RiskScore.objects.get(run=run, vehicle=fleet["one_penalty"]).score == Decimal("1.50")


def test_only_the_association_edits_weights_and_bad_weights_are_refused(parties):
    with pytest.raises(PermissionDeniedError):
        services.risk_weights_update(actor=parties.regulator_user, weights={}, threshold=3)
    with pytest.raises(ApplicationError) as exc:
        services.risk_weights_update(actor=parties.ins_assoc_user, weights={"nonsense": 1, "penalties": "abc"},
                                     threshold=0)
    assert set(exc.value.extra["fields"]) == {"nonsense", "penalties", "threshold"}
    assert not RiskModelWeights.objects.exists()
    with pytest.raises(PermissionDeniedError):
        risk.risk_model_run(actor=parties.transport_user)


def test_features_are_pluggable(parties, registry):
    """Another app (claims, complaints) adds a set-based feature; the model uses it with its default weight."""
    car = private_car()

    def night_claims(at):
        return {car.pk: (2, "近一年夜间出险 2 次")}

    registry.register_feature("night_claims_test", "夜间出险", night_claims, default_weight="1.5")
    run = risk.risk_model_run(actor=parties.ins_assoc_user)
    score = RiskScore.objects.get(run=run, vehicle=car)
    assert score.score == Decimal("3.00") and score.flagged
    assert score.reasons == [{"feature": "night_claims_test", "label": "夜间出险", "value": "2", "weight": "1.5",
                              "points": "3.00", "text": "近一年夜间出险 2 次"}]
    assert "night_claims_test" in run.features


def test_precision_and_recall_report(parties, fleet, deliver):
    _confirm(parties, risk.risk_model_run(actor=parties.ins_assoc_user))
    deliver()
    leads = list(Lead.objects.filter(source=Source.RISK_MODEL).order_by("id"))
    for lead, outcome in zip(leads[:3], [Outcome.CONFIRMED, Outcome.CONFIRMED, Outcome.DISMISSED], strict=True):
        services.lead_check_start(actor=parties.transport_user, lead=lead)
        services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=outcome, result="路检",
                                   reason="无载客" if outcome == Outcome.DISMISSED else "")
    # a vehicle the model never flagged, confirmed from an enforcement lead: a miss for recall
    missed = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=missed.plate, evidence="e", push=True)
    deliver()
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="r")
    result = risk.precision_recall()
    assert (result["confirmed"], result["dismissed"]) == (2, 1)
    assert result["precision"] == pytest.approx(2 / 3)
    assert (result["flagged_before_check"], result["confirmed_vehicles"]) == (2, 3)
    assert result["recall"] == pytest.approx(2 / 3)
    out = StringIO()
    call_command("risk_model_report", stdout=out)
    text = out.getvalue()
    assert "精确率 precision: 66.7%" in text and "召回率 recall: 66.7%" in text
    assert "尚未核查的模型线索: 1" in text


def test_the_beat_task_runs_the_model(parties, fleet):
    from apps.leads.tasks import run_risk_model

    result = run_risk_model.run()
    # the scheduled run is a preview: it flags, and sends nothing until association staff confirm
    assert result["flagged"] == 4 and result["state"] == "preview"
    assert not Lead.objects.filter(source=Source.RISK_MODEL).exists()
