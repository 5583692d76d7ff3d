"""Fixtures of the query-count test: the security tests' small city, built once for the module inside a
transaction that is rolled back at the end."""

import shutil
import tempfile

import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="lz-perf-media-")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        with transaction.atomic():
            w = build_world()
            yield w
            transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)
