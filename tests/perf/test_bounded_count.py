"""The bounded count of every paginated list (apps.core.pagination): exact up to the bound, "more than" above."""

import pytest

from apps.core.pagination import BoundedPaginator
from apps.parties.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


class _Small(BoundedPaginator):
    bound = 3


def test_count_is_exact_up_to_the_bound_and_bounded_above_it():
    for _ in range(5):
        OrganizationFactory()
    rows = Organization.objects.order_by("pk")
    total = rows.count()
    assert total >= 5
    exact = BoundedPaginator(rows, 2)
    assert (exact.count, exact.bounded) == (total, False)
    small = _Small(rows, 2)
    assert (small.count, small.bounded) == (3, True)
    assert small.num_pages == 2  # the pages reach as far as the bound
    assert [o.pk for o in small.page(1)] == [o.pk for o in rows[:2]]


def test_an_api_page_says_whether_its_count_is_bounded(api):
    from apps.parties.models import OrganizationKind
    from tests.factories import user_of

    client = api.as_user(user_of(OrganizationKind.REGULATOR))
    body = client.get("/api/v1/organizations/").json()
    assert set(body) == {"count", "count_bounded", "next", "previous", "results"}
    assert body["count_bounded"] is False and body["count"] >= len(body["results"]) > 0
