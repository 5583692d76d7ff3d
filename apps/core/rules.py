"""The clock rules, registered by the apps that own them (e.g. "rescission.decide"): label, rule IDs, unit and
amount, and whether the period's end rolls over a rest day.

Roll-over (rule T1; Civil Code arts. 201–204): a period counted in days whose last day is a statutory rest day —
a weekend or a holiday, after the 调休 arrangement — ends at 24:00 of the next working day (art. 203). It is the
default for every rule counted in natural days, unless a law provides otherwise (art. 204), in which case the rule
registers ``roll_over=False`` with that law as its ``roll_over_basis``. Working-day and hour clocks never roll
(their unit already skips rest days, or is the wall clock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CIVIL_CODE_ROLL_OVER = "民法典第二百零一条、第二百零三条（规则 T1）"


@dataclass(frozen=True)
class ClockRule:
    key: str
    label: object
    rule_ids: str = ""
    unit: str = ""
    amount: int | Callable[[], int] | None = None  # a callable reads the setting it comes from
    roll_over: bool = True
    roll_over_basis: str = CIVIL_CODE_ROLL_OVER

    def resolved_amount(self) -> int | None:
        return self.amount() if callable(self.amount) else self.amount


_RULES: dict[str, ClockRule] = {}


def register_rule(rule: str, label, *, rule_ids: str = "", unit: str = "",
                  amount: int | Callable[[], int] | None = None, roll_over: bool = True,
                  roll_over_basis: str = CIVIL_CODE_ROLL_OVER) -> ClockRule:
    entry = ClockRule(rule, label, rule_ids, unit, amount, roll_over, roll_over_basis)
    _RULES[rule] = entry
    return entry


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
