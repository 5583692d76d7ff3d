"""Fixtures of the query-count test: the security tests' small city (``world``), built once for the module inside
a transaction that is rolled back at the end — the same fixture as the security tests'."""

from tests.security.conftest import world  # noqa: F401 - the fixture, shared
