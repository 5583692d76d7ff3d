"""Texts the platform writes into records are read in the reader's language (issue 16): the kernel keeps a clock's
pause, cancellation and extension reason as a message id with its parameters beside the text rendered when it was
written; pages and the API show the message in the reader's language and a reason a user typed as typed.
``recognise`` finds the message behind an old row's stored Chinese text (the data migrations)."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from apps.claims import clocks
from apps.claims import services as claims
from apps.core import deadlines
from apps.core.deadlines import SHANGHAI
from apps.core.models import AuditEvent, Deadline, DeadlinePause
from apps.core.notifications import Text, recognise, shown, stored
from apps.parties.rights import SystemActor
from tests.claims.factories import make_claim, sh

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test.clock")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
H = dt.timedelta(hours=1)
TYPED = "台风红色预警，道路封闭"


def _clock(parties):
    return deadlines.deadline_start(rule="test.clock", subject=parties.insurer_a, responsible=parties.insurer_a,
                                    starts_at=T0, unit=Deadline.Unit.HOURS, amount=100, actor=SYSTEM)


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


# --- the two columns and what is shown ------------------------------------------------------------------------


def test_a_platform_text_is_stored_rendered_and_as_its_message_a_typed_text_only_as_typed():
    with translation.override("zh-hans"):
        text, message = stored(Text(gettext_noop("%(prefix)s：%(reason)s"), prefix=gettext_lazy("撤案"), reason=TYPED))
    assert text == f"撤案：{TYPED}"
    assert message == {"msgid": "%(prefix)s：%(reason)s", "params": {"prefix": {"msgid": "撤案"}, "reason": TYPED}}
    with translation.override("en"):
        assert shown(text, message) == f"Withdraw claim: {TYPED}"
    assert stored(TYPED) == (TYPED, {})
    with translation.override("en"):
        assert shown(TYPED, {}) == TYPED
        # a message its parameters no longer fit shows what was stored rather than failing the page
        assert shown("旧文本", {"msgid": "%(prefix)s：%(reason)s", "params": {"prefix": "x"}}) == "旧文本"


def test_recognise_finds_the_message_behind_an_old_chinese_text_exactly():
    msgids = ["核查结论：%(f)s。", "处理期限延长至 %(n)d 日，%(due)s 前办理完毕。理由：%(r)s", "承办单位正在核查。"]
    assert recognise("承办单位正在核查。", msgids) == {"msgid": "承办单位正在核查。", "params": {}}
    assert recognise("核查结论：属实。", msgids, {"f": ["属实"]}) == {"msgid": "核查结论：%(f)s。",
                                                                     "params": {"f": {"msgid": "属实"}}}
    assert recognise("核查结论：另议。", msgids, {"f": ["属实"]}) == {}  # a label's place holds no label
    assert recognise("核查结论：另议。", msgids)["params"] == {"f": "另议"}  # without labels: data
    assert recognise("处理期限延长至 30 日，2026-12-20 前办理完毕。理由：案情复杂", msgids) == {
        "msgid": "处理期限延长至 %(n)d 日，%(due)s 前办理完毕。理由：%(r)s",
        "params": {"n": 30, "due": "2026-12-20", "r": "案情复杂"}}
    assert recognise("处理期限延长至三十日，理由：案情复杂", msgids) == {}  # %(n)d is a number
    assert recognise("承办单位正在核查", msgids) == {}  # not exactly (the full stop is missing)
    assert recognise("我们承办单位正在核查。", msgids) == {}


# --- clocks -------------------------------------------------------------------------------------------------------


def test_a_pause_reason_the_platform_wrote_in_chinese_reads_in_english_a_typed_one_as_typed(parties):
    with translation.override("zh-hans"):
        paused = deadlines.deadline_pause(deadline=_clock(parties), reason=Text(gettext_noop("案件已结案，该项未记录")),
                                          actor=SYSTEM, at=T0 + H)
    pause = DeadlinePause.objects.get(deadline=paused)
    assert pause.reason == "案件已结案，该项未记录" and pause.reason_msg == {"msgid": "案件已结案，该项未记录", "params": {}}
    with translation.override("en"):
        assert pause.display_reason == "Claim closed; this step was not recorded"
    audit = AuditEvent.objects.get(action="deadline.pause", object_id=str(paused.pk))
    assert audit.detail["reason"] == "案件已结案，该项未记录" and audit.detail["reason_msg"]["msgid"] == pause.reason
    deadlines.deadline_resume(deadline=paused, actor=SYSTEM, at=T0 + 2 * H)
    typed = deadlines.deadline_pause(deadline=paused, reason=f"  {TYPED} ", actor=parties.insurer_a_user,
                                     at=T0 + 3 * H)
    last = typed.pauses.order_by("-paused_at").first()
    assert last.reason == TYPED and last.reason_msg == {}
    with translation.override("en"):
        assert last.display_reason == TYPED
    assert "reason_msg" not in AuditEvent.objects.filter(action="deadline.pause").order_by("-id").first().detail


def test_a_cancel_reason_written_in_english_is_kept_as_its_message_and_reads_in_chinese(parties):
    with translation.override("en"):
        deadlines.deadline_cancel(deadline=_clock(parties), reason=Text(gettext_noop("保险期间届满，无需再批改。")),
                                  actor=SYSTEM)
    detail = AuditEvent.objects.get(action="deadline.cancel").detail
    assert detail["reason"] == "The policy period has ended; no endorsement is needed."
    with translation.override("zh-hans"):
        assert shown(detail["reason"], detail["reason_msg"]) == "保险期间届满，无需再批改。"


def test_m13_a_withdrawal_closes_the_clocks_with_a_reason_in_the_readers_language(parties):
    reported = timezone.now() - dt.timedelta(minutes=30)
    claim = make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported)
    with translation.override("zh-hans"):
        claims.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason="索赔人书面撤回索赔请求", confirm=True)
    clock = deadlines.deadline_for(rule=clocks.DISPATCH, subject=claim)
    detail = AuditEvent.objects.get(action="deadline.cancel", object_id=str(clock.pk)).detail
    assert detail["reason"] == "撤案：索赔人书面撤回索赔请求"
    assert detail["reason_msg"]["params"] == {"prefix": {"msgid": "撤案"}, "reason": "索赔人书面撤回索赔请求"}
    with translation.override("en"):
        assert shown(detail["reason"], detail["reason_msg"]) == "Withdraw claim: 索赔人书面撤回索赔请求"


def test_m13_the_claim_page_and_api_show_a_typed_pause_reason_as_typed_in_english(client, api, parties):
    user = parties.insurer_a_user
    claim = make_claim(user=user, reported_at=sh(2026, 11, 3, 22, 0))
    claims.claim_special_circumstances_record(claim=claim, actor=user, reason=TYPED, at=sh(2026, 11, 3, 22, 20))
    client.force_login(user)
    page = _get(client, f"/claims/{claim.pk}/", "en").content.decode()
    assert f"{TYPED}</div>" in page
    clocks_shown = _get(api.as_user(user), f"/api/v1/claims/{claim.pk}/", "en").json()["clocks"]
    assert [TYPED] in [c["reasons"] for c in clocks_shown]
