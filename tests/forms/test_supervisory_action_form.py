"""The supervisory action form preselects no measure (never the most severe, 暂停网约车保险业务) and offers only the
事由 that apply to the target's kind (ACTION_MATRIX in apps/credit/services.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.credit.models import ActionKind
from apps.credit.services import ACTION_MATRIX
from apps.parties.models import OrganizationKind

from .html import controls

pytestmark = pytest.mark.django_db


def _grounds_for(issuer_kind, target_kind) -> set[str]:
    return set().union(*[g for (i, _k, t), g in ACTION_MATRIX.items() if i == issuer_kind and t == target_kind])


def _form_page(client, world, **params):
    client.force_login(world.users["regulator"])
    response = client.get(reverse("credit:action_new"), params)
    assert response.status_code == 200
    return controls(response.content.decode())


def test_no_measure_is_preselected(client, world):
    kinds = _form_page(client, world).selects["kind"]
    assert ActionKind.BUSINESS_SUSPENSION in {o.get("value") for o in kinds}
    selected = [o.get("value") for o in kinds if "selected" in o]
    assert selected in ([], [""]), selected
    assert kinds[0].get("value") == ""


def test_grounds_are_those_of_an_insurer_when_the_target_is_an_insurer(client, world):
    grounds = _form_page(client, world, target=world.orgs["insurer_a"].pk).selects["ground"]
    offered = {o["value"] for o in grounds if o.get("value")}
    assert offered == _grounds_for(OrganizationKind.REGULATOR, OrganizationKind.INSURER)
    assert "uninsured_vehicle_online" not in offered


def test_grounds_are_those_of_a_company_when_the_target_is_a_company(client, world):
    grounds = _form_page(client, world, target=world.orgs["company_a"].pk).selects["ground"]
    offered = {o["value"] for o in grounds if o.get("value")}
    assert offered == _grounds_for(OrganizationKind.REGULATOR, OrganizationKind.TAXI_COMPANY)
    assert "unlawful_refusal" not in offered


def test_without_a_target_each_ground_says_which_target_kinds_it_applies_to(client, world):
    page = _form_page(client, world)
    grounds = {o["value"]: o.get("data-kinds", "").split() for o in page.selects["ground"] if o.get("value")}
    assert grounds["uninsured_vehicle_online"] == [OrganizationKind.TAXI_COMPANY]
    assert grounds["unlawful_refusal"] == [OrganizationKind.INSURER]
    targets = {o["value"]: o.get("data-kind") for o in page.selects["target"] if o.get("value")}
    assert targets[str(world.orgs["insurer_a"].pk)] == OrganizationKind.INSURER
    assert targets[str(world.orgs["company_a"].pk)] == OrganizationKind.TAXI_COMPANY


def test_a_submission_without_a_measure_is_refused_on_the_measure_field(client, world):
    client.force_login(world.users["regulator"])
    response = client.post(reverse("credit:action_new"), {
        "target": world.orgs["insurer_a"].pk, "ground": "unlawful_refusal", "facts": "违规拒保三起",
        "starts_on": "2026-11-25"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"kind"}
