"""Rule J5 / M12: past deadline_at without a decision the beat task, run by a real Celery worker, lapses the case,
opens a 督促 item for the insurance association (no credit record: M2, M12), and the regulator sees it."""

import time

import pytest

from apps.core.models import Deadline
from apps.core.tasks import deadline_scan
from apps.credit.models import CreditRecord, UrgingItem
from apps.rescissions import services
from apps.rescissions.models import EventKind, RescissionCase, Status
from tests.helpers import wait_for

from .factories import days_ago, open_case

pytestmark = pytest.mark.celery_worker


def test_j5_lapse_by_the_beat_task_on_a_real_worker(celery_worker, parties, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    overdue = open_case(parties.insurer_a, known_at=days_ago(31, 9))
    running = open_case(parties.insurer_a, known_at=days_ago(29, 9))
    assert overdue.status == Status.OPEN

    deadline_scan.delay()  # the task Celery beat runs, through Redis to the worker thread

    wait_for(lambda: RescissionCase.objects.get(pk=overdue.pk).status == Status.LAPSED, timeout=30, every=0.2,
             what="the lapse")
    overdue = RescissionCase.objects.get(pk=overdue.pk)
    assert overdue.lapsed_at is not None
    assert overdue.events.filter(kind=EventKind.LAPSED, at=overdue.deadline_at).count() == 1
    assert services.decide_deadline(overdue).status == Deadline.Status.BREACHED
    assert RescissionCase.objects.get(pk=running.pk).status == Status.OPEN

    item = UrgingItem.objects.get(subject_object_id=str(overdue.pk))
    assert (item.insurer, item.rule, item.status) == (parties.insurer_a, "M12", "open")
    assert item.subject_link == f"/rescissions/{overdue.pk}/"
    assert not CreditRecord.objects.exists()
    assert parties.insurer_a_user.notifications.filter(kind="rescission.lapsed").exists()

    client.force_login(parties.regulator_user)
    page = client.get("/rescissions/?state=all&status=lapsed").content.decode()
    assert f'data-case="{overdue.pk}"' in page and f'data-case="{running.pk}"' not in page

    deadline_scan.delay()  # a second run changes nothing
    time.sleep(1)
    assert UrgingItem.objects.count() == 1 and not CreditRecord.objects.exists()
    assert overdue.events.filter(kind=EventKind.LAPSED).count() == 1
