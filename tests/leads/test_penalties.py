"""Rule M7: penalties are pushed at once, relayed to the insurers holding policies in force on the vehicle, and
the insurer's receipt opens its rescission case (rule M12) with known_at = that receipt."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.exchange.models import Batch
from apps.leads import services
from apps.leads.models import InsurerWorklistItem, Penalty
from apps.policies.models import PolicyKind
from apps.vehicles.usage import UsageNature

from .factories import operating_car, policy, private_car


def _record(parties, plate, no="柳交执罚〔2026〕101号", **kwargs):
    return services.penalty_record(actor=parties.transport_user, decision_no=no, decided_on=timezone.localdate(),
                                   facts="未取得网约车运输证，通过平台接单载客", plate=plate, **kwargs)


def test_m7_penalty_is_pushed_at_once_to_the_regulator(parties):
    car = private_car()
    penalty = _record(parties, car.plate)
    assert penalty.vehicle == car and penalty.pushed_at is not None
    batch = penalty.batch
    assert batch.kind == "penalties" and batch.sender == parties.transport and batch.recipient == parties.regulator
    assert batch.refs == [penalty.decision_no] and batch.state == Batch.State.PENDING


def test_m12_insurer_receipt_opens_the_rescission_case_with_known_at_receipt(parties, deliver):
    from apps.rescissions.models import RescissionCase

    car = private_car()
    non_op = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    operating = policy(car, parties.insurer_b, usage=UsageNature.RIDE_HAILING)
    expired = policy(car, parties.insurer_b, usage=UsageNature.FAMILY, days_ago=500, days_left=-100)
    penalty = _record(parties, car.plate)
    deliver()
    to_regulator = Batch.objects.get(kind="penalties", recipient=parties.regulator)
    to_a = Batch.objects.get(kind="penalties", recipient=parties.insurer_a)
    to_b = Batch.objects.get(kind="penalties", recipient=parties.insurer_b)
    assert to_a.sender == to_b.sender == parties.regulator
    case = RescissionCase.objects.get()
    assert case.policy == non_op and case.trigger == "penalty" and case.trigger_ref == penalty.decision_no
    assert case.known_at == to_a.receipt_at  # the insurer's own receipt, not the regulator's
    assert case.known_at > to_regulator.receipt_at
    assert case.number in to_a.receipt["case_refs"]
    # every insurer holding a policy in force is told; only the non-operating policy can be rescinded
    items = InsurerWorklistItem.objects.filter(penalty=penalty)
    assert {(i.insurer_id, i.policy_id) for i in items} == {(parties.insurer_a.pk, non_op.pk),
                                                            (parties.insurer_b.pk, operating.pk)}
    assert not items.filter(policy=expired).exists()
    assert all(i.kind == InsurerWorklistItem.Kind.PENALTY for i in items)
    assert "30 日" in items.get(insurer=parties.insurer_a).summary


def test_redelivery_of_the_insurers_penalty_batch_changes_nothing(parties, deliver):
    from apps.exchange import services as exchange
    from apps.leads import ingest
    from apps.rescissions.models import RescissionCase

    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    _record(parties, car.plate)
    deliver()
    batch = Batch.objects.get(kind="penalties", recipient=parties.insurer_a)
    assert exchange.batch_deliver(batch_id=batch.pk) == "duplicate"
    case = RescissionCase.objects.get()
    # the handler itself, called again with the batch's rows, adds nothing either
    item = InsurerWorklistItem.objects.get()
    row = {"penalty_id": item.penalty_id, "decision_no": item.penalty.decision_no, "policy_id": item.policy_id,
           "row_key": item.row_key, "rescission": True, "plate": car.plate}
    refs = ingest.ingest_penalties(batch, [row], timezone.now())
    assert case.number in refs
    assert InsurerWorklistItem.objects.count() == 1 and RescissionCase.objects.count() == 1
    assert RescissionCase.objects.get().known_at == case.known_at


def test_penalty_on_a_company_reaches_no_insurer(parties, deliver):
    penalty = services.penalty_record(actor=parties.transport_user, decision_no="柳交执罚〔2026〕7号",
                                      decided_on=timezone.localdate(), facts="允许无运输证车辆上线运营（规则 M15）",
                                      company=parties.company_a)
    deliver()
    assert penalty.vehicle is None
    assert list(Batch.objects.values_list("kind", "recipient")) == [("penalties", parties.regulator.pk)]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"plate": "桂B0Z000"}, "plate"),  # unknown to the register
    ({"plate": "桂B.12345"}, "plate"),  # rule J1
    ({"plate": ""}, "plate"),  # no subject at all
    ({"decided_on": "tomorrow"}, "decided_on"),
    ({"facts": " "}, "facts"),
])
def test_bad_penalty_input_is_refused_and_nothing_is_written(parties, kwargs, field):
    car = operating_car()
    values = {"decision_no": "柳交执罚〔2026〕9号", "decided_on": timezone.localdate(), "facts": "f", "plate": car.plate}
    values.update(kwargs)
    if values["decided_on"] == "tomorrow":
        values["decided_on"] = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as exc:
        services.penalty_record(actor=parties.transport_user, **values)
    assert field in exc.value.extra["fields"]
    assert not Penalty.objects.exists() and not Batch.objects.exists()


def test_decision_number_is_unique(parties):
    car = private_car()
    _record(parties, car.plate)
    with pytest.raises(ApplicationError) as exc:
        _record(parties, car.plate)
    assert "已录入" in exc.value.extra["fields"]["decision_no"][0]


def test_only_transport_records_penalties(parties):
    car = private_car()
    for user in (parties.regulator_user, parties.insurer_a_user, parties.company_a_user):
        with pytest.raises(PermissionDeniedError):
            services.penalty_record(actor=user, decision_no="x1", decided_on=timezone.localdate(), facts="f",
                                    plate=car.plate)
