"""The forms tests render real pages of the security tests' world (one per module, rolled back at its end)."""

from tests.security.conftest import world  # noqa: F401 - the fixture, shared
