"""Import kind of the policies app: an insurer imports its own policies (rows go through ``policy_upsert``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.notifications import Text
from apps.imports.registry import ImportKind, register_import_kind


def _insurer_precheck(user, kwargs: dict[str, Any]) -> None:
    """An insurer imports only its own policies (the service refuses the row too; the preview says so first)."""
    insurer = kwargs.get("insurer")
    if not user.is_superuser and insurer is not None and insurer.pk != user.organization_id:
        raise ValidationError({"insurer": ValidationError(Text(gettext_noop(
            "保险公司只能导入本公司的保单，不能导入“%(name)s”的保单。"), name=insurer.name))})


def _policy_keys(kwargs: dict[str, Any]) -> dict[str, Any]:
    insurer = kwargs.get("insurer")
    return {"number": (insurer.pk if insurer is not None else None, kwargs.get("number"))}


def register() -> None:
    register_import_kind(ImportKind(
        key="policies", label=gettext_lazy("保单"), spec="apps.policies.rows.POLICY_ROWS",
        perm="policies.add_policy",
        list_url="policies:list", precheck=_insurer_precheck, natural_keys=_policy_keys,
        help=gettext_lazy("以“保险公司 + 保单号”为准；“保险公司”列可省略（默认为本公司）。车辆不在登记册中时按保单上的车辆信息登记。"),
    ))
