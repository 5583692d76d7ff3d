"""The kernel's one registry type (apps.core.registry, issue 18): one duplicate rule, registration order, errors
for unknown keys."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.core.registry import DuplicateEntry, Registry, UnknownEntry, dotted_name


@dataclass(frozen=True)
class Spec:
    label: str
    order: int = 0


def first():
    return 1


def second():
    return 2


def test_a_key_registered_twice_with_another_value_is_refused():
    reg: Registry[Spec] = Registry("specs")
    reg.register("a", Spec("A"))
    with pytest.raises(DuplicateEntry, match="specs: 'a' is already registered"):
        reg.register("a", Spec("other"))
    assert reg["a"] == Spec("A")


def test_the_same_value_again_is_accepted_and_kept_once():
    """An identical object, or an equal one (ready() or a module running twice), is a no-op."""
    reg: Registry = Registry("functions")
    assert reg.register("f", first) is first
    assert reg.register("f", first) is first
    specs: Registry[Spec] = Registry("specs")
    kept = specs.register("a", Spec("A", 1))
    assert specs.register("a", Spec("A", 1)) is kept
    assert len(reg) == 1 and len(specs) == 1


def test_iteration_is_in_registration_order():
    reg: Registry[int] = Registry("numbers")
    for key, value in [("z", 1), ("a", 2), ("m", 3)]:
        reg.register(key, value)
    assert list(reg) == reg.keys() == ["z", "a", "m"]
    assert reg.values() == [1, 2, 3]
    assert reg.items() == [("z", 1), ("a", 2), ("m", 3)]


def test_an_unknown_key_is_an_error_naming_the_registry_and_get_answers_none():
    reg: Registry[int] = Registry("numbers")
    reg.register("one", 1)
    with pytest.raises(UnknownEntry, match="numbers: 'two' is not registered"):
        reg["two"]
    with pytest.raises(KeyError):
        reg.pop("two")
    assert reg.get("two") is None and reg.get("two", 0) == 0
    assert "one" in reg and "two" not in reg


def test_decorator_form_and_derived_keys():
    reg: Registry = Registry("sources")

    @reg.register("first")
    def source():
        return "x"

    assert source() == "x" and reg["first"] is source
    hooks: Registry = Registry("hooks", key=dotted_name)
    hooks.add(first)
    hooks.add(first)
    hooks.add(second)
    assert hooks.keys() == [f"{__name__}.first", f"{__name__}.second"]
    assert hooks.values() == [first, second]
    with pytest.raises(TypeError):
        Registry("no key function").add(first)


def test_replace_and_unregister_are_explicit():
    reg: Registry[int] = Registry("numbers")
    reg.register("a", 1)
    assert reg.replace("a", 2) == 2 and reg["a"] == 2
    reg.unregister("a")
    reg.unregister("a")  # absent: nothing to do
    assert "a" not in reg
    reg.register("a", 3)
    assert reg["a"] == 3


def test_many_keeps_each_value_once_per_key_in_order():
    handlers: Registry = Registry("handlers", many=True)
    handlers.register("rule", first)
    handlers.register("rule", second)
    handlers.register("rule", first)  # already there: no second call of the same handler
    assert handlers["rule"] == (first, second)
    assert handlers.get("other") == ()


def test_snapshot_clear_update_restore_the_entries():
    reg: Registry[int] = Registry("numbers")
    reg.register("a", 1)
    reg.register("b", 2)
    saved = reg.snapshot()
    reg.clear()
    assert len(reg) == 0
    reg.update(saved)
    assert reg.items() == [("a", 1), ("b", 2)]
    assert dict(reg) == {"a": 1, "b": 2}
