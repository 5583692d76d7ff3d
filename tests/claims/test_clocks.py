"""Each claim clock (rules M13, J11) across a weekend, a statutory holiday (National Day 2026: Oct 1–7 off,
Sep 25 Mid-Autumn off, Sat Oct 10 an adjusted working day, from the chinesecalendar data seeded by the kernel)
and the 2026→2027 year boundary (2027 has no calendar data yet: the Monday–Friday fallback, flagged, no crash).

Claims are advanced through the services with past instants. The year-boundary cases lie in the future of the
test run, which the services refuse as claim facts, so they start the same clocks through ``clocks.clock_start``
— the function the services call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.claims import clocks, services
from apps.core.deadlines import deadline_for
from apps.core.models import Deadline, WorkCalendarYear

from .factories import bare_claim, make_claim, sh

pytestmark = pytest.mark.django_db

EOD = (23, 59, 59, 999999)


def eod(y, m, d):
    return sh(y, m, d, 23, 59, 59).replace(microsecond=999999)


def clock(claim, rule) -> Deadline:
    deadline = deadline_for(rule=rule, subject=claim)
    assert deadline is not None, rule
    return deadline


@pytest.fixture(autouse=True)
def calendar_2026_known(db):
    assert WorkCalendarYear.objects.filter(year=2026).exists()
    assert not WorkCalendarYear.objects.filter(year=2027).exists()


# --- claim.dispatch: 1 hour, wall clock 24/7 (rule M13) --------------------------------------------------------


def test_m13_dispatch_one_hour_wall_clock_over_a_weekend_night(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 14, 23, 30))  # Saturday night
    assert clock(claim, clocks.DISPATCH).due_at == sh(2026, 11, 15, 0, 30)


def test_m13_dispatch_one_hour_during_national_day(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 10, 3, 12, 10),
                       survey_dispatched_at=sh(2026, 10, 3, 13, 5))
    deadline = clock(claim, clocks.DISPATCH)
    assert deadline.due_at == sh(2026, 10, 3, 13, 10)
    assert deadline.status == Deadline.Status.MET and deadline.breached_at is None


def test_m13_dispatch_late_is_recorded_as_breach(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 10, 3, 12, 10),
                       survey_dispatched_at=sh(2026, 10, 3, 13, 11))
    deadline = clock(claim, clocks.DISPATCH)
    assert deadline.status == Deadline.Status.BREACHED
    assert deadline.breached_at == sh(2026, 10, 3, 13, 10)
    assert deadline.met_at == sh(2026, 10, 3, 13, 11)


def test_m13_dispatch_across_the_year_boundary(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.DISPATCH, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 31, 23, 40))
    assert deadline.due_at == sh(2027, 1, 1, 0, 40)
    assert deadline.used_fallback_calendar is False  # wall clock: no calendar involved


# --- claim.documents_list: 1 working day (rule J11) ------------------------------------------------------------


def test_j11_documents_list_friday_report_due_monday(parties):
    # the clock starts at the claim request (索赔请求), here made with the Friday report
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 13, 16, 0),
                       claim_requested_at=sh(2026, 11, 13, 16, 0))  # Friday
    assert clock(claim, clocks.DOCUMENTS_LIST).due_at == eod(2026, 11, 16)


def test_j11_documents_list_over_national_day_and_on_the_adjusted_saturday(parties):
    def requested(at):  # the claim request made with the report (the clock starts at the request, rule J11)
        return make_claim(user=parties.insurer_a_user, reported_at=at, claim_requested_at=at)

    before = requested(sh(2026, 9, 30, 10, 0))
    assert clock(before, clocks.DOCUMENTS_LIST).due_at == eod(2026, 10, 8)
    during = requested(sh(2026, 10, 4, 10, 0))
    assert clock(during, clocks.DOCUMENTS_LIST).due_at == eod(2026, 10, 8)
    friday = requested(sh(2026, 10, 9, 10, 0))
    assert clock(friday, clocks.DOCUMENTS_LIST).due_at == eod(2026, 10, 10)  # Saturday Oct 10 is a working day
    assert clock(friday, clocks.DOCUMENTS_LIST).used_fallback_calendar is False


def test_j11_documents_list_met_on_the_last_working_day(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 9, 30, 10, 0),
                       documents_requested_at=sh(2026, 10, 8, 17, 0))
    assert clock(claim, clocks.DOCUMENTS_LIST).status == Deadline.Status.MET


def test_j11_documents_list_across_the_year_boundary_uses_the_fallback(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.DOCUMENTS_LIST, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 31, 10, 0))
    assert deadline.due_at == eod(2027, 1, 4)  # Jan 1 2027 is 元旦, computed (no 2027 arrangement): provisional
    assert deadline.used_fallback_calendar is True


# --- claim.decision: 5 natural days from complete documents (rule J11) -----------------------------------------


def _documents_complete(user, at, amount="8000.00", **facts):
    return make_claim(user=user, reported_at=at.replace(hour=8, minute=0) if at.hour > 8 else at,
                      amount_claimed=Decimal(amount), documents_complete_at=at, **facts)


def test_j11_decision_five_natural_days_over_a_weekend(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 15, 0))  # Thursday
    assert clock(claim, clocks.DECISION).due_at == eod(2026, 11, 17)


def test_j11_decision_counts_holidays_as_days(parties):
    # Oct 2 + 5 natural days = Oct 7, the last day of the National Day holiday: rolls over to Oct 8 (rule T1)
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 10, 2, 9, 30))
    assert clock(claim, clocks.DECISION).due_at == eod(2026, 10, 8)
    services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={
        "decision": "covered", "decided_at": sh(2026, 10, 9, 9, 0)})
    deadline = clock(claim, clocks.DECISION)
    assert deadline.status == Deadline.Status.BREACHED and deadline.met_at == sh(2026, 10, 9, 9, 0)


def test_j11_decision_across_the_year_boundary(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.DECISION, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 29, 11, 0))
    assert deadline.due_at == eod(2027, 1, 4)  # Sunday Jan 3 rolls over (rule T1), on a computed 2027
    assert deadline.used_fallback_calendar is True


# --- claim.refusal_notice: 3 days from a refusal (rule J11) ----------------------------------------------------


def test_j11_refusal_notice_three_days_over_national_day(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 9, 29, 10, 0), decision="refused",
                                decided_at=sh(2026, 9, 30, 16, 0), refusal_reason="非保险责任：营运期间出险")
    assert clock(claim, clocks.REFUSAL_NOTICE).due_at == eod(2026, 10, 8)  # Oct 3 is a holiday: rolls over (T1)
    services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                           facts={"refusal_notice_sent_at": sh(2026, 10, 3, 20, 0)})
    assert clock(claim, clocks.REFUSAL_NOTICE).status == Deadline.Status.MET


def test_j11_refusal_notice_over_a_weekend(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0), decision="refused",
                                decided_at=sh(2026, 11, 13, 10, 0), refusal_reason="超出保险期间")
    assert clock(claim, clocks.REFUSAL_NOTICE).due_at == eod(2026, 11, 16)


def test_j11_refusal_notice_across_the_year_boundary(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.REFUSAL_NOTICE, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 30, 18, 0))
    assert deadline.due_at == eod(2027, 1, 4)  # Saturday Jan 2 rolls over to Monday (rule T1)


def test_refusal_requires_a_reason_and_changes_nothing_without(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0))
    with pytest.raises(services.ApplicationError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"decision": "refused", "decided_at": sh(2026, 11, 13, 10, 0)})
    assert "理由" in exc.value.message
    claim.refresh_from_db()
    assert claim.decided_at is None and deadline_for(rule=clocks.REFUSAL_NOTICE, subject=claim) is None


# --- claim.payment: 10 days from agreement (rule J11) ----------------------------------------------------------


def test_j11_payment_ten_days_over_national_day(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 9, 25, 10, 0), decision="covered",
                                decided_at=sh(2026, 9, 27, 10, 0), amount_agreed=Decimal("7800.00"),
                                agreed_at=sh(2026, 9, 28, 15, 0))
    assert clock(claim, clocks.PAYMENT).due_at == eod(2026, 10, 8)
    services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={"paid_at": sh(2026, 10, 9, 9, 0)})
    assert clock(claim, clocks.PAYMENT).status == Deadline.Status.BREACHED


def test_j11_payment_over_a_weekend(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 2, 10, 0), decision="covered",
                                decided_at=sh(2026, 11, 3, 10, 0), amount_agreed=Decimal("7800.00"),
                                agreed_at=sh(2026, 11, 4, 15, 0))
    assert clock(claim, clocks.PAYMENT).due_at == eod(2026, 11, 16)  # Saturday Nov 14 rolls over to Monday (T1)


def test_j11_payment_across_the_year_boundary(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.PAYMENT, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 25, 10, 0))
    assert deadline.due_at == eod(2027, 1, 4)


# --- claim.small_close: 3 working days from complete documents, amount ≤ CLAIM_SMALL_MAX_CNY (rule M13) ---------


def test_m13_small_close_three_working_days_over_a_weekend(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0), amount="10000.00")  # = max
    assert claim.size == "small"
    assert clock(claim, clocks.SMALL_CLOSE).due_at == eod(2026, 11, 17)
    assert deadline_for(rule=clocks.PROGRESS, subject=claim) is None
    assert not claim.progress_notices.exists()


def test_m13_small_close_over_national_day_ends_on_the_adjusted_saturday(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 9, 30, 10, 0), amount="2500.00")
    assert clock(claim, clocks.SMALL_CLOSE).due_at == eod(2026, 10, 10)  # Oct 8, Oct 9, Sat Oct 10
    services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={
        "decision": "covered", "decided_at": sh(2026, 10, 8, 9, 0), "amount_agreed": Decimal("2500.00"),
        "agreed_at": sh(2026, 10, 8, 10, 0), "paid_at": sh(2026, 10, 9, 10, 0), "closed_at": sh(2026, 10, 10, 11, 0),
    })
    assert clock(claim, clocks.SMALL_CLOSE).status == Deadline.Status.MET


def test_m13_small_close_across_the_year_boundary_uses_the_fallback(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.SMALL_CLOSE, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 29, 10, 0))
    assert deadline.due_at == eod(2027, 1, 4)  # Dec 30, Dec 31, (Jan 1: 元旦, computed), Jan 4
    assert deadline.used_fallback_calendar is True


@pytest.mark.parametrize("amount, size", [("10000.00", "small"), ("10000.01", "large")])
def test_m13_small_claim_threshold_is_the_setting(parties, amount, size):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0), amount=amount)
    assert claim.size == size


def test_m13_small_claim_threshold_follows_the_setting(parties, settings):
    settings.CLAIM_SMALL_MAX_CNY = Decimal("5000")
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0), amount="6000.00")
    assert claim.size == "large"


# --- claim.progress: a notice at least every N working days until closed (rule M13) -----------------------------


def _progress_clock(claim):
    period = claim.progress_notices.get(sent_at__isnull=True)
    return period, clock(period, clocks.PROGRESS)


def test_m13_progress_notices_over_mid_autumn_and_national_day(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 9, 24, 10, 0), amount="80000.00")
    assert claim.size == "large" and deadline_for(rule=clocks.SMALL_CLOSE, subject=claim) is None
    first, first_clock = _progress_clock(claim)
    # Sep 25 (Mid-Autumn) and Oct 1–7 are holidays: Sep 28, 29, 30, Oct 8, Oct 9
    assert first_clock.due_at == eod(2026, 10, 9)
    services.claim_progress_notice_record(claim=claim, actor=parties.insurer_a_user, sent_at=sh(2026, 10, 9, 10, 0),
                                          note="已完成定损，等待医疗费用单据")
    first_clock.refresh_from_db()
    assert first_clock.status == Deadline.Status.MET
    second, second_clock = _progress_clock(claim)
    assert second.seq == first.seq + 1 and second.period_start == sh(2026, 10, 9, 10, 0)
    # Sat Oct 10 (adjusted working day), Oct 12, 13, 14, 15
    assert second_clock.due_at == eod(2026, 10, 15)


def test_m13_progress_notice_late_is_a_breach_and_the_next_period_still_starts(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 2, 10, 0), amount="50000.00")
    _first, first_clock = _progress_clock(claim)
    assert first_clock.due_at == eod(2026, 11, 9)  # Mon + 5 working days over a weekend
    services.claim_progress_notice_record(claim=claim, actor=parties.insurer_a_user, sent_at=sh(2026, 11, 10, 9, 0))
    first_clock.refresh_from_db()
    assert first_clock.status == Deadline.Status.BREACHED
    _second, second_clock = _progress_clock(claim)
    assert second_clock.due_at == eod(2026, 11, 17)


def test_m13_progress_follows_the_setting(parties, settings):
    settings.CLAIM_LARGE_PROGRESS_WORKDAYS = 2
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 12, 10, 0), amount="50000.00")
    assert _progress_clock(claim)[1].due_at == eod(2026, 11, 16)


def test_m13_progress_duty_ends_when_the_claim_is_closed(parties):
    claim = _documents_complete(parties.insurer_a_user, sh(2026, 11, 2, 10, 0), amount="50000.00",
                                decision="covered", decided_at=sh(2026, 11, 3, 10, 0),
                                amount_agreed=Decimal("42000.00"), agreed_at=sh(2026, 11, 4, 10, 0),
                                paid_at=sh(2026, 11, 5, 10, 0))
    period, progress = _progress_clock(claim)
    services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={"closed_at": sh(2026, 11, 6, 10, 0)})
    progress.refresh_from_db()
    assert progress.status == Deadline.Status.MET and progress.met_at == sh(2026, 11, 6, 10, 0)
    assert claim.progress_notices.count() == 1  # no new period after closing


def test_m13_progress_across_the_year_boundary_uses_the_fallback(parties):
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.PROGRESS, subject=claim, responsible=claim.insurer,
                                  actor=parties.insurer_a_user,
                                  starts_at=sh(2026, 12, 28, 10, 0))
    assert deadline.due_at == eod(2027, 1, 5)  # Dec 29, 30, 31, (Jan 1: 元旦, computed), Jan 4, Jan 5
    assert deadline.used_fallback_calendar is True


# --- met and breached clocks are recorded, never recomputed away --------------------------------------------------


def test_recorded_timestamps_cannot_be_rewritten(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 2, 9, 0),
                       survey_dispatched_at=sh(2026, 11, 2, 11, 0))
    assert clock(claim, clocks.DISPATCH).status == Deadline.Status.BREACHED
    with pytest.raises(services.ConflictError):
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"survey_dispatched_at": sh(2026, 11, 2, 9, 30)})
    assert clock(claim, clocks.DISPATCH).status == Deadline.Status.BREACHED
    claim.refresh_from_db()
    assert claim.survey_dispatched_at == sh(2026, 11, 2, 11, 0)


def test_future_instants_are_refused(parties):
    claim = make_claim(user=parties.insurer_a_user)
    with pytest.raises(services.ApplicationError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"survey_dispatched_at": sh(2030, 1, 1, 9, 0)})
    assert "不能晚于当前时间" in exc.value.message


def test_p2_a_report_after_48_hours_is_marked(parties, client):
    from django.urls import reverse

    late = make_claim(user=parties.insurer_a_user, occurred_at=sh(2026, 11, 1, 8, 0), reported_at=sh(2026, 11, 3, 8, 1))
    timely = make_claim(user=parties.insurer_a_user, occurred_at=sh(2026, 11, 1, 8, 0), reported_at=sh(2026, 11, 3, 8, 0))
    assert late.reported_late is True and timely.reported_late is False
    client.force_login(parties.insurer_a_user)
    assert "超过 48 小时报案" in client.get(reverse("claims-detail", args=[late.pk])).content.decode()
