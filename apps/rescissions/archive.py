"""What an evidence archive of a batch carries from the rescission cases opened on its references besides their
notices (those ``apps.exchange.selectors`` finds itself): the endorsement forms (批改单, rules J8, J9, J13) of the
policies a case closed as endorsed (``CasePolicy.endorsement_ref`` ``E<id>``), registered with
``apps.exchange.registry.register_archive_documents``."""

from __future__ import annotations

from apps.core.audit import reveal
from apps.parties import access, rights
from apps.policies import endorsement_document
from apps.policies.access import may_reveal_policyholder
from apps.policies.models import Endorsement

from .models import CasePolicy, Decision, RescissionCase


def endorsement_forms(actor, refs: list[str]) -> list[str]:
    """The ``SignedDocument`` sources of the endorsement forms of the cases opened on ``refs`` that ``actor`` reads
    (the case's audience, then the policy's), for an ``actor`` who may reveal the policyholder they name; a form
    not signed yet is signed now (``endorsement_document.signed_pdf``: once, the same bytes ever after)."""
    if not rights.may(actor, "policies.view_endorsement"):
        return []
    cases = access.visible(actor, RescissionCase.objects.filter(trigger_ref__in=refs))
    endorsement_refs = (CasePolicy.objects.filter(case__in=cases, outcome=Decision.ENDORSED)
                        .values_list("endorsement_ref", flat=True))
    ids = {int(ref[1:]) for ref in endorsement_refs if ref.startswith("E") and ref[1:].isdigit()}
    if not ids:
        return []
    endorsements = access.visible(actor, Endorsement.objects.filter(pk__in=ids)
                                  .select_related("policy", "policy__insurer", "policy__vehicle")).order_by("pk")
    sources = []
    for endorsement in endorsements:
        if not may_reveal_policyholder(actor, endorsement.policy):
            continue
        number = endorsement_document.doc_no(endorsement)
        name = reveal(actor=actor, obj=endorsement.policy, field="policyholder_name",
                      reason=f"evidence archive: endorsement form {number}")
        endorsement_document.signed_pdf(endorsement, policyholder=name, number=number)
        sources.append(endorsement_document.source(endorsement))
    return sources
