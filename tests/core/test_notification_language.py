"""Notifications the platform writes are read in the reader's language (issue 16): stored as a message id with
its parameters, rendered when read — on the notification page and in the API; labels among the parameters
(a measure's kind) are translated too; organisation names and what a user typed stay as they are; rows older
than message ids show their stored text."""

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from apps.core.models import Notification
from apps.core.notifications import Text, notify_users
from apps.credit.models import ActionKind
from apps.credit.services import supervisory_action_close, supervisory_action_issue

pytestmark = pytest.mark.django_db

FACTS = "多次违规设置理赔条件，情节严重。"


def _get(client, url, language):
    """``url`` as a user who chose ``language`` in the top bar (the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def _suspension_told_under_chinese(parties):
    with translation.override("zh-hans"):
        return supervisory_action_issue(
            actor=parties.regulator_user, target=parties.insurer_a, kind="business_suspension",
            ground="invented_claim_conditions", facts=FACTS, starts_on=timezone.localdate(),
            reference_no="柳金监罚〔2026〕1号")


def test_a_notification_written_in_chinese_is_read_in_english_on_the_page_with_its_label_translated(client, parties):
    _suspension_told_under_chinese(parties)
    row = Notification.objects.get(user=parties.insurer_a_user, kind="supervisory_action.issued")
    regulator = parties.regulator.name
    assert row.title == f"{regulator}对贵单位作出暂停网约车保险业务"  # the rendered text stays for e-mail and old readers
    assert row.title_msgid == "%(issuer)s对贵单位作出%(kind)s"
    assert row.params == {"issuer": regulator, "kind": {"msgid": "暂停网约车保险业务"}}
    client.force_login(parties.insurer_a_user)
    english = _get(client, "/notifications/", "en").content.decode()
    assert f"{regulator} has issued a Suspension of ride-hailing insurance business to your organisation" in english
    assert "对贵单位作出" not in english
    assert FACTS in english  # what the regulator typed is shown as typed
    chinese = _get(client, "/notifications/", "zh-hans").content.decode()
    assert f"{regulator}对贵单位作出暂停网约车保险业务" in chinese


def test_the_api_returns_the_text_in_the_request_language_and_the_message_id(api, parties):
    action = _suspension_told_under_chinese(parties)
    with translation.override("zh-hans"):
        supervisory_action_close(actor=parties.regulator_user, action=action, result="已整改完毕。")
    client = api.as_user(parties.insurer_a_user)
    rows = {r["kind"]: r for r in _get(client, "/api/v1/notifications/", "en").json()["results"]}
    closed = rows["supervisory_action.closed"]
    assert closed["title"] == "Suspension of ride-hailing insurance business closed"
    assert closed["title_msgid"] == "%(kind)s已结案" and closed["params"] == {"kind": {"msgid": "暂停网约车保险业务"}}
    assert closed["body"] == "已整改完毕。" and closed["body_msgid"] == ""
    zh = _get(client, "/api/v1/notifications/", "zh-hans").json()["results"]
    assert {r["title"] for r in zh} >= {"暂停网约车保险业务已结案"}


def test_the_api_lists_only_the_callers_own_notifications(api, parties):
    notify_users(users=[parties.insurer_b_user], title=Text(gettext_noop("交换批次被拒收")))
    assert api.as_user(parties.insurer_a_user).get("/api/v1/notifications/").json()["count"] == 0
    assert api.as_user(parties.insurer_b_user).get("/api/v1/notifications/?unread=true").json()["count"] == 1


def test_an_old_row_without_a_message_id_shows_its_stored_text(client, api, parties):
    Notification.objects.create(user=parties.insurer_a_user, title="旧的通知：案件即将到期", body="第 20 天提醒")
    client.force_login(parties.insurer_a_user)
    english = _get(client, "/notifications/", "en").content.decode()
    assert "旧的通知：案件即将到期" in english and "第 20 天提醒" in english
    row = _get(api.as_user(parties.insurer_a_user), "/api/v1/notifications/", "en").json()
    assert row["results"][0]["title"] == "旧的通知：案件即将到期"


def test_a_nested_text_and_a_lazy_label_parameter_render_in_the_active_language(parties):
    notify_users(users=[parties.insurer_a_user],
                 title=Text(gettext_noop("%(kind)s已结案"), kind=ActionKind.RECTIFICATION_ORDER.label),
                 body=Text(gettext_noop("督促事项 %(no)s 已办结"), no="DC000001"))
    row = Notification.objects.get(user=parties.insurer_a_user)
    with translation.override("en"):
        assert (row.display_title, row.display_body) == ("Rectification order closed", "Urging item DC000001 resolved")
    with translation.override("zh-hans"):
        assert (row.display_title, row.display_body) == ("责令整改已结案", "督促事项 DC000001 已办结")


def test_a_message_whose_parameters_no_longer_fit_falls_back_to_the_stored_text(parties):
    row = Notification.objects.create(user=parties.insurer_a_user, title="督促事项 DC1 已办结",
                                      title_msgid="督促事项 %(no)s 已办结", params={})
    with translation.override("en"):
        assert row.display_title == "督促事项 DC1 已办结"


def test_title_and_body_may_not_give_one_parameter_two_values(parties):
    with pytest.raises(ValueError):
        notify_users(users=[parties.insurer_a_user], title=Text(gettext_noop("督促事项 %(no)s 已办结"), no="A"),
                     body=Text(gettext_noop("督促事项 %(no)s 已办结"), no="B"))
