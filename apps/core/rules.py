"""Human labels of the clock rules, registered by the apps that own them (e.g. "rescission.decide")."""

_LABELS: dict[str, str] = {}


def register_rule(rule: str, label) -> None:
    _LABELS[rule] = label


def rule_label(rule: str) -> str:
    return str(_LABELS.get(rule, rule))
