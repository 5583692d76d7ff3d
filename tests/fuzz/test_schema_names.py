"""The OpenAPI schema is generated without a warning: every API view documented, every choice set named."""

import inspect

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from liuzhou_regulation import api_enums as enums


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text(encoding="utf-8")
    for path in ("/api/v1/imports/", "/api/v1/premiums/compulsory/", "/api/v1/underwriting/policies/"):
        assert f"  {path}" in text, path
    assert "ClaimStatusEnum" in text and "LeadStatusEnum" in text


def test_every_choice_set_of_a_model_has_its_schema_name():
    aliases = {n: v for n, v in vars(enums).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert set(aliases) == set(settings.API_ENUM_NAMES)
    named = {tuple(str(c[0]) for c in (v.choices if hasattr(v, "choices") else [(x,) for x in v]))
             for v in aliases.values()}
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models() if model.__module__.startswith("apps.")
        for field in model._meta.concrete_fields
        if field.choices and tuple(str(c[0]) for c in field.flatchoices) not in named
    ]
    assert missing == [], "add their choice sets to liuzhou_regulation/api_enums.py and settings.API_ENUM_NAMES"
