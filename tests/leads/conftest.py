"""Fixtures of the leads tests: delivering the exchange's pending batches the way the worker does
(``deliver`` is tests.helpers.deliver_pending)."""

import pytest

from tests.helpers import deliver_pending


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def deliver():
    return deliver_pending
