"""The deadline scan run by a real Celery worker on the real Redis broker marks a breach."""

import datetime as dt

import pytest
from django.conf import settings

from apps.core import deadlines
from apps.core.models import AuditEvent, Deadline
from apps.core.tasks import deadline_scan
from apps.parties.rights import SystemActor
from liuzhou_regulation.celery import app
from tests.factories import OrganizationFactory
from tests.helpers import wait_for

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services

pytestmark = pytest.mark.celery_worker


def test_worker_consumes_this_checkout_s_queue():
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert deadline_scan.name in app.tasks


def test_deadline_scan_by_a_real_worker_marks_a_breach(celery_worker):
    org = OrganizationFactory(kind="insurer")
    overdue = deadlines.deadline_start(
        rule="test.worker", subject=org, responsible=org, starts_at=dt.datetime(2026, 1, 5, 9, tzinfo=deadlines.SHANGHAI),
        unit=Deadline.Unit.HOURS, amount=1, actor=SYSTEM)
    assert overdue.status == Deadline.Status.OPEN

    deadline_scan.delay()  # through Redis to the worker thread, which uses its own database connection

    def breached():
        overdue.refresh_from_db()
        return overdue.status == Deadline.Status.BREACHED

    wait_for(breached, timeout=30, what="the worker to mark the breach")
    assert overdue.breached_at == overdue.due_at
    assert AuditEvent.objects.filter(action="deadline.breach", object_id=str(overdue.pk)).exists()
