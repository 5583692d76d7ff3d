"""Survey dispatch within 1 hour of the report (rule M13): special circumstances stop the clock with a reason the
regulator sees; the breach of an undispatched claim is marked by the real beat task on a real Celery worker."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.claims import clocks, selectors, services
from apps.core.deadlines import deadline_for, deadline_scan
from apps.core.models import Deadline

from .factories import make_claim, sh


def dispatch_clock(claim) -> Deadline:
    return deadline_for(rule=clocks.DISPATCH, subject=claim)


@pytest.mark.django_db
def test_m13_special_circumstances_stop_the_dispatch_clock(parties):
    user = parties.insurer_a_user
    claim = make_claim(user=user, reported_at=sh(2026, 11, 3, 22, 0))
    services.claim_special_circumstances_record(claim=claim, actor=user, reason="台风红色预警，道路封闭",
                                                at=sh(2026, 11, 3, 22, 20))
    clock = dispatch_clock(claim)
    assert clock.status == Deadline.Status.PAUSED
    assert [p.reason for p in clock.pauses.all()] == ["台风红色预警，道路封闭"]
    # The scan long after the hour does not breach a stopped clock.
    deadline_scan(now=sh(2026, 11, 4, 9, 0))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.PAUSED and clock.breached_at is None
    # Dispatched the next morning: the stopped time is not counted, the clock is met.
    services.claim_advance(claim=claim, actor=user, facts={"survey_dispatched_at": sh(2026, 11, 4, 7, 30)})
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.MET and clock.breached_at is None
    assert clock.met_at == sh(2026, 11, 4, 7, 30)


@pytest.mark.django_db
def test_m13_special_circumstances_need_a_reason(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 3, 22, 0))
    with pytest.raises(services.ApplicationError):
        services.claim_special_circumstances_record(claim=claim, actor=parties.insurer_a_user, reason="  ",
                                                    at=sh(2026, 11, 3, 22, 20))
    assert dispatch_clock(claim).status == Deadline.Status.OPEN


@pytest.mark.django_db
def test_m13_special_circumstances_after_the_hour_do_not_erase_the_breach(parties):
    user = parties.insurer_a_user
    claim = make_claim(user=user, reported_at=sh(2026, 11, 3, 22, 0))
    deadline_scan(now=sh(2026, 11, 3, 23, 5))
    assert dispatch_clock(claim).status == Deadline.Status.BREACHED
    services.claim_special_circumstances_record(claim=claim, actor=user, reason="事后补记：道路封闭",
                                                at=sh(2026, 11, 3, 23, 30))
    claim.refresh_from_db()
    assert claim.special_circumstances_reason == "事后补记：道路封闭"  # recorded and visible …
    clock = dispatch_clock(claim)
    assert clock.status == Deadline.Status.BREACHED and not clock.pauses.exists()  # … but the breach stays


@pytest.mark.django_db
def test_m13_special_circumstances_are_visible_to_the_regulator(parties, client):
    user = parties.insurer_a_user
    claim = make_claim(user=user, reported_at=sh(2026, 11, 3, 22, 0))
    services.claim_special_circumstances_record(claim=claim, actor=user, reason="交警现场管制，暂不能查勘",
                                                at=sh(2026, 11, 3, 22, 10))
    client.force_login(parties.regulator_user)
    page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    assert "交警现场管制，暂不能查勘" in page
    table = selectors.sla_table(user=parties.regulator_user, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    row = next(r for r in table if r.insurer_id == parties.insurer_a.pk)
    assert row.cells[clocks.DISPATCH].special == 1


@pytest.mark.celery_worker
def test_m13_dispatch_breach_marked_by_the_beat_task(transactional_db, celery_worker):
    """The real beat task (apps.core.tasks.deadline_scan) on a real worker marks the undispatched claim."""
    from apps.core.tasks import deadline_scan as deadline_scan_task
    from tests.factories import OrganizationFactory as Orgs
    from tests.factories import user_of

    insurer = Orgs(kind="insurer", name="人保财险(调度测试)")
    user = user_of("insurer", organization=insurer, username="beat_insurer")
    reported = timezone.now() - dt.timedelta(hours=1, minutes=5)
    claim = make_claim(user=user, reported_at=reported)
    fresh = make_claim(user=user, reported_at=timezone.now() - dt.timedelta(minutes=10))
    assert dispatch_clock(claim).status == Deadline.Status.OPEN

    deadline_scan_task.delay()
    for _attempt in range(150):  # poll the database the worker writes to
        clock = dispatch_clock(claim)
        if clock.status == Deadline.Status.BREACHED:
            break
        time.sleep(0.2)
    clock = dispatch_clock(claim)
    assert clock.status == Deadline.Status.BREACHED
    assert clock.breached_at == reported + dt.timedelta(hours=1)
    assert dispatch_clock(fresh).status == Deadline.Status.OPEN
    assert user.notifications.filter(kind="claims.deadline_breach").exists()
