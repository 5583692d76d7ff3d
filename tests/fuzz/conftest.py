"""The fuzz tests share the security tests' world (party A/B objects built through the services)."""

from tests.security.conftest import world  # noqa: F401 - a fixture
