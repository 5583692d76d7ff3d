"""The fault drills use the test suite's fixtures (database set-up and snapshot, ``parties``, the throwaway Redis
of the exchange's worker tests). Every drill hands work to worker processes, so the drills run at the machine's time
(``real_clock``, docs/testing.md) and build their data relative to ``timezone.now()``."""

from tests.conftest import (  # noqa: F401 - fixtures
    _default_language,
    _real_clock_when_marked,
    _test_clock,
    django_db_createdb,
    django_db_setup,
    parties,
)
from tests.exchange.test_worker import throwaway_redis  # noqa: F401, E402 - fixture
