"""The 督促 list (rules M12, M17) shows each item's clock with a fixed number of queries, whatever the page holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.credit import services
from apps.parties.rights import SystemActor
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db


def _open(parties, n):
    for _ in range(n):
        services.urging_item_open(actor=SystemActor("rescissions.decision_deadline_passed"), insurer=parties.insurer_a,
                                  subject=PolicyFactory(insurer=parties.insurer_a), rule="M12", reason="超期未作出决定")


@pytest.mark.parametrize("who", ["ins_assoc_user", "regulator_user"])
def test_m12_urging_list_takes_a_fixed_number_of_queries(parties, client, django_assert_max_num_queries, who):
    client.force_login(getattr(parties, who))
    _open(parties, 1)
    with django_assert_max_num_queries(40) as few:
        page = client.get(reverse("credit:urging"))
    assert page.status_code == 200 and page.content.decode().count('data-testid="urging-clock"') == 1
    _open(parties, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("credit:urging"))
    assert page.content.decode().count('data-testid="urging-clock"') == 7
