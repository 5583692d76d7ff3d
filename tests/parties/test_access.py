"""Access isolation (rule M2/M3): each party sees only its own rows; another party's object answers 404.

Also: the scoped base classes cannot be bypassed, and the API has one error shape."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.views.generic import ListView

from apps.core import deadlines
from apps.core.models import Deadline
from apps.parties import access
from apps.parties.models import Organization, User
from apps.parties.rights import SystemActor
from apps.parties.scoping import ScopedModelViewSet, ScopedPageMixin, ScopedReadOnlyViewSet
from tests.factories import user_of

T0 = dt.datetime(2026, 6, 1, 9, tzinfo=deadlines.SHANGHAI)
PAIRS = [("insurer_a", "insurer_b"), ("insurer_b", "insurer_a"), ("company_a", "company_b"), ("company_b", "company_a")]


@pytest.fixture
def clocks(parties):
    """One clock owned by each organisation."""
    return {
        name: deadlines.deadline_start(rule="test.access", subject=org, responsible=org, starts_at=T0,
                                       unit=Deadline.Unit.NATURAL_DAYS, amount=30, actor=SystemActor("tests.clock"))
        for name, org in parties.orgs.items()
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("me", "other"), PAIRS)
def test_deadlines_api_lists_only_own_clocks_and_404s_the_other_s(api, parties, clocks, me, other):
    client = api.as_user(parties.users[me])
    assert _ids(client.get("/api/v1/deadlines/")) == {clocks[me].pk}
    assert client.get(f"/api/v1/deadlines/{clocks[me].pk}/").json()["id"] == clocks[me].pk
    response = client.get(f"/api/v1/deadlines/{clocks[other].pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "未找到。", "fields": {}}}
    # filtering by the other organisation does not widen the audience
    assert _ids(client.get("/api/v1/deadlines/", {"responsible": parties.orgs[other].pk})) == set()


@pytest.mark.parametrize(("me", "other"), PAIRS)
def test_users_api_lists_only_own_organisation_s_users(api, parties, me, other):
    colleague = user_of(parties.orgs[me].kind, organization=parties.orgs[me], username=f"{me}_colleague")
    client = api.as_user(parties.users[me])
    assert _ids(client.get("/api/v1/users/")) == {parties.users[me].pk, colleague.pk}
    assert client.get(f"/api/v1/users/{parties.users[other].pk}/").status_code == 404
    assert client.get(f"/api/v1/users/{colleague.pk}/").json()["username"] == f"{me}_colleague"


def test_supervisors_watch_every_clock_and_others_only_their_own(api, parties, clocks):
    everything = {c.pk for c in clocks.values()}
    for name in ("regulator", "ins_assoc"):
        assert _ids(api.as_user(parties.users[name]).get("/api/v1/deadlines/", {"page_size": 100})) == everything
    for name in ("transport", "taxi_assoc"):
        assert _ids(api.as_user(parties.users[name]).get("/api/v1/deadlines/")) == {clocks[name].pk}


def test_due_page_lists_only_the_audience_s_clocks(client, parties, clocks):
    client.force_login(parties.insurer_a_user)
    html = client.get("/due/").content.decode()
    assert str(parties.insurer_a) in html and str(parties.insurer_b) not in html


def test_access_module_is_default_deny(parties, clocks):
    from apps.core.models import DeadlinePause

    assert access.visible(parties.regulator_user, User).count() == 1  # own organisation only
    assert access.visible(None, Deadline).count() == 0
    with pytest.raises(Http404):
        access.get_for_user(parties.insurer_a_user, User, pk=parties.insurer_b_user.pk)
    with pytest.raises(Http404):
        access.get_for_user(parties.insurer_a_user, User, pk="not-a-number")
    organisation_less = User.objects.create_user(username="nobody", password="x" * 12)
    assert access.visible(organisation_less, Organization).count() == 0
    # a model without an audience rule is visible to nobody, not even to supervisors
    deadlines.deadline_pause(deadline=clocks["insurer_a"], reason="测试", at=T0 + dt.timedelta(hours=1),
                             actor=parties.insurer_a_user)
    assert DeadlinePause not in access._RULES
    assert DeadlinePause.objects.count() == 1
    assert access.visible(parties.regulator_user, DeadlinePause).count() == 0
    assert access.visible(parties.insurer_a_user, DeadlinePause).count() == 0


def test_inactive_users_see_nothing(parties, clocks):
    user = parties.insurer_a_user
    user.is_active = False
    assert access.visible(user, Deadline).count() == 0


@pytest.mark.parametrize("base", [ScopedReadOnlyViewSet, ScopedModelViewSet])
@pytest.mark.parametrize("method", ["get_queryset", "get_object"])
def test_scoped_viewsets_refuse_overriding_the_scope(base, method):
    with pytest.raises(ImproperlyConfigured, match=method):
        type("LeakyViewSet", (base,), {"queryset": Deadline.objects.all(), method: lambda self: None})


@pytest.mark.parametrize("method", ["get_queryset", "get_object"])
def test_scoped_pages_refuse_overriding_the_scope(method):
    with pytest.raises(ImproperlyConfigured, match=method):
        type("LeakyPage", (ScopedPageMixin, ListView), {"queryset": Deadline.objects.all(), method: lambda self: None})


def test_a_subclass_of_a_subclass_cannot_override_either():
    class Fine(ScopedReadOnlyViewSet):
        queryset = Deadline.objects.all()

        def filter_queryset(self, queryset):  # allowed: narrowing inside the audience
            return super().filter_queryset(queryset)

    with pytest.raises(ImproperlyConfigured):
        type("Leaky", (Fine,), {"get_queryset": lambda self: Deadline.objects.all()})
