"""The "what is due" page: clocks in the user's audience, nearest first; met and cancelled ones are gone."""

import datetime as dt

from apps.core import deadlines
from apps.core.deadlines import SHANGHAI
from apps.core.models import Deadline
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services

T0 = dt.datetime(2026, 5, 4, 9, tzinfo=SHANGHAI)


def test_due_page_lists_nearest_first_and_hides_finished_clocks(client, parties):
    org, user = parties.insurer_a, parties.insurer_a_user
    subjects = [OrganizationFactory(kind="insurer", name=f"对象{i}") for i in range(5)]

    def clock(subject, hours):
        return deadlines.deadline_start(rule="test.due", subject=subject, responsible=org, starts_at=T0,
                                        unit=Deadline.Unit.HOURS, amount=hours, actor=SYSTEM)

    later, sooner, breached, met, cancelled = (clock(subjects[0], 300), clock(subjects[1], 200), clock(subjects[2], 1),
                                               clock(subjects[3], 2), clock(subjects[4], 3))
    deadlines.deadline_scan(now=T0 + dt.timedelta(hours=1, seconds=1))
    deadlines.deadline_meet(deadline=met, at=T0 + dt.timedelta(minutes=30), actor=SYSTEM)
    deadlines.deadline_cancel(deadline=cancelled, reason="测试", actor=SYSTEM)

    client.force_login(user)
    html = client.get("/due/").content.decode()
    def row(d):  # each clock's subject by its name, never "<model> #<id>"
        return f">{subjects[[s.pk for s in subjects].index(int(d.object_id))].name}<"

    positions = [html.index(row(d)) for d in (breached, sooner, later)]
    assert positions == sorted(positions)  # breached (due earliest) first, then nearest
    assert row(met) not in html and row(cancelled) not in html
    assert 'class="bad"' in html  # the breached row is marked
    assert "已超期" in html
