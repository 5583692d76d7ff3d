"""Fixtures of the complaints tests: uploaded evidence goes to the test's own directory."""

import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
