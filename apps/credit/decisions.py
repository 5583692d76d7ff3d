"""The formal decision documents of two supervisory measures (rule M15; 柳交执〔2026〕39号 四（五））:

* 责令整改通知书 — a rectification order (the regulator to an insurer or a company, transport to a company);
* 暂停网约车保险业务决定书 — the regulator's suspension of an insurer's ride-hailing insurance business.

Each is filled from the measure as issued: the issuing body (the organisation that issued it, which seals it),
its number (the 文号: typed by the issuer or assigned from its yearly sequence, ``services._decision_number_assign``),
the addressee (the target), the facts and ground, the legal basis, the measure and its period. The platform only
generates the document; the footer says so and names the issuer."""

from __future__ import annotations

from apps.core import documents
from apps.core.deadlines import local_date
from apps.exchange import pdfsign
from apps.parties.models import OrganizationKind

from .models import ActionKind, SupervisoryAction

MECHANISM = "《柳州市客运车辆保险协同监管工作机制》（柳交执〔2026〕39号）"
# 柳交执〔2026〕39号 四（五）: 1 — companies (the financial regulator or transport by the ground); 2 — insurers
BASIS = {
    OrganizationKind.INSURER: (
        f"{MECHANISM}第四部分第（五）项第2点“保险公司若存在违规拒保、虚设理赔条件等行为，由保险监管部门责令整改；"
        "情节严重的，依法依规暂停其网约车保险业务经营资格或采取其他相应监管措施”"),
    OrganizationKind.TAXI_COMPANY: (
        f"{MECHANISM}第四部分第（五）项第1点“出租汽车企业若存在允许未投保或保险类型与车辆使用性质不符合的车辆上线运营的"
        "行为，由金融监督主管部门依法依规查处；若存在允许未取得《网络预约出租汽车运输证》的非营运车辆上线运营的行为，"
        "由交通运输主管部门依法依规查处”"),
}
TEMPLATES = {
    ActionKind.RECTIFICATION_ORDER: "credit/documents/rectification_order.html",
    ActionKind.BUSINESS_SUSPENSION: "credit/documents/business_suspension.html",
}
TITLES = {ActionKind.RECTIFICATION_ORDER: "责令整改通知书", ActionKind.BUSINESS_SUSPENSION: "暂停网约车保险业务决定书"}
SELF = {OrganizationKind.REGULATOR: "本分局", OrganizationKind.TRANSPORT: "本局"}


def has_document(action: SupervisoryAction) -> bool:
    return action.kind in TEMPLATES


def document_context(action: SupervisoryAction) -> dict:
    issuer = action.issued_by
    return {
        "title": TITLES[action.kind], "doc_no": action.reference_no, "issuer_name": issuer.name,
        "self_name": SELF.get(issuer.kind, "本单位"), "addressee": action.target.name,
        "you": "你公司" if action.target.kind == OrganizationKind.INSURER else "你单位",
        "facts": action.facts.rstrip("。；;.， "), "ground": action.get_ground_display(),
        "serious_stated": "情节严重" in action.facts,
        "plate": action.vehicle.plate if action.vehicle_id else "", "basis": BASIS.get(action.target.kind, MECHANISM),
        "requirement": action.requirement, "starts_on": action.starts_on, "ends_on": action.ends_on,
        "issued_on": local_date(action.created_at),
        "footer_text": documents.generated_footer(issuer.name, action.reference_no),
    }


def document_pdf(action: SupervisoryAction) -> bytes:
    """The decision as the issuer signed it (PAdES, ``apps.exchange.pdfsign``): signed once, when the measure is
    issued (``services.supervisory_action_issue``), the same bytes on every download; unsigned for an issuer with
    its own registered key (the platform does not sign in its name)."""

    return pdfsign.signed_for(
        f"supervisory-action:{action.pk}", organization=action.issued_by, title=TITLES[action.kind],
        doc_no=action.reference_no, render=lambda: documents.render_pdf(TEMPLATES[action.kind],
                                                                        document_context(action)))


def document_filename(action: SupervisoryAction) -> str:
    return f"{TITLES[action.kind]} {action.reference_no}.pdf"
