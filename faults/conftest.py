"""The fault drills use the test suite's fixtures (database set-up and snapshot, ``parties``)."""

from tests.conftest import (  # noqa: F401 - fixtures
    _default_language,
    django_db_createdb,
    django_db_setup,
    parties,
)
