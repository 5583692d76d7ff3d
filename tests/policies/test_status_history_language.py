"""A policy's status history is read in the reader's language (issue 16, rule M12): the reason the platform writes
for a lifecycle step (期满, 停驶顺延, 退保 on a ground, 解除 by a case) is kept as a message id with its parameters and
shown in the language of whoever reads it, on the policy page and in the API; what a user typed (an endorsement's
reason, the evidence) stays as typed; old rows are recognised by the data migration when their Chinese text is
exactly a step's message."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from apps.parties.rights import SystemActor
from apps.policies.models import LifecyclePath, Policy, PolicyStatusChange
from apps.policies.services import policies_expire, policy_cancel, policy_endorse, policy_extend_laid_up
from tests.policies.factories import PolicyFactory, shanghai

pytestmark = pytest.mark.django_db

GROUND_EN = "The insured vehicle's registration was cancelled according to law"


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def _page(client, parties, policy, language):
    client.force_login(parties.regulator_user)
    return _get(client, reverse("policies:detail", args=[policy.pk]), language).content.decode()


def test_m12_an_expiry_recorded_in_chinese_reads_in_english_on_the_page_and_in_the_api(client, api, parties):
    policy = PolicyFactory(insurer=parties.insurer_a, starts_at=shanghai(2025, 1, 1), ends_at=shanghai(2026, 1, 1))
    with translation.override("zh-hans"):
        policies_expire(actor=SystemActor("policies.expire"))
    change = PolicyStatusChange.objects.get(policy=policy)
    assert change.reason == "保险期间届满。" and change.reason_msg == {"msgid": "保险期间届满。", "params": {}}
    english = _page(client, parties, policy, "en")
    assert "The policy period has ended." in english and "保险期间届满" not in english
    row = _get(api.as_user(parties.regulator_user), f"/api/v1/policies/{policy.pk}/history/", "en").json()
    assert row["status_changes"][0]["reason"] == "The policy period has ended."
    assert row["status_changes"][0]["reason_msg"] == {"msgid": "保险期间届满。", "params": {}}
    assert "保险期间届满。" in _page(client, parties, policy, "zh-hans")


def test_j10_an_extension_recorded_in_english_reads_in_chinese_with_the_evidence_as_typed(client, parties):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="cruising_taxi",
                           starts_at=shanghai(2026, 5, 1), ends_at=shanghai(2027, 5, 1))
    with translation.override("en"):
        policy_extend_laid_up(actor=parties.insurer_a_user, policy=policy, months=2, evidence="停驶证明第 7 号")
    change = PolicyStatusChange.objects.get(policy=policy, path=LifecyclePath.EXTENSION)
    assert change.reason.startswith("Lay-up extension of 2 months")  # rendered in the writer's language
    chinese = _page(client, parties, policy, "zh-hans")
    assert "停驶顺延 2 个月：保险止期 2027-05-01 00:00 → 2027-07-01 00:00。停驶证明第 7 号" in chinese
    assert "Lay-up extension of 2 months" not in chinese


def test_j6_a_cancellation_reason_translates_its_ground_and_keeps_the_typed_parts(client, api, parties):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="family", starts_at=shanghai(2026, 1, 1),
                           ends_at=shanghai(2027, 1, 1))
    with translation.override("zh-hans"):
        policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                       effective_on=dt.date(2026, 7, 2), premium_mode="policy_year", reason="投保人申请变更使用性质",
                       new_premium=Decimal("1800.00"), source=policy)
        policy_cancel(actor=parties.insurer_a_user, policy=policy, ground="deregistered", evidence="注销证明",
                      at=shanghai(2026, 9, 1))
    cancelled = PolicyStatusChange.objects.get(policy=policy, path=LifecyclePath.CANCELLATION)
    assert cancelled.reason == "被保险机动车依法注销登记：注销证明"
    assert cancelled.reason_msg["params"] == {"ground": {"msgid": "被保险机动车依法注销登记"}, "evidence": "注销证明"}
    rows = _get(api.as_user(parties.regulator_user), f"/api/v1/policies/{policy.pk}/history/", "en").json()
    reasons = {c["path"]: c["reason"] for c in rows["status_changes"]}
    assert reasons["cancellation"].startswith(GROUND_EN) and reasons["cancellation"].endswith("注销证明")
    assert reasons["endorsement"] == "投保人申请变更使用性质"  # typed: as typed
    assert PolicyStatusChange.objects.get(policy=policy, path=LifecyclePath.ENDORSEMENT).reason_msg == {}


def test_the_migration_recognises_old_step_reasons_and_leaves_typed_and_unknown_ones_as_stored(client, parties):
    migration = importlib.import_module("apps.policies.migrations.0010_status_change_reason_msg")
    policy = PolicyFactory(insurer=parties.insurer_a, starts_at=shanghai(2025, 1, 1), ends_at=shanghai(2026, 1, 1))

    def old(path, reason):
        return PolicyStatusChange.objects.create(policy=policy, from_status=Policy.Status.ACTIVE,
                                                 to_status=Policy.Status.ACTIVE, at=shanghai(2025, 6, 1), path=path,
                                                 reason=reason)

    expiry = old(LifecyclePath.EXPIRY, "保险期间届满。")
    rescission = old(LifecyclePath.RESCISSION, "合同解除案件 JC202600012：投保人未履行如实告知义务。")
    cancellation = old(LifecyclePath.CANCELLATION, "被保险机动车依法注销登记：注销证明")
    not_a_ground = old(LifecyclePath.CANCELLATION, "协商一致：投保人来电")
    typed = old(LifecyclePath.ENDORSEMENT, "保险期间届满。")  # an endorsement's reason is always typed
    migration.recognise_reasons(django_apps, None)
    for row in (expiry, rescission, cancellation, not_a_ground, typed):
        row.refresh_from_db()
    assert expiry.reason_msg == {"msgid": "保险期间届满。", "params": {}}
    assert rescission.reason_msg == {"msgid": "合同解除案件 %(no)s：投保人未履行如实告知义务。",
                                     "params": {"no": "JC202600012"}}
    assert cancellation.reason_msg == {"msgid": "%(ground)s：%(evidence)s",
                                       "params": {"ground": {"msgid": "被保险机动车依法注销登记"}, "evidence": "注销证明"}}
    assert not_a_ground.reason_msg == {} and typed.reason_msg == {}
    assert expiry.reason == "保险期间届满。"  # the stored text is never changed
    english = _page(client, parties, policy, "en")
    assert "The policy period has ended." in english and "协商一致：投保人来电" in english
    migration.forget_messages(django_apps, None)
    expiry.refresh_from_db()
    assert expiry.reason_msg == {} and expiry.reason == "保险期间届满。"
