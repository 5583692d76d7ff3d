"""An import's row errors and failure message are read in the reader's language (issue 16, rule M16): the
importer keeps each reason as a message id with its parameters beside the text rendered at the preview; the
cells quoted in a reason stay as typed; old rows are recognised by the migration, their text never changed."""

import html
import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from apps.imports import runner, services
from apps.imports.models import ImportJob, ImportRowError
from tests.vehicles.factories import VehicleFactory, make_plate, make_vin

from .helpers import VEHICLE_HEADERS, csv_bytes, upload, vehicle_rows

pytestmark = pytest.mark.django_db


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.fixture
def transport(parties):
    return parties.transport_user


def _previewed(user) -> ImportJob:
    rows = vehicle_rows(3)
    rows[1][2] = "五座位"  # row 3: seats not a number (typed by the uploader)
    rows[2][2] = "120"  # row 4: seats out of range
    with translation.override("zh-hans"):
        return services.import_job_create(actor=user, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))


def test_m16_row_errors_written_in_chinese_read_in_english_and_back_with_the_cell_as_typed(client, api, transport):
    job = _previewed(transport)
    errors = list(ImportRowError.objects.filter(job=job).order_by("row_number"))
    assert [e.reason for e in errors] == ["“五座位”不是整数。", "核定载客人数应在 1 到 99 之间。"]
    assert errors[0].reason_msg == {"msgid": "“%(v)s”不是整数。", "params": {"v": "五座位"}}
    client.force_login(transport)
    english = html.unescape(_get(client, f"/imports/{job.pk}/", "en").content.decode())
    assert '"五座位" is not an integer.' in english
    assert "Approved passenger seats must be between 1 and 99." in english
    assert "不是整数" not in english
    chinese = html.unescape(_get(client, f"/imports/{job.pk}/", "zh-hans").content.decode())
    assert "“五座位”不是整数。" in chinese
    report = _get(client, f"/imports/{job.pk}/errors.csv", "en").content.decode("utf-8-sig")
    assert '"""五座位"" is not an integer."' in report  # the CSV quotes the quotes
    row = _get(api.as_user(transport), f"/api/v1/imports/{job.pk}/", "en").json()
    assert [e["reason"] for e in row["errors"]] == [
        '"五座位" is not an integer.', "Approved passenger seats must be between 1 and 99."]
    assert row["errors"][0]["reason_msg"]["params"] == {"v": "五座位"}


def test_m16_a_label_inside_a_row_error_is_translated_too():
    from django.core.exceptions import ValidationError

    from apps.imports.layout import errors_by_header
    from apps.policies.rows import POLICY_ROWS

    column = next(c for c in POLICY_ROWS.columns if c.field == "kind")
    with translation.override("zh-hans"):
        try:
            column.parse("火箭险")
        except ValidationError as exc:
            [(_column, reason, message)] = errors_by_header(exc)
    assert reason.startswith("无法识别的险种“火箭险”")
    assert message["params"]["what"] == {"msgid": "险种"}
    with translation.override("en"):
        shown = ImportRowError(reason=reason, reason_msg=message).display_reason
    assert shown.startswith('Unrecognised Insurance type "火箭险"')


def test_m16_the_failure_message_is_a_message_and_renders_as_stored_in_chinese(transport):
    job = _previewed(transport)
    with translation.override("zh-hans"):
        job = services.import_job_start(actor=transport, job=job, mode=ImportJob.Mode.NOTHING)
    assert job.status == ImportJob.Status.DISCARDED
    assert job.error_message_msg == {"msgid": "文件中有 %(n)d 行错误；按“有错误则全部不导入”，未导入任何数据。",
                                     "params": {"n": 2}}
    with translation.override("zh-hans"):
        assert job.display_error_message == job.error_message == "文件中有 2 行错误；按“有错误则全部不导入”，未导入任何数据。"


def test_m16_a_row_refused_at_import_keeps_its_reasons_inside_the_failure_message(transport):
    with translation.override("zh-hans"):
        job = services.import_job_create(actor=transport, kind="vehicles",
                                         upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(3))))
    VehicleFactory(plate=make_plate(7001), vin=make_vin(9999))  # the plate of row 3 is taken meanwhile
    with translation.override("zh-hans"):
        job = services.import_job_start(actor=transport, job=job, mode=ImportJob.Mode.NOTHING)
        job = runner.import_job_run(job=job)
    assert job.status == ImportJob.Status.FAILED
    error = ImportRowError.objects.get(job=job, at_import=True)
    assert job.error_message.startswith("第 3 行导入时被拒绝（号牌号码：")
    assert job.error_message_msg["params"]["n"] == 3
    with translation.override("zh-hans"):
        assert job.display_error_message == job.error_message  # the same words as before messages
        assert error.display_reason == error.reason


def test_the_migration_recognises_old_row_errors_and_leaves_other_text_as_stored(transport):
    migration = importlib.import_module("apps.imports.migrations.0002_row_error_messages")
    job = _previewed(transport)
    ImportRowError.objects.filter(job=job).update(reason_msg={})
    other = ImportRowError.objects.create(job=job, row_number=9, column="号牌号码", reason="号牌已被其他车辆使用。")
    labelled = ImportRowError.objects.create(job=job, row_number=10, column="险种",
                                             reason="无法识别的险种“火箭险”，可填：交强险。")
    ledger = ImportRowError.objects.create(job=job, row_number=11, column="所属企业",
                                           reason="只能导入本企业台账的车辆或驾驶员，不能填写其他企业“柳州某某出租汽车公司”。")
    ImportJob.objects.filter(pk=job.pk).update(error_message="预览中断：OperationalError。未导入任何数据；请重新上传文件。")
    migration.forwards(django_apps, None)
    first = ImportRowError.objects.filter(job=job).order_by("row_number").first()
    assert first.reason_msg == {"msgid": "“%(v)s”不是整数。", "params": {"v": "五座位"}}
    assert ImportRowError.objects.get(pk=other.pk).reason_msg == {}
    assert ImportRowError.objects.get(pk=labelled.pk).reason_msg["params"]["what"] == {"msgid": "险种"}
    assert ImportRowError.objects.get(pk=ledger.pk).reason_msg["params"] == {"name": "柳州某某出租汽车公司"}
    job = ImportJob.objects.get(pk=job.pk)
    assert job.error_message_msg == {"msgid": "预览中断：%(e)s。未导入任何数据；请重新上传文件。",
                                     "params": {"e": "OperationalError"}}
    with translation.override("en"):
        assert ImportRowError.objects.get(pk=first.pk).display_reason == '"五座位" is not an integer.'
        assert ImportRowError.objects.get(pk=other.pk).display_reason == "号牌已被其他车辆使用。"
    assert ImportRowError.objects.get(pk=first.pk).reason == "“五座位”不是整数。"  # the stored text is never changed
    migration.backwards(django_apps, None)
    assert not ImportRowError.objects.filter(job=job).exclude(reason_msg={}).exists()
    assert ImportJob.objects.get(pk=job.pk).error_message_msg == {}


def test_m16_a_company_importing_into_another_ledger_reads_the_refusal_in_its_language(parties):
    other = parties.company_b
    headers = [*VEHICLE_HEADERS, "所属企业"]
    rows = [[*row, other.name] for row in vehicle_rows(1)]
    with translation.override("zh-hans"):
        job = services.import_job_create(actor=parties.company_a_user, kind="vehicles",
                                         upload=upload(csv_bytes(headers, rows)))
    error = ImportRowError.objects.get(job=job, column="所属企业")
    assert error.reason == f"只能导入本企业台账的车辆或驾驶员，不能填写其他企业“{other.name}”。"
    assert error.reason_msg == {"msgid": "只能导入本企业台账的车辆或驾驶员，不能填写其他企业“%(name)s”。",
                                "params": {"name": other.name}}
