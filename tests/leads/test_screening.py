"""Rule M6: the lawful operating vehicle list and its set-based screening, on a crafted dataset with every kind of
mismatch and every kind of vehicle that must NOT be reported."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.exchange.models import Batch
from apps.leads.models import InsurerWorklistItem, LawfulListRun, ScreeningFinding
from apps.leads.screening import (
    lawful_list_push,
    lawful_list_rows,
    screen,
    screening_dispatch,
    screening_dispatch_preview,
    screening_findings_review,
)
from apps.parties.rights import SystemActor
from apps.policies.models import Policy, PolicyKind
from apps.policies.verification import verify_vehicle
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


@pytest.fixture
def city(parties):
    """Vehicles A–L (see the comments); ``expected`` = the findings screening must produce, nothing more."""
    a_ins, b_ins = parties.insurer_a, parties.insurer_b
    now = timezone.now()
    today = timezone.localdate()
    v = {}
    # A: valid permit, its only policy insures it as 家庭自用 → insured_as_non_operating (insurer A)
    v["A"] = operating_car(); permit(v["A"])  # noqa: E702
    pa = policy(v["A"], a_ins, usage=UsageNature.FAMILY)
    # B: valid permit, no policy at all → uninsured
    v["B"] = operating_car(); permit(v["B"])  # noqa: E702
    # C: valid permit, only an expired policy → uninsured
    v["C"] = operating_car(); permit(v["C"])  # noqa: E702
    policy(v["C"], a_ins, days_ago=400, days_left=-35, status=Policy.Status.EXPIRED)
    # D: valid permit, policy rescinded yesterday → uninsured
    v["D"] = operating_car(); permit(v["D"])  # noqa: E702
    policy(v["D"], b_ins, usage=UsageNature.FAMILY, rescinded_at=now - dt.timedelta(days=1),
           status=Policy.Status.RESCINDED)
    # E: valid permit, compulsory as ride-hailing (insurer A) + third party as 非营业个人 (insurer B) → one finding, B's
    v["E"] = operating_car(); permit(v["E"])  # noqa: E702
    policy(v["E"], a_ins, usage=UsageNature.RIDE_HAILING)
    pe = policy(v["E"], b_ins, usage=UsageNature.PERSONAL, kind=PolicyKind.THIRD_PARTY)
    # F: valid permit, correctly insured as operating (two policies) → NO finding
    v["F"] = operating_car(); permit(v["F"])  # noqa: E702
    policy(v["F"], a_ins, usage=UsageNature.RIDE_HAILING)
    policy(v["F"], b_ins, usage=UsageNature.CRUISING_TAXI, kind=PolicyKind.THIRD_PARTY)
    # G: valid permit but 9 seats (rule M1: out of scope), insured as non-operating → NO finding
    v["G"] = operating_car(seats=9); permit(v["G"])  # noqa: E702
    policy(v["G"], a_ins, usage=UsageNature.FAMILY)
    # H: permit expired → not on the list
    v["H"] = operating_car(); permit(v["H"], valid_from=today - dt.timedelta(days=800), valid_to=today - dt.timedelta(days=1))  # noqa: E702,E501
    policy(v["H"], a_ins, usage=UsageNature.FAMILY)
    # I: permit revoked → not on the list
    v["I"] = operating_car(); permit(v["I"], revoked_at=now - dt.timedelta(hours=2))  # noqa: E702
    # J: private car, no permit, insured as family → not on the list (nothing to screen)
    v["J"] = private_car()
    policy(v["J"], b_ins, usage=UsageNature.FAMILY)
    # K: valid permit, its policy starts next week → uninsured now
    v["K"] = operating_car(); permit(v["K"])  # noqa: E702
    policy(v["K"], a_ins, days_ago=-7, days_left=358)
    # L: valid permit, policy cancelled last month → uninsured
    v["L"] = operating_car(); permit(v["L"])  # noqa: E702
    policy(v["L"], b_ins, cancelled_at=now - dt.timedelta(days=30), status=Policy.Status.CANCELLED)
    expected = {
        (v["A"].pk, pa.pk, "insured_as_non_operating"),
        (v["E"].pk, pe.pk, "insured_as_non_operating"),
        *((v[k].pk, None, "uninsured") for k in "BCDKL"),
    }
    return v, expected


def review_and_dispatch(parties, run):
    """The regulator confirms every pending finding of ``run`` and confirms the dispatch preview (rule M6)."""
    pending = list(run.findings.filter(review=ScreeningFinding.Review.PENDING).values_list("pk", flat=True))
    if pending:
        screening_findings_review(actor=parties.regulator_user, run=run, finding_ids=pending, decision="confirmed")
    preview = screening_dispatch_preview(actor=parties.regulator_user, run=run)
    return screening_dispatch(actor=parties.regulator_user, run=run, digest=preview.digest) if preview.rows else []


def test_the_lawful_list_holds_exactly_the_vehicles_with_a_valid_permit(city):
    v, _expected = city
    listed = {r["vehicle_id"] for r in lawful_list_rows(timezone.now())}
    assert listed == {v[k].pk for k in "ABCDEFGKL"}


def test_m6_screening_finds_every_mismatch_and_no_false_positive(city):
    v, expected = city
    entries = [(r["vehicle_id"], r["permit_id"]) for r in lawful_list_rows(timezone.now())]
    hits, counts = screen(entries, timezone.now())
    assert {(h.vehicle_id, h.policy_id, h.kind) for h in hits} == expected
    found = {h.vehicle_id for h in hits}
    assert v["F"].pk not in found  # correctly insured
    assert v["G"].pk not in found  # out of scope (M1)
    assert counts["uninsured"] == 5 and counts["insured_as_non_operating"] == 2


def test_screening_agrees_with_the_verification_service_vehicle_by_vehicle(city):
    v, _expected = city
    at = timezone.now()
    entries = [(r["vehicle_id"], r["permit_id"]) for r in lawful_list_rows(at)]
    hits, _counts = screen(entries, at)
    by_vehicle = {}
    for h in hits:
        by_vehicle.setdefault(h.vehicle_id, set()).add(h.kind)
    for vehicle_id, _permit in entries:
        finding = verify_vehicle(vehicle_id, at).finding
        if finding in ("uninsured", "insured_as_non_operating"):
            assert by_vehicle.get(vehicle_id) == {finding}
        else:
            assert vehicle_id not in by_vehicle


def test_push_screen_and_one_worklist_per_insurer(parties, city, deliver):
    v, expected = city
    run = lawful_list_push(actor=parties.transport_user)
    assert run.vehicle_count == 9 and run.batch.kind == "lawful_list" and run.batch.recipient == parties.regulator
    deliver()
    run.refresh_from_db()
    assert run.state == LawfulListRun.State.SCREENED
    assert run.received_at == run.batch.receipt_at
    assert run.summary["uninsured"] == 5 and run.summary["insured_as_non_operating_vehicles"] == 2
    assert run.summary["not_in_scope"] == 1 and run.summary["insured_as_operating"] == 1
    stored = {(f.vehicle_id, f.policy_id, f.kind) for f in ScreeningFinding.objects.filter(run=run)}
    assert stored == expected
    assert not Batch.objects.filter(kind="worklist").exists()  # nothing before the regulator's review
    review_and_dispatch(parties, run)
    deliver()
    # one worklist batch per insurer, each with that insurer's rows only
    worklists = {b.recipient_id: b for b in Batch.objects.filter(kind="worklist")}
    assert set(worklists) == {parties.insurer_a.pk, parties.insurer_b.pk}
    a_items = InsurerWorklistItem.objects.filter(insurer=parties.insurer_a)
    b_items = InsurerWorklistItem.objects.filter(insurer=parties.insurer_b)
    assert [i.vehicle_id for i in a_items] == [v["A"].pk]
    assert [i.vehicle_id for i in b_items] == [v["E"].pk]
    assert all(i.received_at == worklists[i.insurer_id].receipt_at for i in [*a_items, *b_items])
    assert "规则 M6" in a_items[0].summary
    assert {i.kind for i in [*a_items, *b_items]} == {InsurerWorklistItem.Kind.ENDORSEMENT}


def test_screening_worklist_is_an_endorsement_item_and_opens_no_rescission_case(parties, city, deliver):
    """Rule M6: a lawful operating vehicle insured as non-operating is endorsed (批改), not rescinded; the next
    day's list (pushed by the scheduled job) adds its own reviewed rows, never a case."""
    from apps.rescissions.models import RescissionCase

    v, _expected = city
    run = lawful_list_push(actor=parties.transport_user)
    deliver()
    review_and_dispatch(parties, run)
    deliver()
    items = InsurerWorklistItem.objects.filter(screening_finding__isnull=False)
    assert {i.vehicle_id for i in items} == {v["A"].pk, v["E"].pk}
    assert all(i.kind == InsurerWorklistItem.Kind.ENDORSEMENT and "批改" in i.summary for i in items)
    lawful_list_push(actor=SystemActor("leads.push_lawful_list", organization=parties.transport))
    deliver()
    review_and_dispatch(parties, LawfulListRun.objects.order_by("-pk").first())
    deliver()
    assert not RescissionCase.objects.exists()
    assert LawfulListRun.objects.filter(state=LawfulListRun.State.SCREENED).count() == 2


def test_only_transport_pushes_the_list(parties):
    from apps.core.errors import PermissionDeniedError

    for user in (parties.regulator_user, parties.insurer_a_user, parties.ins_assoc_user):
        with pytest.raises(PermissionDeniedError):
            lawful_list_push(actor=user)


def test_the_beat_task_pushes_the_list(parties, city):
    from apps.leads.tasks import push_lawful_list

    result = push_lawful_list.run()
    assert result["vehicles"] == 9
    assert LawfulListRun.objects.get(pk=result["run"]).pushed_by is None


def test_insurer_sees_only_its_own_screening_findings(parties, city, deliver, api, client):
    from apps.parties import access

    run = lawful_list_push(actor=parties.transport_user)
    deliver()
    review_and_dispatch(parties, run)
    mine = access.visible(parties.insurer_a_user, ScreeningFinding)
    assert set(mine.values_list("insurer_id", flat=True)) == {parties.insurer_a.pk}
    other = ScreeningFinding.objects.get(insurer=parties.insurer_b)
    assert api.as_user(parties.insurer_a_user).get(f"/api/v1/screening-findings/{other.pk}/").status_code == 404
    assert api.as_user(parties.insurer_a_user).get("/api/v1/screening-findings/").json()["count"] == 1
