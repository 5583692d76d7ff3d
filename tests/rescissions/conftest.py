import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Notices are written under MEDIA_ROOT: keep each test's files in its own temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
