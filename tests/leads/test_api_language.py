"""The leads API answers in the caller's language (issue 16): pushing a lead outside the caller's audience says
"not found" in English to a caller who chose English."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_pushing_an_unknown_lead_says_not_found_in_the_callers_language(parties, api):
    transport = api.as_user(parties.transport_user)
    transport.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = transport.post("/api/v1/leads/push/", {"ids": [987654]}, format="json")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "Not found."
