"""Sections other apps add below a company's worklist (待处理车辆, ``vehicles:worklist``), rule M9.

A section is a template and a function ``context(company) -> dict`` giving what the template shows for that
company; the app that owns the data registers it in its ``AppConfig.ready()``, so vehicles, below it in the
layers (``.importlinter``), never imports it:

    from apps.vehicles.worklist import register_worklist_section
    register_worklist_section("ridehailing", template="ridehailing/_worklist_not_onboarded.html",
                              context=not_onboarded_section)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.core.registry import Registry


@dataclass(frozen=True)
class WorklistSection:
    template: str
    context: Callable[[Any], dict[str, Any]]  # company (an Organization) -> the template's context


WORKLIST_SECTIONS: Registry[WorklistSection] = Registry("worklist sections")


def register_worklist_section(key: str, *, template: str, context: Callable[[Any], dict[str, Any]]) -> None:
    WORKLIST_SECTIONS.register(key, WorklistSection(template=template, context=context))


def sections_for(company) -> list[dict[str, Any]]:
    """Each registered section's context for ``company``, with its ``template``, in registration order."""
    return [{**section.context(company), "template": section.template} for section in WORKLIST_SECTIONS.values()]
