"""The claim refusal notice (拒赔通知书, rule J11; 《中华人民共和国保险法》第二十四条): once an insurer decides a claim is
not covered, it sends the claimant a written notice with its reasons within 3 days of the decision.

The insurer issues it (named, it seals it); the platform generates the document from the claim. The claim records
no claimant of its own, so the notice is addressed to the policyholder of the claim's policy (revealed — and
audited — for the insurer and the regulator, who may read the name; rule M3). Dated the day the notice was
recorded as sent, blank before (the insurer dates it when it sends it)."""

from __future__ import annotations

from apps.core import documents
from apps.core.deadlines import local_date
from apps.exchange import pdfsign

from .models import Claim

TEMPLATE = "claims/documents/refusal_notice.html"
TITLE = "拒赔通知书"


def available(claim: Claim) -> bool:
    return claim.decision == Claim.Decision.REFUSED and claim.decided_at is not None


def doc_no(claim: Claim) -> str:
    return f"{claim.number}-JP"


def context(claim: Claim, *, claimant: str) -> dict:
    policy = claim.policy
    return {
        "title": TITLE, "doc_no": doc_no(claim), "issuer_name": claim.insurer.name, "claimant": claimant,
        "claim_number": claim.number, "occurred_on": local_date(claim.occurred_at), "location": claim.location,
        "plate": claim.vehicle.plate, "policy_number": policy.number, "policy_kind": policy.get_kind_display(),
        "decided_on": local_date(claim.decided_at), "reason": claim.refusal_reason,
        "issued_on": local_date(claim.refusal_notice_sent_at) if claim.refusal_notice_sent_at else None,
        "footer_text": documents.generated_footer(claim.insurer.name, doc_no(claim)),
    }


def render_pdf(claim: Claim, *, claimant: str) -> bytes:
    """The notice's PDF. Once it is recorded as sent (dated), it is the one the insurer signed (PAdES,
    ``apps.exchange.pdfsign``: signed at the first download after that, the same bytes ever after; unsigned for an
    insurer with its own registered key); before, the undated draft, unsigned."""
    def render() -> bytes:
        return documents.render_pdf(TEMPLATE, context(claim, claimant=claimant))

    if claim.refusal_notice_sent_at is None:
        return render()

    return pdfsign.signed_for(f"claim-refusal-notice:{claim.pk}", organization=claim.insurer, title=TITLE,
                              doc_no=doc_no(claim), render=render, case_ref=claim.number)
