"""The registry of import kinds: what can be imported, from which row spec, by whom. The apps that own the
registers register their kinds (``register_import_kind`` in their AppConfig.ready(): ``apps/vehicles/imports.py``,
``apps/policies/imports.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.registry import Registry
from apps.imports.errors import ErrorCode
from apps.parties import rights

RowResult = tuple[Any, str] | ValidationError  # (object, UpsertOutcome) or the reasons by header


@dataclass(frozen=True)
class ImportKind:
    """What can be imported, from which spec, by whom.

    * ``spec``: dotted path of a ``RowSpec`` (``apps.vehicles.rows.VEHICLE_ROWS``).
    * ``perm``: the permission an importer needs (e.g. ``vehicles.add_vehicle``), answered by the rights table
      (``apps.parties.rights``: the table says which roles import this list); the services check every row again.
    * ``precheck(user, kwargs)``: cheap per-row rule checked at preview (raise ``ValidationError`` by field).
    * ``natural_keys(kwargs)``: the row's natural keys as ``{field: value}``; a key repeated in one file is an error.
    * ``bulk``: dotted path of ``fn(*, actor, job, rows: list[(row_number, kwargs)]) -> list[RowResult]`` applying a
      chunk set-based (large files); without it each row goes through ``spec.apply`` in its own savepoint.
    * ``parallel``: the rows are independent of each other (each touches only the record its natural keys name,
      and repeated keys are refused at preview), so the chunks of a "valid rows" import may be applied by several
      worker processes at once. Not for kinds whose rows share records they may create (a policies file names the
      same new vehicle on several rows).
    """

    key: str
    label: Any
    spec: str
    perm: str
    list_url: str = ""
    precheck: Callable[[Any, dict[str, Any]], None] | None = None
    natural_keys: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    bulk: str | None = None
    parallel: bool = False
    help: Any = ""

    def row_spec(self):
        return import_string(self.spec)

    def bulk_applier(self):
        return import_string(self.bulk) if self.bulk else None

    def may_import(self, user) -> bool:
        """The rights table's answer (``TypeError`` for no actor, like every rights question)."""
        return rights.may(user, self.perm)


IMPORT_KINDS: Registry[ImportKind] = Registry("import kinds", key=lambda kind: kind.key)


def register_import_kind(kind: ImportKind) -> ImportKind:
    """Register an import kind under its key (``apps.core.registry``: the same key twice is an error unless it is
    the same kind)."""
    return IMPORT_KINDS.add(kind)


def get_kind(key: str) -> ImportKind:
    try:
        return IMPORT_KINDS[key]
    except KeyError:
        raise ApplicationError(_("未知的导入类型“%(k)s”。") % {"k": key}, code=ErrorCode.IMPORT_KIND_UNKNOWN) from None


def kinds_for(user) -> list[ImportKind]:
    return [k for k in IMPORT_KINDS.values() if k.may_import(user)]


def all_kinds() -> list[ImportKind]:
    return list(IMPORT_KINDS.values())

