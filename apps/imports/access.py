"""Audience rules of the importer (registered with apps.parties.access; 404 outside the audience)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import audience

from .models import ImportJob, ImportRowError


@audience(ImportJob)
def _import_jobs(user, qs: QuerySet) -> QuerySet:
    # An import belongs to the organisation that uploaded it (its rows may contain personal data).
    return qs.filter(organization_id=user.organization_id)


@audience(ImportRowError)
def _import_row_errors(user, qs: QuerySet) -> QuerySet:
    return qs.filter(job__organization_id=user.organization_id)

