"""A delivery interrupted by a worker that died keeps its message beside the text (issue 16, rule M16): the
batch page, the API and the gave-up notification render it in the reader's language; an error as raised stays as
stored and replaces the message; old batches are recognised by the migration, their text never changed."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.core.models import Notification
from apps.exchange import services
from apps.exchange.models import Batch

State = Batch.State

pytestmark = pytest.mark.django_db

INTERRUPTED = "投递中断：工作进程在投递过程中退出，本次投递已整体回滚。"


def _reclaimed(send, settings, *, attempts=1):
    settings.EXCHANGE_DELIVERING_STALE_SECONDS = 300
    batch = send()
    started = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(state=State.DELIVERING, attempts=attempts, last_attempt_at=started)
    with translation.override("zh-hans"):
        services.batch_sweep(now=started + dt.timedelta(seconds=301))
    return Batch.objects.get(pk=batch.pk)


def test_m16_the_interruption_is_stored_as_a_message_and_shown_in_the_readers_language(
        client, api, parties, send, settings, purge_queue):
    batch = _reclaimed(send, settings)
    assert batch.last_error == INTERRUPTED  # the text as written, for search and older readers
    assert batch.last_error_msg == {"msgid": INTERRUPTED, "params": {}}
    client.force_login(parties.transport_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        english = gettext(INTERRUPTED)
    assert english in client.get(f"/exchange/{batch.pk}/").content.decode()
    reader = api.as_user(parties.transport_user)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    row = reader.get(f"/api/v1/batches/{batch.pk}/").json()
    assert row["last_error"] == english and row["last_error_msg"] == {"msgid": INTERRUPTED, "params": {}}


def test_m16_an_error_as_raised_replaces_the_message_and_is_shown_as_stored(parties, send, settings, purge_queue):
    batch = _reclaimed(send, settings)
    Batch.objects.filter(pk=batch.pk).update(state=State.DELIVERING)
    services._record_failure(batch_id=batch.pk, attempt=batch.attempts, error=ConnectionError("对方服务器无响应"))
    batch = Batch.objects.get(pk=batch.pk)
    assert batch.last_error == "ConnectionError: 对方服务器无响应" and batch.last_error_msg == {}
    with translation.override("en"):
        assert batch.display_last_error == "ConnectionError: 对方服务器无响应"


def test_m16_the_gave_up_notification_quotes_the_interruption_by_its_message(parties, send, settings, purge_queue):
    settings.EXCHANGE_MAX_ATTEMPTS = 1
    batch = _reclaimed(send, settings, attempts=1)
    assert batch.state == State.FAILED and batch.next_attempt_at is None
    assert batch.last_error_msg == {"msgid": INTERRUPTED, "params": {}}
    note = Notification.objects.get(kind="exchange.failed")
    assert note.params["error"] == {"text": {"msgid": INTERRUPTED, "params": {}}}
    assert note.body.endswith(INTERRUPTED)
    with translation.override("zh-hans"):
        assert note.display_body == note.body


def test_the_migration_recognises_old_interruptions_and_leaves_other_errors_as_stored(parties, send, settings,
                                                                                      purge_queue):
    migration = importlib.import_module("apps.exchange.migrations.0011_batch_last_error_msg")
    old = _reclaimed(send, settings)
    Batch.objects.filter(pk=old.pk).update(last_error_msg={})
    other = send()
    Batch.objects.filter(pk=other.pk).update(last_error="TimeoutError: 读取超时")
    migration.recognise_errors(django_apps, None)
    assert Batch.objects.get(pk=old.pk).last_error_msg == {"msgid": INTERRUPTED, "params": {}}
    assert Batch.objects.get(pk=other.pk).last_error_msg == {}
    assert Batch.objects.get(pk=old.pk).last_error == INTERRUPTED  # the stored text is never changed
    migration.forget_messages(django_apps, None)
    assert not Batch.objects.exclude(last_error_msg={}).exists()
