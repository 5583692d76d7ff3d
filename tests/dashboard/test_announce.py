"""Rule M17: once a month is over, the transport bureau, the regulator and the insurance association are told its
joint report is ready — once per user and month, however often the beat task runs."""

import datetime as dt

from apps.core.models import Notification
from apps.dashboard import services, tasks


def test_the_joint_report_is_announced_once_to_the_supervising_parties(parties):
    created = services.joint_report_announce(today=dt.date(2026, 6, 1))
    assert created == 3
    notes = Notification.objects.filter(kind="dashboard.joint_report")
    assert {n.user.organization for n in notes} == {parties.transport, parties.regulator, parties.ins_assoc}
    assert {n.title for n in notes} == {"2026-05 联合监管月报已可下载"}
    assert {n.link for n in notes} == {"/dashboard/report/?month=2026-05"}
    assert services.joint_report_announce(today=dt.date(2026, 6, 20)) == 0  # same month: nothing new
    assert services.joint_report_announce(today=dt.date(2026, 7, 2)) == 3  # next month's report


def test_no_announcement_before_the_mechanism(parties):
    assert services.joint_report_announce(today=dt.date(2026, 4, 15)) == 0  # March 2026: before rule M18
    assert not Notification.objects.exists()


def test_the_beat_task_calls_the_service(parties):
    assert tasks.joint_report_announce.run() in (0, 3)  # 0 only while the mechanism's first month runs
    assert tasks.joint_report_announce.run() == 0


def test_chart_export_format_is_checked(client, parties):
    client.force_login(parties.regulator_user)
    response = client.get("/dashboard/charts/sanctions.csv", {"format": "pdf"})
    assert response.status_code == 400 and "CSV" in response.content.decode()
    response = client.get("/dashboard/charts/sanctions.csv", {"format": "xlsx"})
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
