"""Date and date-time inputs carry ISO values in every language.

``<input type="date">`` accepts only ``2026-12-02`` (``datetime-local``: ``2026-12-02T09:30``); in zh-hans Django
renders ``2026/12/02`` by default, which the browser drops: a prefilled date showed blank and an edit form could not
be saved without retyping it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django import forms
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.deadlines import local_date
from apps.rescissions.services import rescission_path_record
from apps.vehicles.models import Vehicle

from .html import date_inputs

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

pytestmark = pytest.mark.django_db


def _page(client, user, url, **params) -> str:
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, url
    assert 'lang="zh-hans"' in response.content.decode() or "zh" in response.get("Content-Language", "zh")
    return response.content.decode()


def _assert_iso(page: str, name: str, expected: dt.date) -> None:
    values = date_inputs(page)
    assert name in values, f"no date input {name!r} on the page"
    assert values[name] == expected.isoformat(), f"{name}: {values[name]!r}"


def test_notice_3_applied_on_is_iso_on_the_case_page(client, world):
    case = world.case_b  # open, no notice sent yet: the page offers 附件三
    rescission_path_record(case=case, actor=world.users["insurer_b"], path="non_disclosure",
                           operating_since=local_date(case.policy.starts_at), fault="gross_negligence",
                           basis="线下核查确认投保前已载客", reason="投保时已营运，未告知使用性质")
    page = _page(client, world.users["insurer_b"], reverse("rescissions:case", args=[case.pk]))
    case.refresh_from_db()
    _assert_iso(page, "applied_on", case.applied_on)


def test_supervisory_action_starts_on_is_iso(client, world):
    page = _page(client, world.users["regulator"], reverse("credit:action_new"))
    _assert_iso(page, "starts_on", timezone.localdate())


def test_penalty_decided_on_is_iso(client, world):
    page = _page(client, world.users["transport"], reverse("leads:penalty-new"))
    _assert_iso(page, "decided_on", timezone.localdate())


def test_policy_edit_start_and_end_are_iso(client, world):
    policy = world.policy_a
    page = _page(client, world.users["insurer_a"], reverse("policies:edit", args=[policy.pk]))
    values = date_inputs(page)
    assert values, "the policy form has date inputs"
    for name, value in values.items():
        assert value is None or ISO_DATE.match(value) or ISO_LOCAL.match(value), f"{name}: {value!r}"
    _assert_iso(page, "starts_on", local_date(policy.starts_at))


def test_vehicle_edit_registered_on_is_iso(client, world):
    registered = timezone.localdate() - dt.timedelta(days=400)
    Vehicle.objects.filter(pk=world.vehicle_a.pk).update(registered_on=registered)
    page = _page(client, world.users["company_a"], reverse("vehicles:edit", args=[world.vehicle_a.pk]))
    _assert_iso(page, "registered_on", registered)


def test_claims_sla_filter_dates_are_iso(client, world):
    page = _page(client, world.users["regulator"], reverse("claims-sla"))
    values = date_inputs(page)
    assert set(values) >= {"start", "end"}
    assert all(ISO_DATE.match(values[name] or "") for name in ("start", "end")), values


def _project_forms():
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                yield value


def test_every_date_widget_of_the_project_renders_iso_in_chinese():
    """Every date / date-time field declared by a project form renders ISO, whatever the active language."""
    day, moment = dt.date(2026, 12, 2), dt.datetime(2026, 12, 2, 9, 30)
    checked = 0
    with translation.override("zh-hans"):
        for form_class in _project_forms():
            for name, field in form_class.base_fields.items():
                widget = field.widget
                if isinstance(widget, forms.DateTimeInput) or isinstance(field, forms.DateTimeField):
                    assert widget.format_value(moment) == "2026-12-02T09:30", f"{form_class.__name__}.{name}"
                    assert widget.input_type == "datetime-local", f"{form_class.__name__}.{name}"
                    checked += 1
                elif isinstance(widget, forms.DateInput):
                    assert widget.format_value(day) == "2026-12-02", f"{form_class.__name__}.{name}"
                    assert widget.input_type == "date", f"{form_class.__name__}.{name}"
                    checked += 1
    assert checked > 20
