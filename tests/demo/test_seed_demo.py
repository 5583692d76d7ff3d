"""``manage.py seed_demo`` from the demo app (issue 18): the demo organisations and logins, then every seeder of
``apps.demo.seeders.SEEDERS`` in its order, each leaving its app's demo data; a second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.claims.models import Claim
from apps.complaints.models import Complaint
from apps.credit.models import SupervisoryAction
from apps.demo.management.commands import generate_city
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from apps.exchange.models import OrganizationKey
from apps.inspections.models import Inspection
from apps.leads.models import Lead, RiskModelWeights
from apps.parties.models import Organization, User
from apps.policies.models import CoverageStandard, Policy
from apps.rescissions.models import RescissionCase
from apps.ridehailing.models import Feed


@pytest.fixture
def small_city(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(generate_city, "DEMO_POLICIES", 200)  # every seeder still finds what it needs


def counts() -> dict[str, int]:
    models = [User, Organization, OrganizationKey, Policy, CoverageStandard, RiskModelWeights, Lead, RescissionCase,
              Claim, Complaint, SupervisoryAction, Inspection, Feed]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_loads_every_apps_demo_data_without_a_failure_and_is_idempotent(db, small_city):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    assert err.getvalue() == ""  # no seeder failed
    assert DEMO_PASSWORD in out.getvalue()  # the logins, printed last
    loaded = counts()
    assert all(loaded.values()), loaded  # each seeder left its data
    assert CoverageStandard.objects.filter(is_demo=True).exists()  # rule M10: labelled as demo
    assert not Organization.objects.exclude(pk__in=OrganizationKey.objects.values("organization_id")).exists()
    call_command("seed_demo", "--quiet-logins", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
    assert counts() == loaded
