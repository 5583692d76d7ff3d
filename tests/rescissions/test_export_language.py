"""The case list's export (CSV/XLSX) carries a decision reason the platform wrote in the requesting user's
language (issue 16, rule M16), the typed part as typed; the stored text is what a Chinese reader exports."""

import pytest
from django.conf import settings

from .test_stored_texts_language import J5_EN, TYPED, _disclosed

pytestmark = pytest.mark.django_db


def _export(client, language) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/rescissions/?export=csv&state=all")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_m16_an_export_in_english_carries_the_decision_reason_in_english_with_the_typed_note(client, parties):
    case = _disclosed(parties)
    client.force_login(parties.insurer_a_user)
    english = _export(client, "en")
    assert J5_EN in english and TYPED in english
    assert "履行了如实告知义务" not in english
    chinese = _export(client, "zh-hans")
    assert case.decision_reason.splitlines()[0] in chinese  # the Chinese reader exports the text as written
