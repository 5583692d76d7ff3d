"""A rescission case's decision reason and its steps' notes are read in the reader's language (issue 16, rules
J5, M12): the reason the platform writes (the policyholder disclosed within the days of rule J5) is kept as a message
id with its parameters and shown in the language of whoever reads it, on the case page and in the API; what the user
added stays as typed; old rows are recognised by the data migration when their Chinese text is exactly one of the
platform's messages."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from apps.rescissions import services
from apps.rescissions.models import EventKind, RescissionEvent

from .factories import days_ago, notice_through, open_case, refresh

pytestmark = pytest.mark.django_db

TYPED = "投保人说明车辆已加入网约车平台"
J5_EN = "The policyholder made the disclosure at"


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def _disclosed(parties, note=TYPED):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(10, 9))
    case = notice_through(case, user, sent_at=days_ago(9, 9), received_at=days_ago(8, 9))
    with translation.override("zh-hans"):
        services.rescission_disclosure_record(case=case, actor=user, disclosed_at=days_ago(4, 10), note=note)
    return refresh(case)


def test_j5_a_not_rescinded_reason_written_in_chinese_reads_in_english_with_the_typed_note(client, api, parties):
    case = _disclosed(parties)
    assert case.decision_reason.startswith("投保人于 ") and case.decision_reason.endswith(f"\n{TYPED}")
    assert case.decision_reason_msg["params"]["note"] == TYPED
    client.force_login(parties.insurer_a_user)
    english = _get(client, f"/rescissions/{case.pk}/", "en").content.decode()
    assert J5_EN in english and TYPED in english
    assert "履行了如实告知义务，保险人不得解除合同" not in english
    body = _get(api.as_user(parties.insurer_a_user), f"/api/v1/rescission-cases/{case.pk}/", "en").json()
    assert body["decision_reason"].startswith(J5_EN) and body["decision_reason"].endswith(TYPED)
    event = case.events.get(kind=EventKind.NOT_RESCINDED)
    assert event.note == case.decision_reason and event.note_msg == case.decision_reason_msg
    with translation.override("en"):
        assert event.display_note.startswith(J5_EN)
    chinese = _get(client, f"/rescissions/{case.pk}/", "zh-hans").content.decode()
    assert "履行了如实告知义务，保险人不得解除合同（规则 J5）。" in chinese


def test_the_migration_recognises_old_reasons_and_notes_and_leaves_others_as_stored(client, parties):
    migration = importlib.import_module("apps.rescissions.migrations.0007_stored_text_messages")
    case = _disclosed(parties, note="")
    stored_reason = case.decision_reason
    type(case).objects.filter(pk=case.pk).update(decision_reason_msg={})  # as an older version left it
    event = RescissionEvent.objects.create(case=case, kind=EventKind.RESCINDED, at=timezone.now(),
                                           note="保单已在案件 RC000042 中解除。")
    typed = RescissionEvent.objects.create(case=case, kind=EventKind.RESCINDED, at=timezone.now(),
                                           note="经协商，投保人同意解除合同。")
    with connection.cursor() as cursor:  # the rows above are checked now, as rows committed before a migration
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # as ``migrate`` runs it (the steps' append-only guard lifted)
        migration.recognise_texts(django_apps, editor)
    case, event, typed = refresh(case), RescissionEvent.objects.get(pk=event.pk), RescissionEvent.objects.get(pk=typed.pk)
    assert case.decision_reason == stored_reason and case.decision_reason_msg["msgid"] == migration.J5_DISCLOSED
    assert event.note_msg == {"msgid": "保单已在案件 %(no)s 中解除。", "params": {"no": "RC000042"}}
    assert typed.note_msg == {}
    with translation.override("en"):
        assert case.display_decision_reason.startswith(J5_EN)
        assert event.display_note == "The policy has already been rescinded in case RC000042."
        assert typed.display_note == "经协商，投保人同意解除合同。"
    assert migration.message_of(f"{stored_reason}\n补充说明", "not_rescinded")["params"]["note"] == "补充说明"
    assert migration.message_of("保单已批改（家庭自用 → 预约出租客运，按保单年度重新核定保费（规则 J9））：改为营运",
                                "endorsed")["params"]["mode"] == {"msgid": "按保单年度重新核定保费（规则 J9）"}
    assert migration.message_of("保单已批改（甲 → 乙，丙）：改为营运", "endorsed") == {}  # not labels: as stored
