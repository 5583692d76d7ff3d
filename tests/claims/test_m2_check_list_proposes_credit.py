"""The focused-check list (rule M14) no longer says violators are written into the credit file: the finding is a
proposal the association keeping the file decides (rule M2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["ins_assoc_user", "company_a_user"])
def test_m2_check_list_says_violations_are_proposed_to_the_association(parties, client, who):
    client.force_login(getattr(parties, who))
    page = client.get(reverse("claims-checks"))
    assert page.status_code == 200
    head = page.content.decode()
    head = head[head.index('class="page-head"'):head.index("</section>")]
    assert "发现违规的记入行业信用档案" not in head
    assert "提议记入行业信用档案" in head and "行业协会决定" in head
