"""A cancellation's evidence with the approved lay-up dates the platform added (rule C5) is read in the reader's
language (issue 16, rule M16): the evidence keeps its message beside the text; the typed evidence and the dates
stay verbatim; typed evidence alone is shown as typed; old rows are recognised by the migration."""

import datetime as dt
import html
import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from apps.policies.models import Cancellation
from apps.policies.services import policy_cancel
from tests.policies.factories import PolicyFactory, shanghai

pytestmark = pytest.mark.django_db

TYPED = "柳州市道路运输管理处停运批准书"


def _laid_up(parties) -> Cancellation:
    policy = PolicyFactory(insurer=parties.insurer_a, kind="carrier_liability", usage_nature_insured="highway_passenger")
    with translation.override("zh-hans"):
        return policy_cancel(actor=parties.insurer_a_user, policy=policy, ground="laid_up_3_months", evidence=TYPED,
                             at=shanghai(2026, 6, 1), laid_up_from=dt.date(2026, 6, 1), laid_up_to=dt.date(2026, 8, 31))


def test_c5_the_evidence_with_lay_up_dates_written_in_chinese_reads_in_english_and_back(client, parties):
    cancellation = _laid_up(parties)
    assert cancellation.evidence == f"{TYPED}（停运 2026-06-01 至 2026-08-31）"
    assert cancellation.evidence_msg == {"msgid": "%(e)s（停运 %(a)s 至 %(b)s）",
                                         "params": {"e": TYPED, "a": "2026-06-01", "b": "2026-08-31"}}
    client.force_login(parties.insurer_a_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = html.unescape(client.get(f"/policies/{cancellation.policy_id}/").content.decode())
    assert f"{TYPED} (operation suspended 2026-06-01 to 2026-08-31)" in english
    assert "（停运 " not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = html.unescape(client.get(f"/policies/{cancellation.policy_id}/").content.decode())
    assert cancellation.evidence in chinese


def test_typed_evidence_alone_is_shown_as_typed(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, kind="compulsory")
    cancellation = policy_cancel(actor=parties.insurer_a_user, policy=policy, ground="deregistered",
                                 evidence="车辆注销证明", at=shanghai(2026, 6, 1))
    assert cancellation.evidence_msg == {}
    with translation.override("en"):
        assert cancellation.display_evidence == "车辆注销证明"


def test_the_migration_recognises_old_lay_up_evidence_and_leaves_other_text_as_stored(parties):
    migration = importlib.import_module("apps.policies.migrations.0012_cancellation_evidence_msg")
    old = _laid_up(parties)
    Cancellation.objects.filter(pk=old.pk).update(evidence_msg={})
    policy = PolicyFactory(insurer=parties.insurer_a, kind="compulsory")
    odd = policy_cancel(actor=parties.insurer_a_user, policy=policy, ground="deregistered",
                        evidence="注销证明（停运 见附件 至 今）", at=shanghai(2026, 6, 1))
    migration.recognise_evidence(django_apps, None)
    old = Cancellation.objects.get(pk=old.pk)
    assert old.evidence_msg == {"msgid": "%(e)s（停运 %(a)s 至 %(b)s）",
                                "params": {"e": TYPED, "a": "2026-06-01", "b": "2026-08-31"}}
    assert Cancellation.objects.get(pk=odd.pk).evidence_msg == {}
    with translation.override("en"):
        assert old.display_evidence == f"{TYPED} (operation suspended 2026-06-01 to 2026-08-31)"
    assert old.evidence == f"{TYPED}（停运 2026-06-01 至 2026-08-31）"  # the stored text is never changed
    migration.forget_messages(django_apps, None)
    assert Cancellation.objects.get(pk=old.pk).evidence_msg == {}
