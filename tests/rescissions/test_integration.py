"""Cases opened by the information flows of the exchange and leads apps (rule M12): known_at is the insurer's
signed receipt time, and a redelivered or re-sent batch never opens a second case."""

import datetime as dt

from django.db import transaction

from apps.exchange import services as exchange
from apps.exchange.models import Batch
from apps.leads import services as leads
from apps.leads.models import Penalty
from apps.parties.rights import SystemActor
from apps.rescissions.models import RescissionCase
from apps.vehicles.usage import UsageNature
from tests.helpers import deliver_pending
from tests.leads.factories import policy, private_car


def test_m12_penalty_relayed_to_the_insurer_opens_one_case_at_its_receipt_even_when_redelivered(parties):
    car = private_car()
    non_operating = policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    operating = policy(car, parties.insurer_b, usage=UsageNature.RIDE_HAILING)
    leads.penalty_record(actor=parties.transport_user, decision_no="柳交执罚〔2026〕0815号",
                         decided_on=dt.date(2026, 11, 20), facts="未取得经营许可擅自从事网约车经营", plate=car.plate)
    deliver_pending()
    to_insurer = Batch.objects.get(kind="penalties", recipient=parties.insurer_a)
    case = RescissionCase.objects.get()
    assert (case.policy, case.trigger, case.trigger_ref) == (non_operating, "penalty", "柳交执罚〔2026〕0815号")
    assert case.known_at == to_insurer.receipt_at  # the signed receipt time, not the regulator's
    assert case.number in to_insurer.receipt["case_refs"]
    assert not RescissionCase.objects.filter(policy=operating).exists()

    # 1. the broker hands the same delivery out again: the exchange recognises it
    assert exchange.batch_deliver(batch_id=to_insurer.pk) == "duplicate"
    # 2. the regulator relays the same penalty again in a new batch (e.g. after a manual re-send)
    penalty = Penalty.objects.get()
    row = {**leads.penalty_row(penalty), "row_key": f"penalty:{penalty.pk}:policy:{non_operating.pk}",
           "policy_id": non_operating.pk, "insurer_id": parties.insurer_a.pk, "policy_no": non_operating.number,
           "rescission": True, "summary": "重复转送"}
    with transaction.atomic():
        again = leads.send_rows_per_insurer(kind="penalties", sender=parties.regulator, rows=[row],
                                            ref=penalty.decision_no,
                                            actor=SystemActor("exchange.ingest.penalties", organization=parties.regulator))[0]
    assert exchange.batch_deliver(batch_id=again.pk) == "delivered"
    again.refresh_from_db()
    assert again.receipt_at > to_insurer.receipt_at
    assert RescissionCase.objects.count() == 1
    case.refresh_from_db()
    assert case.known_at == to_insurer.receipt_at  # the first receipt keeps the clock
    assert case.number in again.receipt["case_refs"]
