"""Fixtures of the security tests: one world per module, built once inside a transaction that is rolled back
at the end of the module; every test runs in a savepoint inside it (pytest-django's ``db``)."""

import shutil
import tempfile

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world

# The two checks of the URL × role walk in test_access_table.py that read the same answers (``_answers``).
WALK_CHECKS = ("test_m2_url_answers_each_role_as_the_table_says_and_its_post_forms_carry_csrf",
               "test_every_page_has_a_csp_without_inline_script")


def pytest_collection_modifyitems(config, items):
    """The walk's two checks of one URL run one after the other, so the second takes the answers the first got;
    ``make test`` hands its processes consecutive tests, so the two nearly always go to the same process (else
    each asks for itself)."""
    slots = [i for i, item in enumerate(items) if item.nodeid.startswith("tests/security/test_access_table.py::")
             and getattr(item, "originalname", None) in WALK_CHECKS]
    walk = sorted((items[i] for i in slots),
                  key=lambda item: (item.callspec.params["name"], WALK_CHECKS.index(item.originalname)))
    for i, item in zip(slots, walk, strict=True):
        items[i] = item


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="lz-sec-media-")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        with transaction.atomic():
            w = build_world()
            yield w
            transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)
