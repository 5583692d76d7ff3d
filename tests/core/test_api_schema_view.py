"""``/api/schema/`` is generated once per language in a process (it takes seconds of CPU and is the same for every
user), and each language still gets its own."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.api.schema import SchemaView

JSON = "application/vnd.oai.openapi+json"


class CountingGenerator(SchemaGenerator):
    made = 0

    def get_schema(self, request=None, public=False):
        CountingGenerator.made += 1
        return super().get_schema(request=request, public=public)


@pytest.mark.django_db
def test_the_description_is_made_once_per_language(client, monkeypatch):
    monkeypatch.setattr(SchemaView, "generator_class", CountingGenerator)
    monkeypatch.setattr(SchemaView, "_made", {})
    first = client.get("/api/schema/", HTTP_ACCEPT=JSON)
    again = client.get("/api/schema/", HTTP_ACCEPT=JSON)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert CountingGenerator.made == 1
    english = client.get("/api/schema/?lang=en", HTTP_ACCEPT=JSON)
    assert english.status_code == 200 and CountingGenerator.made == 2
    assert english.content != first.content  # the descriptions are written in the language asked for
    assert client.get("/api/schema/?lang=en", HTTP_ACCEPT=JSON).content == english.content
    assert CountingGenerator.made == 2
