"""The endorsement form (批改单, rules J8, J9, J13): the insurer's written record of an endorsement of a policy — what
changed (the usage nature before and after), from when, the premium adjustment and its basis — issued by the
insurer (named, it seals it) and signed in its name (PAdES, ``apps.exchange.pdfsign``).

The platform generates the document from the ``Endorsement`` row, rendered like the other formal documents
(``apps.core.documents``: a Django template through WeasyPrint). It names the policyholder in full (as the
rescission notices and the refusal notice do), so only those who may reveal the policyholder's name of the policy
get it (the issuing insurer, transport, the regulator; rule M3), each download audited as a reveal.

Its number is the policy number with the endorsement's order on that policy (``<policy number>-PG<n>``); its date
is the day the endorsement was recorded. It is rendered in the platform's language (not the first reader's), so
the signed bytes do not depend on who downloads it first. Signed once, at the first download (or the first evidence
archive that carries it), the same bytes ever after; unsigned for an insurer with its own registered key (the
platform does not sign in its name)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.core import documents
from apps.core.audit import reveal
from apps.core.deadlines import local_date
from apps.exchange import pdfsign
from apps.parties import access, rights

from .access import may_reveal_policyholder
from .models import Endorsement, Policy, PolicyKind, PremiumMode

TEMPLATE = "policies/documents/endorsement.html"
TITLE = "批改单"

# the basis of the premium adjustment, by the policy's kind (交强险 or commercial) and the mode (rules J8, J9, J13)
_RULES = "《交强险承保实务规程（2020版）》"
BASIS = {
    (True, PremiumMode.DAILY_RATE): _(
        "%(rules)s第五节第三条：被保险机动车变更使用性质的，保险人应对保险单进行批改，并根据变更事项增加或减少保险费；"
        "上述批改按照日费率增加或减少保险费。"),
    (True, PremiumMode.POLICY_YEAR): _(
        "%(rules)s第五节第四条：投保人未如实告知重要事项，对保险费计算有影响的，或在保险合同有效期限内被保险机动车因改装、"
        "加装、使用性质改变等导致危险程度增加，未及时通知保险人的，保险人应对保险单进行批改，并按照保单年度重新核定保险费计收。"),
    (False, PremiumMode.DAILY_RATE): _(
        "《中华人民共和国保险法》第二十条：投保人和保险人可以协商变更合同内容，由保险人在保险单或者其他保险凭证上批注或者附贴批单；"
        "保险费按照日费率增加或减少。"),
    (False, PremiumMode.POLICY_YEAR): _(
        "《中华人民共和国保险法》第五十二条：在合同有效期内，保险标的的危险程度显著增加的，保险人按照合同约定可以增加保险费。"),
}


# the adjustment mode as the form states it (the platform's choice labels name its own rule ids, J8/J9)
MODE_TEXT = {PremiumMode.DAILY_RATE: _("按日费率增加或减少保险费"),
             PremiumMode.POLICY_YEAR: _("按保单年度重新核定保险费")}


def source(endorsement: Endorsement) -> str:
    """The ``SignedDocument.source`` of the endorsement's form."""
    return f"policy-endorsement:{endorsement.pk}"


def doc_no(endorsement: Endorsement) -> str:
    """``<policy number>-PG<n>``: the n-th endorsement of the policy (endorsements are never deleted)."""
    n = Endorsement.objects.filter(policy_id=endorsement.policy_id, pk__lte=endorsement.pk).count()
    return f"{endorsement.policy.number}-PG{n}"


def filename(endorsement: Endorsement, number: str | None = None) -> str:
    return f"{TITLE} {number or doc_no(endorsement)}.pdf"


def basis(endorsement: Endorsement) -> str:
    compulsory = endorsement.policy.kind == PolicyKind.COMPULSORY
    return str(BASIS[(compulsory, endorsement.premium_mode)]) % {"rules": _RULES}


def context(endorsement: Endorsement, *, policyholder: str, number: str) -> dict:
    policy = endorsement.policy
    return {
        "title": TITLE, "doc_no": number, "issuer_name": policy.insurer.name, "policyholder": policyholder,
        "policy_number": policy.number, "policy_kind": policy.get_kind_display(),
        "starts_at": policy.starts_at, "ends_at": policy.ends_at,
        "plate": policy.vehicle.plate, "vin": policy.vehicle.vin, "e": endorsement,
        "usage_from": endorsement.get_usage_nature_from_display(),
        "usage_to": endorsement.get_usage_nature_to_display(),
        "premium_mode": str(MODE_TEXT[endorsement.premium_mode]),
        "daily_rate": endorsement.premium_mode == PremiumMode.DAILY_RATE,
        "increase": endorsement.premium_delta >= 0, "delta_abs": abs(endorsement.premium_delta),
        "basis": basis(endorsement), "issued_on": local_date(endorsement.created_at),
        "footer_text": documents.generated_footer(policy.insurer.name, number),
    }


def render_unsigned(endorsement: Endorsement, *, policyholder: str, number: str | None = None) -> bytes:
    """The form's PDF before signing, in the platform's language."""
    number = number or doc_no(endorsement)
    with translation.override(settings.LANGUAGE_CODE):
        return documents.render_pdf(TEMPLATE, context(endorsement, policyholder=policyholder, number=number))


def signed_pdf(endorsement: Endorsement, *, policyholder: str, number: str | None = None) -> bytes:
    """The form as the insurer signed it (``pdfsign.signed_for``: signed at the first call, the same bytes ever
    after); unsigned for an insurer with its own registered key. ``endorsement.policy`` with its insurer and
    vehicle loaded."""
    policy = endorsement.policy
    number = number or doc_no(endorsement)
    cause = endorsement.source  # a rescission case closed by it carries a number; a policy-page endorsement none
    return pdfsign.signed_for(
        source(endorsement), organization=policy.insurer, title=TITLE, doc_no=number,
        case_ref=str(getattr(cause, "number", "") or "")[:60],
        render=lambda: render_unsigned(endorsement, policyholder=policyholder, number=number))


def for_reader(user, *, policy_pk: int, endorsement_pk: int) -> tuple[bytes, str]:
    """The signed form and its file name for ``user``: who reads the policy and its endorsements and may reveal its
    policyholder's name (the form names them; the download is audited as a reveal); anyone else gets 404
    (``Http404``, as outside the policy's audience), a role without the right to read endorsements 403. Pages and
    API alike."""
    rights.require(user, "policies.view_endorsement")
    policy = access.get_for_user(user, Policy.objects.select_related("insurer", "vehicle"), pk=policy_pk)
    endorsement = access.get_for_user(user, Endorsement.objects.filter(policy=policy), pk=endorsement_pk)
    if not may_reveal_policyholder(user, policy):
        raise Http404
    endorsement.policy = policy
    number = doc_no(endorsement)
    name = reveal(actor=user, obj=policy, field="policyholder_name", reason=f"endorsement form {number}")
    return signed_pdf(endorsement, policyholder=name, number=number), filename(endorsement, number)
