"""Upper bounds on the free text users write (evidence, descriptions, notes, reasons).

Text fields in the database are unbounded; without a bound a single request could store megabytes that every
list, export and push then carries. Services call ``bound_text`` before they write, so pages, the API and imports
meet the same limit and the same message, which names the field.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

TEXT_MAX = 5000  # evidence, a description, facts: several paragraphs
NOTE_MAX = 2000  # a note, a result, a reason


def bound_text(model, *, limit: int = TEXT_MAX, **values) -> None:
    """Refuse any of ``values`` (model field name → text) longer than ``limit`` characters, naming the fields."""
    errors, labels = {}, []
    for name, value in values.items():
        if isinstance(value, str) and len(value) > limit:
            label = str(model._meta.get_field(name).verbose_name)
            labels.append(label)
            errors[name] = [_("“%(label)s”最多 %(n)s 个字，现为 %(m)s 个字。") % {
                "label": label, "n": limit, "m": len(value)}]
    if errors:
        raise ApplicationError(_("填写内容过长：%(f)s。") % {"f": "；".join(m[0] for m in errors.values())},
                               code=ErrorCode.TEXT_TOO_LONG, extra={"fields": errors})
