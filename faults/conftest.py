"""The fault drills use the test suite's fixtures (database set-up and snapshot, ``parties``, the throwaway Redis
of the exchange's worker tests)."""

from tests.conftest import (  # noqa: F401 - fixtures
    _default_language,
    django_db_createdb,
    django_db_setup,
    parties,
)
from tests.exchange.test_worker import throwaway_redis  # noqa: F401, E402 - fixture
