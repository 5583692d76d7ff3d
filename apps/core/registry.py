"""One small registry type for everything the apps fill in their ``AppConfig.ready()`` (issue 18).

    PANELS: Registry[Panel] = Registry("home panels")
    PANELS.register("claims-due", Panel(...))          # or, as a decorator: @SOURCES.register("policies")
    HOOKS: Registry[Callable] = Registry("organisation hooks", key=dotted_name)
    HOOKS.add(on_organization_created)                # the key is derived from the value

The one duplicate rule: registering a key again with the *same* value (the identical object, or an equal one — a
frozen dataclass built from the same arguments when a ``ready()`` or a module runs twice) is a no-op that returns
the entry already there; registering it with a different value raises ``DuplicateEntry``. A caller that means to
replace an entry says so (``replace(key, value)``; tests use it with ``unregister``/``pop``).

``many=True`` registries keep several values per key, in registration order (the Deadline kernel's handlers of a
rule): there a value already present under the key is the no-op, and another value is appended.

Iteration (``keys()``, ``values()``, ``items()``, ``iter()``) is in registration order. ``registry[key]`` of an
unknown key raises ``UnknownEntry`` (a ``KeyError`` naming the registry); ``get(key)`` returns ``None`` (or the
default) instead. The registries are not frozen after start-up: the test suite registers its own kinds and
clocks at run time, and every registration goes through the same duplicate rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_MISSING: Any = object()


class DuplicateEntry(RuntimeError):
    """A key registered twice with different values."""


class UnknownEntry(KeyError):
    """A key that was never registered."""


def dotted_name(value: Any) -> str:
    """The ``module.qualname`` of a function or class: the key of the registries of functions (hooks, checks)."""
    return f"{value.__module__}.{value.__qualname__}"


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


class Registry(Generic[T]):
    """An ordered ``key -> value`` registry with one duplicate rule (see the module docstring)."""

    def __init__(self, name: str, *, key: Callable[[T], Hashable] | None = None, many: bool = False):
        self.name = name
        self._key = key
        self.many = many
        self._entries: dict[Hashable, Any] = {}

    def __repr__(self) -> str:
        return f"<Registry {self.name!r}: {len(self._entries)} entries>"

    # --- registering -------------------------------------------------------------------------------------------

    def register(self, key: Hashable, value: T = _MISSING):
        """Register ``value`` under ``key`` and return it; without ``value``, a decorator doing so."""
        if value is _MISSING:
            def decorator(fn: T) -> T:
                return self.register(key, fn)

            return decorator
        if self.many:
            values = self._entries.get(key, ())
            if not any(_same(v, value) for v in values):
                self._entries[key] = (*values, value)
            return value
        if key in self._entries:
            existing = self._entries[key]
            if _same(existing, value):
                return existing
            raise DuplicateEntry(f"{self.name}: {key!r} is already registered")
        self._entries[key] = value
        return value

    def add(self, value: T) -> T:
        """Register ``value`` under the key the registry derives from it (registries made with ``key=``)."""
        if self._key is None:
            raise TypeError(f"{self.name}: this registry has no key function; use register(key, value)")
        return self.register(self._key(value), value)

    def replace(self, key: Hashable, value: T) -> T:
        """Register ``value`` under ``key`` whatever was there (said explicitly, never by accident)."""
        self._entries.pop(key, None)
        return self.register(key, value)

    def unregister(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        if default is _MISSING:
            try:
                return self._entries.pop(key)
            except KeyError:
                raise UnknownEntry(f"{self.name}: {key!r} is not registered") from None
        return self._entries.pop(key, default)

    def clear(self) -> None:
        self._entries.clear()

    def update(self, entries) -> None:
        """Register every ``(key, value)`` of a mapping or of pairs (through the duplicate rule)."""
        pairs = entries.items() if hasattr(entries, "items") else entries
        for key, value in pairs:
            if self.many:
                for item in value:
                    self.register(key, item)
            else:
                self.register(key, value)

    # --- reading -----------------------------------------------------------------------------------------------

    def __getitem__(self, key: Hashable) -> Any:
        try:
            return self._entries[key]
        except KeyError:
            raise UnknownEntry(f"{self.name}: {key!r} is not registered") from None

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key in self._entries:
            return self._entries[key]
        return () if self.many and default is None else default

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[Hashable]:
        return list(self._entries)

    def values(self) -> list[Any]:
        return list(self._entries.values())

    def items(self) -> list[tuple[Hashable, Any]]:
        return list(self._entries.items())

    def snapshot(self) -> dict[Hashable, Any]:
        """A copy of the entries (for a test that restores the registry afterwards)."""
        return dict(self._entries)
