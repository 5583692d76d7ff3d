"""The recipient's side of every push of the leads app (rule M3): the exchange calls these handlers inside its
ingest transaction, after it verified the sender's signature and decrypted the rows; ``receipt_at`` is the
moment the recipient knew (its signed receipt carries the same instant and the case references returned here).

| kind | from → to | what the recipient does |
|---|---|---|
| ``leads`` | transport → regulator (M5), insurance association → transport (M8) | verifies insurance (the registers' one verification service), records the finding; for transport's leads dispatches a ``worklist`` to every insurer holding a policy in force on the vehicle |
| ``worklist`` | regulator → insurer | the insurer's own rows to check against its books (M8); a reviewed M6 finding is an ENDORSEMENT item (批改: change usage, re-rate), never a rescission case |
| ``lawful_list`` | transport → regulator (M6) | screens the list set-based; findings wait for the regulator's review; summary for the regulator |
| ``penalties`` | transport → regulator → insurer (M7) | the regulator relays to each insurer holding a policy in force; the insurer's receipt opens the rescission case (M12, trigger ``penalty``) |
| ``check_results`` | transport → regulator → insurer (M2, M4, M12) | transport's finding that illegal operation is defined; the insurer's receipt opens the rescission case (trigger ``lead_confirmed``) |

Handlers are idempotent in effect as well (row keys, status checks), although the exchange already calls each at
most once per batch. A batch whose rows do not belong to its sender or recipient is refused for good
(``IngestRejected``); anything else that fails is transient and the delivery is retried.

Each handler acts as the delivery itself (``SystemActor("exchange.ingest.<kind>")``) on behalf of the batch's
recipient: the trail, the audit log and the relays it sends name that job, never a person.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.deadlines import deadline_start
from apps.core.errors import ApplicationError
from apps.core.notifications import Text, notify_organization
from apps.exchange.registry import IngestRejected, register_kind
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.policies.models import Policy
from apps.policies.services import endorsement_clock_start
from apps.rescissions.services import rescission_open
from apps.vehicles.usage import OPERATING_NATURES

from . import services
from .models import (
    Direction,
    Finding,
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    Outcome,
    Penalty,
    ScreeningFinding,
    Status,
)

logger = logging.getLogger(__name__)
Kind = InsurerWorklistItem.Kind


def _delivery(batch) -> SystemActor:
    """The exchange delivering ``batch``, acting for its recipient."""
    return SystemActor(f"exchange.ingest.{batch.kind}", organization=batch.recipient)


def _policies(ids):
    return Policy.objects.select_related("insurer", "vehicle").in_bulk(list(ids))


def _open_rescission(*, actor, policy, trigger: str, trigger_ref: str, known_at: dt.datetime) -> str | None:
    """Rule M12: the insurer's receipt starts its 30-day clock. Returns the case number, or None when no case
    can be opened (the policy is no longer active: there is nothing left to rescind)."""

    if policy.status != Policy.Status.ACTIVE:
        return None
    try:
        case, _created = rescission_open(policy=policy, trigger=trigger, trigger_ref=trigger_ref, known_at=known_at,
                                         actor=actor)
    except ApplicationError as exc:
        logger.warning("leads: no rescission case for policy %s (%s)", policy.pk, exc.message)
        return None
    return case.number


def _worklist_item(*, insurer: Organization, row: dict, kind: str, receipt_at: dt.datetime, policy, actor, **links):
    """The insurer's row; its receipt starts the insurer's answer clock (``lead.worklist_answer``, M8) and, for an
    endorsement item (M6), the endorsement clock of the policy (``policy.endorsement``, met by its endorsement)."""

    item, created = InsurerWorklistItem.objects.get_or_create(
        insurer=insurer, row_key=row["row_key"],
        defaults={
            "kind": kind, "policy": policy, "vehicle": policy.vehicle, "plate": row.get("plate") or "",
            "summary": row.get("summary") or "", "received_at": receipt_at, **links,
        },
    )
    if created:
        deadline_start(rule=services.WORKLIST_ANSWER_RULE, subject=item, responsible=insurer, starts_at=receipt_at,
                       actor=actor)  # LEAD_WORKLIST_ANSWER_DAYS natural days, from the rule's registration
        if kind == Kind.ENDORSEMENT:
            endorsement_clock_start(subject=item, policy=policy, starts_at=receipt_at, actor=actor)
    return item, created


def _insurer_only(batch) -> Organization:
    if batch.recipient.kind != OrganizationKind.INSURER:
        raise IngestRejected(_("该类批次只能发送给保险公司。"), code="recipient_not_insurer")
    return batch.recipient


def _own_policy(policies: dict, row: dict, insurer: Organization):
    policy = policies.get(row.get("policy_id"))
    if policy is None or policy.insurer_id != insurer.pk:
        raise IngestRejected(_("批次中的保单不属于接收方保险公司。"), code="policy_not_recipients")
    return policy


# --- leads (M5, M8) ----------------------------------------------------------------------------------------------


def _verify(lead: Lead, at: dt.datetime):
    """The registers' ONE verification service (``services.verify_insurance``)."""
    return services.verify_insurance(lead, at)


def _lead_worklist_row(lead: Lead, policy, finding: str) -> dict:
    return {
        "row_key": f"lead:{lead.pk}:policy:{policy.id}",
        "lead_id": lead.pk,
        "ref": lead.reference,
        "policy_id": policy.id,
        "insurer_id": policy.insurer_id,
        "plate": lead.plate,
        "summary": _(
            "交通运输部门推送的疑似非法营运线索 %(ref)s（%(source)s）：号牌 %(plate)s。平台核验结论：%(finding)s。"
            "请核对贵公司保单 %(policy)s（%(kind)s，承保使用性质：%(usage)s）并答复。"
        ) % {"ref": lead.reference, "source": lead.get_source_display(), "plate": lead.plate,
             "finding": Finding(finding).label, "policy": policy.number, "kind": policy.kind_label,
             "usage": policy.usage_label},
    }


def ingest_leads(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    recipient = batch.recipient
    actor = _delivery(batch)
    leads = {
        lead.pk: lead for lead in
        Lead.objects.select_for_update(of=("self",)).select_related("vehicle")
        .filter(pk__in=[r.get("lead_id") for r in rows])
    }
    refs: list[str] = []
    worklist_rows: list[dict] = []
    dispatched: dict[int, Lead] = {}
    for row in rows:
        lead = leads.get(row.get("lead_id"))
        if lead is None or lead.sender_id != batch.sender_id or lead.recipient_id != recipient.pk:
            raise IngestRejected(_("批次中的线索 %(ref)s 与发送方或接收方不符。") % {"ref": row.get("ref", "?")},
                                 code="lead_mismatch")
        refs.append(lead.reference)
        if lead.status != Status.PUSHED:
            continue  # already received (idempotent)
        lead.received_at = receipt_at
        services._move(lead, Status.VERIFYING, action="received", actor=actor, organization=recipient,
                       fields=["received_at"],
                       detail={"batch": str(batch.pk), "receipt_at": receipt_at.isoformat()})
        finding, detail, policies = _verify(lead, receipt_at)
        lead.finding, lead.finding_detail, lead.verified_at = finding, detail, receipt_at
        services._move(lead, Status.VERIFIED, action="verified", actor=actor, organization=recipient,
                       note=Finding(finding).label, fields=["vehicle", "finding", "finding_detail", "verified_at"],
                       detail={"finding": finding})
        if lead.direction == Direction.TRANSPORT_TO_INSURANCE:
            # Rule M8: organise the insurers holding a policy in force to check their books.
            for policy in policies:
                worklist_rows.append(_lead_worklist_row(lead, policy, finding))
                dispatched[lead.pk] = lead
    if worklist_rows:
        batches = services.send_rows_per_insurer(kind="worklist", sender=recipient, rows=worklist_rows,
                                                 ref=batch.refs[0] if batch.refs else "leads", actor=actor)
        by_insurer = {b.recipient_id: b for b in batches}
        for lead in dispatched.values():
            insurer_ids = sorted({r["insurer_id"] for r in worklist_rows if r["lead_id"] == lead.pk})
            services.lead_event(
                lead=lead, action="worklist_dispatched", actor=actor, organization=recipient,
                detail={"insurers": [by_insurer[i].recipient.name for i in insurer_ids],
                        "batches": [str(by_insurer[i].pk) for i in insurer_ids]},
            )
    notify_organization(
        organization=recipient, title=Text(gettext_noop("收到 %(n)d 条线索（%(sender)s）"), n=len(rows),
                                           sender=batch.sender.name),
        link="/leads/", kind="leads.received", dedup_key=f"leads:batch:{batch.pk}",
    )
    return refs


def on_leads_rejected(batch) -> None:
    # the sender's side of a refusal: the exchange returns the leads to their sender
    services.lead_mark_push_rejected(
        actor=SystemActor("exchange.rejected.leads", organization=batch.sender), batch=batch)


# --- worklist (M8) -------------------------------------------------------------------------------------------------


def ingest_worklist(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    insurer = _insurer_only(batch)
    actor = _delivery(batch)
    policies = _policies(r.get("policy_id") for r in rows)
    refs = []
    for row in rows:
        policy = _own_policy(policies, row, insurer)
        if row.get("lead_id"):
            item, _c = _worklist_item(insurer=insurer, row=row, kind=Kind.LEAD, receipt_at=receipt_at, policy=policy,
                                      actor=actor, lead_id=row["lead_id"])
        else:
            finding = ScreeningFinding.objects.filter(pk=row.get("screening_finding_id"), policy_id=policy.pk).first()
            if finding is None or finding.review != ScreeningFinding.Review.CONFIRMED:
                raise IngestRejected(_("批次中的清单比对发现未经金融监管部门审核确认。"), code="finding_not_reviewed")
            # Rule M6: a lawful operating vehicle (valid permit) insured as non-operating. The insurer endorses
            # the policy (批改: change the usage nature, re-rate the premium); it is no rescission case.
            item, _c = _worklist_item(insurer=insurer, row=row, kind=Kind.ENDORSEMENT, receipt_at=receipt_at,
                                      policy=policy, actor=actor, screening_finding=finding)
        refs.append(f"WL{item.pk}")
    notify_organization(
        organization=insurer, title=Text(gettext_noop("收到核查清单 %(n)d 条，请核对承保情况并答复"), n=len(rows)),
        link="/leads/worklist/", kind="leads.worklist", dedup_key=f"worklist:batch:{batch.pk}",
    )
    return refs


# --- lawful operating list (M6) --------------------------------------------------------------------------------


def ingest_lawful_list(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    from .screening import lawful_list_screen

    if batch.recipient.kind != OrganizationKind.REGULATOR or batch.sender.kind != OrganizationKind.TRANSPORT:
        raise IngestRejected(_("合法营运车辆清单只能由交通运输部门推送给金融监管部门。"), code="lawful_list_parties")
    run = LawfulListRun.objects.select_for_update().filter(batch=batch).first()
    if run is None:
        raise IngestRejected(_("找不到该批次对应的清单推送记录。"), code="lawful_list_unknown")
    if run.state == LawfulListRun.State.SCREENED:
        return [f"LL{run.pk}"]
    lawful_list_screen(actor=_delivery(batch), run=run, rows=rows, at=receipt_at)
    return [f"LL{run.pk}"]


# --- penalties (M7) --------------------------------------------------------------------------------------------


def ingest_penalties(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    recipient = batch.recipient
    if recipient.kind == OrganizationKind.REGULATOR:
        return _relay_penalties(batch, rows, receipt_at)
    insurer = _insurer_only(batch)
    actor = _delivery(batch)
    policies = _policies(r.get("policy_id") for r in rows)
    refs = []
    for row in rows:
        policy = _own_policy(policies, row, insurer)
        penalty = Penalty.objects.filter(pk=row.get("penalty_id"), decision_no=row.get("decision_no")).first()
        if penalty is None:
            raise IngestRejected(_("批次中的处罚决定不存在。"), code="penalty_unknown")
        _worklist_item(insurer=insurer, row=row, kind=Kind.PENALTY, receipt_at=receipt_at, policy=policy,
                       actor=actor, penalty=penalty)
        if row.get("rescission"):
            # Rule M12: the insurer learnt of the penalised illegal operation at this receipt.
            case = _open_rescission(actor=actor, policy=policy, trigger="penalty", trigger_ref=penalty.decision_no,
                                    known_at=receipt_at)
            if case:
                refs.append(case)
        refs.append(penalty.decision_no)
    return sorted(set(refs))


def _relay_penalties(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    """At the regulator: forward each penalty to every insurer holding a policy in force on the vehicle."""

    if batch.sender.kind != OrganizationKind.TRANSPORT:
        raise IngestRejected(_("处罚决定只能由交通运输部门推送。"), code="penalty_sender")
    out: list[dict] = []
    refs = []
    for row in rows:
        penalty = Penalty.objects.select_related("vehicle").filter(
            pk=row.get("penalty_id"), decision_no=row.get("decision_no"), organization=batch.sender).first()
        if penalty is None:
            raise IngestRejected(_("批次中的处罚决定与发送方不符。"), code="penalty_mismatch")
        refs.append(penalty.decision_no)
        if penalty.vehicle_id is None:
            continue  # a penalty on a company concerns no insurer's policy
        in_force = Policy.objects.filter(Policy.in_force_q(receipt_at), vehicle_id=penalty.vehicle_id).order_by("pk")
        for policy in in_force:
            non_operating = policy.usage_nature_insured not in OPERATING_NATURES
            out.append({
                **row, "row_key": f"penalty:{penalty.pk}:policy:{policy.pk}", "policy_id": policy.pk,
                "insurer_id": policy.insurer_id, "policy_no": policy.number, "rescission": non_operating,
                "summary": _(
                    "交通运输部门处罚决定 %(no)s（%(date)s）：号牌 %(plate)s 非法营运，已查处。违法事实：%(facts)s。"
                    "贵公司保单 %(policy)s 承保使用性质为“%(usage)s”%(hint)s。"
                ) % {"no": penalty.decision_no, "date": penalty.decided_on.isoformat(), "plate": penalty.plate,
                     "facts": penalty.facts, "policy": policy.number, "usage": policy.get_usage_nature_insured_display(),
                     "hint": _("，请在 30 日内依法决定是否解除合同（规则 M12）") if non_operating else ""},
            })
    if out:
        services.send_rows_per_insurer(kind="penalties", sender=batch.recipient, rows=out, ref=refs[0],
                                       actor=_delivery(batch))
    return refs


# --- check results of confirmed leads (M4, M12) -----------------------------------------------------------------


def ingest_check_results(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    recipient = batch.recipient
    actor = _delivery(batch)
    leads = {lead.pk: lead for lead in
             Lead.objects.select_related("defined_by").filter(pk__in=[r.get("lead_id") for r in rows])}
    for row in rows:
        lead = leads.get(row.get("lead_id"))
        # Rule M2: only transport's finding that illegal operation is defined reaches insurers.
        if (lead is None or lead.status not in (Status.CONFIRMED, Status.DISPOSED) or lead.outcome != Outcome.CONFIRMED
                or lead.defined_by is None or lead.defined_by.kind != OrganizationKind.TRANSPORT):
            raise IngestRejected(_("批次中的线索不存在或未经交通运输部门界定为非法营运。"), code="lead_not_confirmed")
    if recipient.kind == OrganizationKind.REGULATOR:
        # Transport copied the regulator (seed: 抄送保险监管部门); relay each insurer its own rows.
        if batch.sender.kind != OrganizationKind.TRANSPORT:
            raise IngestRejected(_("核查结果只能由交通运输部门抄送金融监管部门。"), code="check_results_sender")
        for lead_id in {r["lead_id"] for r in rows}:
            lead_rows = [r for r in rows if r["lead_id"] == lead_id]
            batches = services.send_rows_per_insurer(kind="check_results", sender=recipient, rows=lead_rows,
                                                     ref=leads[lead_id].reference, actor=actor)
            services.lead_event(lead=leads[lead_id], action="check_results_sent", actor=actor, organization=recipient,
                                detail={"relayed": True, "batches": [str(b.pk) for b in batches],
                                        "recipients": [b.recipient.name for b in batches]})
        return sorted({r["ref"] for r in rows})
    insurer = _insurer_only(batch)
    if batch.sender.kind != OrganizationKind.REGULATOR:
        raise IngestRejected(_("界定结果只能由金融监管部门转送保险公司。"), code="check_results_sender")
    policies = _policies(r.get("policy_id") for r in rows)
    refs = []
    for row in rows:
        policy = _own_policy(policies, row, insurer)
        lead = leads[row["lead_id"]]
        penalty = _("（处罚决定 %(no)s）") % {"no": row["penalty_no"]} if row.get("penalty_no") else ""
        row = {**row, "summary": _(
            "线索 %(ref)s 经%(by)s线下核查界定为非法营运%(penalty)s（号牌 %(plate)s）：%(result)s。"
            "贵公司保单 %(policy)s 按非营运性质承保，请在 30 日内依法决定处理方式（规则 M12）。"
        ) % {"ref": lead.reference, "by": lead.defined_by.name, "penalty": penalty, "plate": lead.plate,
             "result": row.get("check_result", ""), "policy": policy.number}}
        item, created = _worklist_item(insurer=insurer, row=row, kind=Kind.CONFIRMATION, receipt_at=receipt_at,
                                       policy=policy, actor=actor, lead=lead)
        case = _open_rescission(actor=actor, policy=policy, trigger="lead_confirmed", trigger_ref=lead.reference,
                                known_at=receipt_at)
        if created:
            services.lead_event(lead=lead, action="insurer_notified", actor=actor, organization=insurer,
                                detail={"insurer": insurer.name, "policy": policy.number,
                                        "receipt_at": receipt_at.isoformat(), "rescission_case": case or ""})
        refs.append(case or lead.reference)
    return refs


KINDS = {
    "leads": (ingest_leads, {"on_rejected": on_leads_rejected}),
    "worklist": (ingest_worklist, {}),
    "lawful_list": (ingest_lawful_list, {}),
    "penalties": (ingest_penalties, {}),
    "check_results": (ingest_check_results, {}),
}


def register() -> None:
    """Called from the app's ready(): the exchange routes these kinds to the handlers above."""

    for kind, (handler, options) in KINDS.items():
        register_kind(kind, handler, **options)
