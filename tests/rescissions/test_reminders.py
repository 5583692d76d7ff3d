"""Reminders to the insurer's staff on days 20, 25 and 28 (in-app, and e-mail where users have an address), sent by
the kernel's one deadline scan from the rescission rule's registered reminders."""

import pytest
from django.core import mail

from apps.core.deadlines import deadline_scan
from apps.core.rules import rule_get
from apps.rescissions import services
from apps.rescissions.models import EventKind, Status
from liuzhou_regulation.celery import app

from .factories import days_ago, notice_through, open_case, refresh


def test_m12_reminders_are_the_rules_registration_and_no_separate_task_runs():
    assert rule_get(services.RULE_DECIDE).resolved_reminders() == (20, 25, 28)
    assert "rescission-reminders" not in app.conf.beat_schedule
    assert "apps.rescissions.tasks.rescission_reminders" not in app.tasks


@pytest.mark.parametrize(("age", "day"), [(20, 20), (22, 20), (26, 25), (29, 28)])
def test_m12_reminder_of_the_latest_day_reached_once(parties, django_capture_on_commit_callbacks, age, day):
    user = parties.insurer_a_user
    user.email = "staff@insurer-a.example"
    user.save(update_fields=["email"])
    case = open_case(parties.insurer_a, known_at=days_ago(age, 9))
    open_case(parties.insurer_a, known_at=days_ago(10, 9))  # not yet due for a reminder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan()["reminded"] == 1
    notes = user.notifications.filter(kind="rescission.reminder")
    assert notes.count() == 1 and f"已到第 {day} 天" in notes.get().title
    assert notes.get().link == f"/rescissions/{case.pk}/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["staff@insurer-a.example"]
    assert case.events.filter(kind=EventKind.REMINDER, data__day=day).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan()["reminded"] == 0  # same day again: nothing new
    assert len(mail.outbox) == 1
    assert not parties.insurer_b_user.notifications.exists()


def test_no_reminders_for_decided_cases(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(21, 9))
    services.rescission_decide(case=case, actor=user, decision="conditions_not_met", reason="经核实保单使用性质正确。")
    assert deadline_scan()["reminded"] == 0
    assert not user.notifications.filter(kind="rescission.reminder").exists()


def test_j5_disclosure_period_expiry_is_recorded_and_enables_rescission(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    case = notice_through(case, user, sent_at=days_ago(11, 9), received_at=days_ago(10, 9))
    deadline_scan()
    case = refresh(case)
    assert case.status == Status.AWAITING_DISCLOSURE
    assert case.events.filter(kind=EventKind.DISCLOSURE_EXPIRED, at=case.disclosure_due_at).count() == 1
    assert user.notifications.filter(kind="rescission.disclosure_expired").exists()
