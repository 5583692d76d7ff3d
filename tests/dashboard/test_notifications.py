from apps.core.models import Notification
from apps.core.notifications import notify_users


def test_notification_centre_lists_only_own_and_marks_read(client, parties):
    me, other = parties.insurer_a_user, parties.insurer_b_user
    notify_users(users=[me], title="案件即将到期", body="第 20 天提醒", kind="rescission")
    notify_users(users=[other], title="别人的通知")
    client.force_login(me)
    page = client.get("/notifications/").content.decode()
    assert "案件即将到期" in page and "别人的通知" not in page
    theirs = Notification.objects.get(user=other)
    client.post("/notifications/read/", {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None  # another user's notification cannot be touched
    client.post("/notifications/read/", {})
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()


def test_dedup_key_never_sends_twice(parties):
    me = parties.insurer_a_user
    assert notify_users(users=[me], title="第 20 天", dedup_key="case-1-day-20") == 1
    assert notify_users(users=[me], title="第 20 天", dedup_key="case-1-day-20") == 0
    assert Notification.objects.filter(user=me).count() == 1
