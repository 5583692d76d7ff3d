"""The clock rules, registered by the apps that own them (e.g. "rescission.decide"): label, rule IDs, unit and
amount, and whether the period's end rolls over a rest day.

Roll-over (rule T1; Civil Code arts. 201–204): a period counted in days whose last day is a statutory rest day —
a weekend or a holiday, after the 调休 arrangement — ends at 24:00 of the next working day (art. 203). It is the
default for every rule counted in natural days, unless a law provides otherwise (art. 204), in which case the rule
registers ``roll_over=False`` with that law as its ``roll_over_basis``. Working-day and hour clocks never roll
(their unit already skips rest days, or is the wall clock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .registry import Registry

CIVIL_CODE_ROLL_OVER = "民法典第二百零一条、第二百零三条（规则 T1）"


@dataclass(frozen=True)
class ClockRule:
    """One clock rule, with every field the kernel needs to start, warn, remind and roll it over.

    ``amount``: an int, or a zero-argument callable reading the setting it comes from (e.g. ``conf.rescission_days``).
    ``warn_fraction`` / ``warn_before``: the rule's warnings (a share of the span, and a fixed time before due);
    ``None`` takes the project's ``DEADLINE_WARN_FRACTION`` / ``DEADLINE_WARN_BEFORE``; a deployment may still
    override either per rule in ``settings.DEADLINE_RULES`` (which wins over the registration).
    ``reminders``: fixed offsets from the start, in the rule's unit (e.g. days 20/25/28 of the rescission clock);
    the one scan sends each once, to the rule's ``on_reminder`` handlers. An offset may be a callable returning the
    offsets (read from a setting). ``obligation=False``: a waiting period (elapses, is never breached)."""

    key: str
    label: object
    rule_ids: str = ""
    legal_basis: object = ""
    unit: str = ""
    amount: int | Callable[[], int] | None = None  # a callable reads the setting it comes from
    roll_over: bool = True
    roll_over_basis: str = CIVIL_CODE_ROLL_OVER
    end_of_day: bool = True
    warn_fraction: Decimal | Callable[[], Decimal] | None = None
    warn_before: dt.timedelta | Callable[[], dt.timedelta] | None = None
    reminders: tuple[int, ...] | Callable[[], tuple[int, ...]] = ()
    obligation: bool = True

    def resolved_amount(self) -> int | None:
        return self.amount() if callable(self.amount) else self.amount

    def resolved_reminders(self) -> tuple[int, ...]:
        values = self.reminders() if callable(self.reminders) else self.reminders
        return tuple(sorted({int(v) for v in values}))

    def resolved_warn_fraction(self) -> Decimal | None:
        value = self.warn_fraction() if callable(self.warn_fraction) else self.warn_fraction
        return None if value is None else Decimal(str(value))

    def resolved_warn_before(self) -> dt.timedelta | None:
        return self.warn_before() if callable(self.warn_before) else self.warn_before


_RULES: Registry[ClockRule] = Registry("clock rules")


def register_rule(rule: str, label, *, rule_ids: str = "", legal_basis: object = "", unit: str = "",
                  amount: int | Callable[[], int] | None = None, roll_over: bool = True,
                  roll_over_basis: str = CIVIL_CODE_ROLL_OVER, end_of_day: bool = True,
                  warn_fraction: Decimal | Callable[[], Decimal] | None = None,
                  warn_before: dt.timedelta | Callable[[], dt.timedelta] | None = None,
                  reminders: tuple[int, ...] | Callable[[], tuple[int, ...]] = (),
                  obligation: bool = True) -> ClockRule:
    entry = ClockRule(
        key=rule, label=label, rule_ids=rule_ids, legal_basis=legal_basis, unit=unit, amount=amount,
        roll_over=roll_over, roll_over_basis=roll_over_basis, end_of_day=end_of_day, warn_fraction=warn_fraction,
        warn_before=warn_before, reminders=reminders, obligation=obligation,
    )
    return _RULES.register(rule, entry)  # the same rule twice: an error unless the same registration


def rule_label(rule: str) -> str:
    entry = _RULES.get(rule)
    return str(entry.label) if entry else rule


def rule_get(rule: str) -> ClockRule | None:
    return _RULES.get(rule)


def rule_roll_over(rule: str) -> bool:
    """Whether the rule's day periods roll over a rest day (the default: Civil Code art. 203)."""
    entry = _RULES.get(rule)
    return entry.roll_over if entry else True


def registered_rules() -> list[ClockRule]:
    return [_RULES[key] for key in sorted(_RULES)]
