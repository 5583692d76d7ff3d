import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded import files go to a temporary MEDIA_ROOT, not the developer's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT
