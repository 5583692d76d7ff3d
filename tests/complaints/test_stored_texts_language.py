"""A complaint's trail is read in the reader's language (issue 16, rule M16): what the platform writes on a step
(received, routed, forwarded, finding …) is kept as a message id with its parameters and shown in the language of
whoever reads it — on the public status page a member of the public sees after reporting on 12328/12378, on the
staff page and in the API; what a user typed (a note, an insurer's reply, the feedback) stays as typed; rows older
than the messages are recognised by the data migration when their Chinese text is exactly a step's message."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from apps.complaints.models import ComplaintEvent
from apps.complaints.services import (
    complaint_add_note,
    complaint_forward,
    complaint_resolve,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)

from .factories import report_12328, report_12378

pytestmark = pytest.mark.django_db

TYPED = "已电话联系驾驶员，约定周三到场说明情况。"


def _post(client, url, data, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(url, data)


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def test_m16_public_status_page_of_a_report_filed_in_chinese_reads_in_english(client, parties):
    with translation.override("zh-hans"):
        complaint, code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
        complaint_forward(actor=parties.regulator_user, complaint=complaint, insurer=parties.insurer_a, note="请核实")
    routed = complaint.events.get(kind=ComplaintEvent.Kind.ROUTED)
    assert routed.note == f"已按热线 12378 分办至{parties.regulator.name}。"  # the text as written stays stored
    assert routed.note_msg == {"msgid": "已按热线 %(h)s 分办至%(org)s。",
                               "params": {"h": "12378", "org": parties.regulator.name}}
    english = _post(client, "/complaints/status/", {"tracking_no": complaint.tracking_no, "code": code}, "en")
    body = english.content.decode()
    assert english.status_code == 200
    assert "Online report, received." in body
    assert f"Routed by hotline 12378 to {parties.regulator.name}." in body
    assert "Forwarded to the insurer concerned for checks." in body
    for chinese in ("已受理", "分办至", "已转相关保险公司核查"):
        assert chinese not in body
    chinese_page = _post(client, "/complaints/status/", {"tracking_no": complaint.tracking_no, "code": code},
                         "zh-hans").content.decode()
    assert "网上举报，已受理。" in chinese_page and "已转相关保险公司核查。" in chinese_page


def test_m16_a_step_written_in_english_reads_in_chinese_and_the_label_parameter_is_translated(client, parties):
    with translation.override("en"):
        complaint, _code = complaint_submit(**report_12328(), actor=public_reporter())
        complaint_start_verifying(actor=parties.transport_user, complaint=complaint)
        complaint_resolve(actor=parties.transport_user, complaint=complaint, finding="substantiated",
                          result="经核实属实。", record_credit=False)
    resolved = complaint.events.get(kind=ComplaintEvent.Kind.RESOLVED)
    assert resolved.note == "Finding: Substantiated."  # rendered in the writer's language …
    assert resolved.note_msg["params"] == {"f": {"msgid": "属实"}}  # … the label kept by its message id
    client.force_login(parties.transport_user)
    chinese = _get(client, f"/complaints/staff/{complaint.pk}/", "zh-hans").content.decode()
    assert "核查结论：属实。" in chinese and "Finding: Substantiated." not in chinese
    assert "承办单位正在核查。" in chinese
    english = _get(client, f"/complaints/staff/{complaint.pk}/", "en").content.decode()
    assert "Finding: Substantiated." in english and "The handling organisation is verifying." in english


def test_m16_a_typed_note_and_the_typed_part_of_a_step_stay_as_typed(client, api, parties):
    with translation.override("zh-hans"):
        complaint, _code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
        complaint_forward(actor=parties.regulator_user, complaint=complaint, insurer=parties.insurer_a,
                          note="请五日内答复")
        complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
        note = complaint_add_note(actor=parties.regulator_user, complaint=complaint, note=TYPED)
    assert note.note == TYPED and note.note_msg == {}
    client.force_login(parties.regulator_user)
    english = _get(client, f"/complaints/staff/{complaint.pk}/", "en").content.decode()
    assert TYPED in english
    assert f"Forwarded to {parties.insurer_a.name}. 请五日内答复" in english
    rows = _get(api.as_user(parties.regulator_user), f"/api/v1/complaints/{complaint.pk}/", "en").json()["events"]
    notes = {row["kind"]: row for row in rows}
    assert notes["note"]["note"] == TYPED and notes["note"]["note_msg"] == {}
    assert notes["forwarded"]["note"] == f"Forwarded to {parties.insurer_a.name}. 请五日内答复"
    assert notes["forwarded"]["note_msg"]["msgid"] == "转%(org)s核查。%(note)s"


def test_the_migration_recognises_old_step_notes_and_leaves_typed_and_unknown_ones_as_stored(client, parties):
    migration = importlib.import_module("apps.complaints.migrations.0005_event_note_msg")
    complaint, code = complaint_submit(**report_12328(), actor=public_reporter())
    old_org = "柳州市交通运输局（原名称）"  # rows as an older version wrote them, before messages were kept
    kinds = ComplaintEvent.Kind
    received = ComplaintEvent.objects.create(complaint=complaint, kind=kinds.RECEIVED, note="电话登记，已受理。",
                                             public=True)
    routed = ComplaintEvent.objects.create(complaint=complaint, kind=kinds.ROUTED, public=True,
                                           note=f"已按热线 12328 分办至{old_org}。")
    lead = ComplaintEvent.objects.create(complaint=complaint, kind=kinds.LEAD_CREATED, note="已转为线索 42。")
    odd = ComplaintEvent.objects.create(complaint=complaint, kind=kinds.VERIFYING, note="旧版本写的：正在核查", public=True)
    typed = ComplaintEvent.objects.create(complaint=complaint, kind=kinds.NOTE, note="承办单位正在核查。")
    with connection.cursor() as cursor:  # the rows above are checked now, as rows committed before a migration
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # as ``migrate`` runs it (the trail's append-only guard lifted)
        migration.recognise_notes(django_apps, editor)
    for event in (received, routed, lead, odd, typed):
        event.refresh_from_db()
    assert received.note_msg == {"msgid": "%(s)s，已受理。", "params": {"s": {"msgid": "电话登记"}}}
    assert routed.note_msg == {"msgid": "已按热线 %(h)s 分办至%(org)s。",
                               "params": {"h": "12328", "org": old_org}}
    assert lead.note_msg == {"msgid": "已转为线索 %(id)s。", "params": {"id": "XS00000042"}}
    assert odd.note_msg == {} and typed.note_msg == {}  # not a step's message / typed by a user: as stored
    assert received.note == "电话登记，已受理。"  # the stored text is never changed
    body = _post(client, "/complaints/status/", {"tracking_no": complaint.tracking_no, "code": code},
                 "en").content.decode()
    assert "Telephone report, received." in body and f"Routed by hotline 12328 to {old_org}." in body
    assert "旧版本写的：正在核查" in body  # an unrecognised old note is shown as it was stored
    with connection.schema_editor() as editor:
        migration.forget_messages(django_apps, editor)
    received.refresh_from_db()
    assert received.note_msg == {} and received.note == "电话登记，已受理。"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():  # the guard is back
        ComplaintEvent.objects.filter(pk=received.pk).update(note="改写")
