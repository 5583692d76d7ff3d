"""Writes of the claims app: record and advance claims, their clocks (rules M13, J11), the operating flag (M15).

A claim only moves forward: every timestamp is recorded once. Recording the same value again changes nothing
(so an insurer's core system can push the same claim any number of times, rule "idempotent batch push"); a
different value for a timestamp already recorded is refused, because met and breached clocks are never
recomputed away. Each new fact meets the clock it fulfils and starts the clocks it triggers (``clocks.py``).

A claim's actions depend on its state (``claim_actions``): pages offer only those, the services refuse the others
with a message saying why. Closing a claim that is neither paid (covered) nor notified of its refusal is not a
close but a withdrawal (撤案, ``claim_withdraw``): with its reason and an explicit confirmation; its running clocks
are closed as withdrawn (cancelled with the reason, shown as "因撤案终止" on the claim and in the SLA table).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.claims.errors import ErrorCode
from apps.core.audit import acting_user, audit_record
from apps.core.crypto import blind_index
from apps.core.deadlines import (
    SHANGHAI,
    deadline_cancel,
    deadline_for,
    deadline_meet,
    deadline_pause,
)
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.models import Deadline
from apps.core.notifications import Text
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import PAST, check_amount, normalize_resident_id
from apps.core.validators import check_instant as check_instant_range
from apps.parties import access, rights
from apps.parties.models import OrganizationKind
from apps.policies.models import Policy
from apps.vehicles.models import Driver

from . import clocks, conf
from .models import Claim, ClaimProgressNotice

# Facts that advance a claim, in lifecycle order (the order in which they are applied within one update).
TIMESTAMPS = (
    "claim_requested_at", "survey_dispatched_at", "documents_requested_at", "documents_complete_at", "decided_at",
    "refusal_notice_sent_at", "agreed_at", "paid_at", "closed_at",
)
DESCRIPTIVE = ("location", "at_station", "injured_passengers")


def _label(field: str) -> str:
    return str(Claim._meta.get_field(field).verbose_name)


_NOT_INSURER = _("只有承办的保险公司可以录入和更新本公司的理赔案件。")


def _check_actor(actor, insurer, perm: str = "claims.change_claim") -> None:
    """The table gives the right (insurers record claims, rule M13); the object rule: only the insurer that handles
    the claim records it (its staff or its core system's account), and a claim's insurer is an insurer."""
    rights.require(actor, perm, _NOT_INSURER)
    if insurer is None or insurer.kind != OrganizationKind.INSURER:
        raise PermissionDeniedError(_NOT_INSURER, code=ErrorCode.NOT_CLAIM_INSURER)
    if not actor.is_superuser and actor.organization_id != insurer.pk:
        raise PermissionDeniedError(_NOT_INSURER, code=ErrorCode.NOT_CLAIM_INSURER)


def may_record_claims(actor) -> bool:
    """Whether ``actor`` may record claims of its own organisation (the claim form; what pages show)."""
    organization = getattr(actor, "organization", None)
    return (rights.may(actor, "claims.add_claim") and organization is not None
            and organization.kind == OrganizationKind.INSURER)


def may_change_claim(actor, claim: Claim) -> bool:
    """Whether pages offer ``actor`` the next steps of ``claim`` (its own insurer's staff)."""
    return rights.may(actor, "claims.change_claim") and actor.organization_id == claim.insurer_id


def require_claim_recorder(actor) -> None:
    """Refuse the claim form to anyone who cannot record claims of its own organisation."""
    if not may_record_claims(actor):
        raise PermissionDeniedError(_NOT_INSURER, code=ErrorCode.NOT_CLAIM_INSURER)


def _check_instant(field: str, value: dt.datetime, *, now: dt.datetime, label: str | None = None) -> None:
    label = label or _label(field)
    if timezone.is_naive(value):
        raise ApplicationError(_("%(field)s须带时区。") % {"field": label}, code=ErrorCode.NAIVE_DATETIME,
                               extra={"fields": {field: [_("须带时区")]}})
    if value > now:
        raise ApplicationError(_("%(field)s不能晚于当前时间。") % {"field": label}, code=CoreErrorCode.FUTURE_TIME,
                               extra={"fields": {field: [_("不能晚于当前时间")]}})
    try:
        check_instant_range(value, field=field, label=label, ahead=PAST)
    except ValidationError as exc:
        raise ApplicationError(exc.message_dict[field][0], code=CoreErrorCode.DATE_RANGE, extra={"fields": exc.message_dict}) from None


def _check_amounts(facts: dict[str, Any]) -> None:
    """Claimed and agreed amounts within the plausible range (apps.core.validators)."""
    for field in ("amount_claimed", "amount_agreed"):
        try:
            check_amount(facts.get(field), field=field, label=_label(field))
        except ValidationError as exc:
            raise ApplicationError(exc.message_dict[field][0], code=ErrorCode.AMOUNT_RANGE,
                                   extra={"fields": exc.message_dict}) from None


def _not_before(claim: Claim, field: str, value: dt.datetime, earlier: str) -> None:
    before = getattr(claim, earlier)
    if before is not None and value < before:
        raise ApplicationError(
            _("%(field)s不能早于%(earlier)s。") % {"field": _label(field), "earlier": _label(earlier)},
            code=ErrorCode.OUT_OF_ORDER, extra={"fields": {field: [_("不能早于%(earlier)s") % {"earlier": _label(earlier)}]}},
        )


def _full_clean(claim: Claim) -> None:
    try:
        claim.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError(_("理赔案件信息有误，请检查。"), code=CoreErrorCode.INVALID, extra={"fields": exc.message_dict}) from None


def derive_status(claim: Claim) -> str:
    if claim.withdrawn_at is not None:
        return Claim.Status.WITHDRAWN
    for field, status in (
        ("closed_at", Claim.Status.CLOSED), ("paid_at", Claim.Status.PAID), ("agreed_at", Claim.Status.AGREED),
        ("decided_at", Claim.Status.DECIDED), ("documents_complete_at", Claim.Status.DOCUMENTS_COMPLETE),
        ("documents_requested_at", Claim.Status.DOCUMENTS_REQUESTED),
        ("survey_dispatched_at", Claim.Status.DISPATCHED),
    ):
        if getattr(claim, field) is not None:
            return status
    return Claim.Status.REPORTED


def is_night(instant: dt.datetime) -> bool:
    start, end = conf.night_hours()
    hour = instant.astimezone(SHANGHAI).hour
    return hour >= start or hour < end


# --- create ---------------------------------------------------------------------------------------------------


@transaction.atomic
def claim_create(
    *, actor, insurer, number: str, policy, occurred_at: dt.datetime, reported_at: dt.datetime, driver=None,
    location: str = "", at_station: bool = False, injured_passengers: int = 0, amount_claimed: Decimal | None = None,
    source: str = Claim.Source.PAGE, claim_requested_at: dt.datetime | None = None,
) -> Claim:
    """Record a reported claim; the report starts the survey dispatch clock (1 hour, rule M13). The documents-list
    clock (1 working day, rule J11) starts at the claim request (``claim_requested_at``), here when the claimant
    made it with the report, else when it is recorded later."""
    _check_actor(actor, insurer, "claims.add_claim")
    number = (number or "").strip()
    if not number:
        raise ApplicationError(_("请填写报案号。"), code=CoreErrorCode.INVALID, extra={"fields": {"number": [_("必填")]}})
    if Claim.objects.filter(insurer=insurer, number=number).exists():
        raise ConflictError(_("报案号 %(number)s 已存在。") % {"number": number}, code=ErrorCode.DUPLICATE_NUMBER)
    if policy.insurer_id != insurer.pk:
        raise ApplicationError(_("该保单不是本公司承保的保单。"), code=ErrorCode.POLICY_NOT_INSURER,
                               extra={"fields": {"policy": [_("不是本公司的保单")]}})
    now = timezone.now()
    _check_instant("occurred_at", occurred_at, now=now)
    _check_instant("reported_at", reported_at, now=now)
    _check_amounts({"amount_claimed": amount_claimed})
    if reported_at < occurred_at:
        raise ApplicationError(_("报案时间不能早于出险时间。"), code=ErrorCode.OUT_OF_ORDER,
                               extra={"fields": {"reported_at": [_("不能早于出险时间")]}})
    if claim_requested_at is not None:
        _check_instant("claim_requested_at", claim_requested_at, now=now)
        if claim_requested_at < reported_at:
            raise ApplicationError(_("收到索赔请求时间不能早于报案时间。"), code=ErrorCode.OUT_OF_ORDER,
                                   extra={"fields": {"claim_requested_at": [_("不能早于报案时间")]}})
    claim = Claim(
        insurer=insurer, number=number, policy=policy, vehicle_id=policy.vehicle_id, driver=driver,
        occurred_at=occurred_at, reported_at=reported_at, location=(location or "").strip(),
        at_station=bool(at_station), at_night=is_night(occurred_at), injured_passengers=injured_passengers or 0,
        amount_claimed=amount_claimed, source=source, created_by=acting_user(actor),
        claim_requested_at=claim_requested_at,
    )
    claim.status = derive_status(claim)
    _full_clean(claim)
    claim.save()
    audit_record(actor=actor, action="claim.create", obj=claim, organization=insurer,
                 detail={"number": number, "source": source, "reported_at": reported_at.isoformat()})
    clocks.clock_start(rule=clocks.DISPATCH, subject=claim, responsible=insurer, starts_at=reported_at, actor=actor)
    if claim_requested_at is not None:
        clocks.clock_start(rule=clocks.DOCUMENTS_LIST, subject=claim, responsible=insurer,
                           starts_at=claim_requested_at, actor=actor)
    claim_operating_check(claim=claim, actor=actor)
    return claim


# --- advance --------------------------------------------------------------------------------------------------


def _meet(rule: str, subject, at: dt.datetime, actor) -> None:
    deadline = deadline_for(rule=rule, subject=subject)
    if deadline is not None:
        deadline_meet(deadline=deadline, at=at, actor=actor)


def _set_once(claim: Claim, field: str, value, changed: list[str]) -> bool:
    """Record ``value`` unless it is already recorded; a different recorded value is a conflict."""
    current = getattr(claim, field)
    if value is None or value == current:
        return False
    if current not in (None, ""):
        raise ConflictError(
            _("%(field)s已记录为 %(current)s，不能更改。") % {"field": _label(field), "current": _display(current)},
            code=ErrorCode.ALREADY_RECORDED, extra={"fields": {field: [_("已记录，不能更改")]}},
        )
    setattr(claim, field, value)
    changed.append(field)
    return True


def _display(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return str(value)


@transaction.atomic
def claim_advance(*, claim: Claim, actor, facts: dict[str, Any]) -> list[str]:
    """Apply new facts to a claim (any subset of ``TIMESTAMPS`` plus ``decision``, ``refusal_reason``,
    ``amount_claimed``, ``amount_agreed``, ``special_circumstances_reason`` / ``_at``, ``progress_notices``
    [{sent_at, note}], ``driver`` and the descriptive fields). Returns the names of the fields that changed;
    an empty list means the claim already said all of this."""
    _check_actor(actor, claim.insurer)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    now = timezone.now()
    changed: list[str] = []
    facts = {k: v for k, v in facts.items() if v is not None}
    bound_text(Claim, limit=NOTE_MAX, **{k: facts[k] for k in ("refusal_reason", "special_circumstances_reason")
                                         if isinstance(facts.get(k), str)})
    for notice in facts.get("progress_notices") or []:
        if isinstance(notice, dict):
            bound_text(ClaimProgressNotice, limit=NOTE_MAX, note=notice.get("note"))
    _check_amounts(facts)
    for field in (*TIMESTAMPS, "special_circumstances_at"):
        if field in facts:
            _check_instant(field, facts[field], now=now)
            _not_before(claim, field, facts[field], "reported_at")
    for notice in facts.get("progress_notices") or []:
        _check_instant("progress_notices", notice["sent_at"], now=now, label=_("进度通知时间"))
        if notice["sent_at"] < claim.reported_at:
            raise ApplicationError(_("进度通知时间不能早于报案时间。"), code=ErrorCode.OUT_OF_ORDER,
                                   extra={"fields": {"progress_notices": [_("不能早于报案时间")]}})

    for field in DESCRIPTIVE:
        if field in facts and facts[field] != getattr(claim, field):
            setattr(claim, field, facts[field])
            changed.append(field)
    if "driver" in facts and facts["driver"].pk != claim.driver_id:
        # recorded and audited, but never reported back: the answer must not tell the insurer whether the ID
        # number it sent is a registered driver's (see ``driver_find``)
        claim.driver = facts["driver"]
        changed.append("driver")

    if claim.closed_at is not None and any(
        facts.get(f) is not None and facts.get(f) != getattr(claim, f) for f in TIMESTAMPS
    ):
        if claim.withdrawn_at is not None:
            raise ConflictError(_("案件已撤案，不能再更新办理进度。"), code=ErrorCode.WITHDRAWN)
        raise ConflictError(_("案件已结案，不能再更新办理进度。"), code=ErrorCode.CLOSED)

    # Survey dispatch and special circumstances (rule M13).
    if facts.get("special_circumstances_reason"):
        _record_special_circumstances(
            claim, facts["special_circumstances_reason"], facts.get("special_circumstances_at"), actor, changed, now,
        )
    if _set_once(claim, "survey_dispatched_at", facts.get("survey_dispatched_at"), changed):
        _meet(clocks.DISPATCH, claim, claim.survey_dispatched_at, actor)

    # The claim request (rule J11): it starts the documents-list clock (1 working day), not the accident report.
    if facts.get("claim_requested_at") is not None and facts["claim_requested_at"] != claim.claim_requested_at:
        for later in ("documents_requested_at", "documents_complete_at", "decided_at"):
            value = facts.get(later) or getattr(claim, later)
            if value is not None and facts["claim_requested_at"] > value:
                raise ApplicationError(
                    _("收到索赔请求时间不能晚于%(later)s。") % {"later": _label(later)}, code=ErrorCode.OUT_OF_ORDER,
                    extra={"fields": {"claim_requested_at": [_("不能晚于%(later)s") % {"later": _label(later)}]}})
        _set_once(claim, "claim_requested_at", facts["claim_requested_at"], changed)
        clocks.clock_start(rule=clocks.DOCUMENTS_LIST, subject=claim, responsible=claim.insurer,
                           starts_at=claim.claim_requested_at, actor=actor)

    # Documents (rule J11: list within 1 working day of the claim request).
    if facts.get("documents_requested_at") is not None and facts["documents_requested_at"] != claim.documents_requested_at:
        if claim.claim_requested_at is None:
            raise ApplicationError(
                _("请先记录收到索赔请求的时间：告知所需材料是对索赔请求的答复，其时限自收到索赔请求起算（规则 J11）。"),
                code=ErrorCode.CLAIM_REQUEST_MISSING, extra={"fields": {"claim_requested_at": [_("必填")]}})
        _not_before(claim, "documents_requested_at", facts["documents_requested_at"], "claim_requested_at")
    if _set_once(claim, "documents_requested_at", facts.get("documents_requested_at"), changed):
        _meet(clocks.DOCUMENTS_LIST, claim, claim.documents_requested_at, actor)
    if "amount_claimed" in facts and facts["amount_claimed"] != claim.amount_claimed:
        if claim.decided_at is not None or claim.documents_complete_at is not None:
            raise ConflictError(_("材料齐全后不能再更改索赔金额。"), code=ErrorCode.ALREADY_RECORDED,
                                extra={"fields": {"amount_claimed": [_("已记录，不能更改")]}})
        claim.amount_claimed = facts["amount_claimed"]
        changed.append("amount_claimed")
    if facts.get("documents_complete_at") is not None and facts["documents_complete_at"] != claim.documents_complete_at:
        if claim.amount_claimed is None:
            raise ApplicationError(_("记录材料齐全时须填写索赔金额。"), code=ErrorCode.AMOUNT_REQUIRED,
                                   extra={"fields": {"amount_claimed": [_("必填")]}})
        _set_once(claim, "documents_complete_at", facts["documents_complete_at"], changed)
        _on_documents_complete(claim, actor)

    # Decision (rule J11: within 5 days of complete documents; a refusal notice within 3 days).
    decision = facts.get("decision")
    if decision or facts.get("decided_at"):
        if not decision or not facts.get("decided_at"):
            raise ApplicationError(_("核定结论和核定时间须同时填写。"), code=ErrorCode.DECISION_INCOMPLETE,
                                   extra={"fields": {"decision": [_("须与核定时间同时填写")]}})
        if decision not in Claim.Decision.values:
            raise ApplicationError(_("核定结论应为“属于保险责任”或“拒赔”。"), code=CoreErrorCode.INVALID,
                                   extra={"fields": {"decision": [_("取值无效")]}})
        if decision == Claim.Decision.REFUSED and not (facts.get("refusal_reason") or claim.refusal_reason).strip():
            raise ApplicationError(_("拒赔须填写理由。"), code=CoreErrorCode.REASON_REQUIRED,
                                   extra={"fields": {"refusal_reason": [_("必填")]}})
        _not_before(claim, "decided_at", facts["decided_at"], "documents_complete_at")
        _set_once(claim, "decision", decision, changed)
        if _set_once(claim, "decided_at", facts["decided_at"], changed):
            if decision == Claim.Decision.REFUSED:
                claim.refusal_reason = facts.get("refusal_reason", claim.refusal_reason).strip()
            _meet(clocks.DECISION, claim, claim.decided_at, actor)
            if decision == Claim.Decision.REFUSED:
                clocks.clock_start(rule=clocks.REFUSAL_NOTICE, subject=claim, responsible=claim.insurer,
                                   starts_at=claim.decided_at, actor=actor)
    if facts.get("refusal_notice_sent_at") is not None and facts["refusal_notice_sent_at"] != claim.refusal_notice_sent_at:
        if claim.decision != Claim.Decision.REFUSED:
            raise ApplicationError(_("只有拒赔的案件需要发出拒赔通知书。"), code=ErrorCode.NOT_REFUSED)
        _not_before(claim, "refusal_notice_sent_at", facts["refusal_notice_sent_at"], "decided_at")
        _set_once(claim, "refusal_notice_sent_at", facts["refusal_notice_sent_at"], changed)
        _meet(clocks.REFUSAL_NOTICE, claim, claim.refusal_notice_sent_at, actor)

    # Agreement and payment (rule J11: pay within 10 days of agreeing the amount).
    if facts.get("agreed_at") is not None or facts.get("amount_agreed") is not None:
        if facts.get("agreed_at") is None or facts.get("amount_agreed") is None:
            raise ApplicationError(_("协议赔偿金额和达成协议时间须同时填写。"), code=ErrorCode.AGREEMENT_INCOMPLETE,
                                   extra={"fields": {"amount_agreed": [_("须与达成协议时间同时填写")]}})
        if facts["agreed_at"] != claim.agreed_at or facts["amount_agreed"] != claim.amount_agreed:
            if claim.decision != Claim.Decision.COVERED:
                raise ApplicationError(_("核定属于保险责任后才能达成赔偿协议。"), code=ErrorCode.NOT_COVERED)
            _not_before(claim, "agreed_at", facts["agreed_at"], "decided_at")
            _set_once(claim, "amount_agreed", facts["amount_agreed"], changed)
            _set_once(claim, "agreed_at", facts["agreed_at"], changed)
            clocks.clock_start(rule=clocks.PAYMENT, subject=claim, responsible=claim.insurer,
                               starts_at=claim.agreed_at, actor=actor)
    if facts.get("paid_at") is not None and facts["paid_at"] != claim.paid_at:
        if claim.agreed_at is None:
            raise ApplicationError(_("达成赔偿协议后才能记录支付。"), code=ErrorCode.NOT_AGREED)
        _not_before(claim, "paid_at", facts["paid_at"], "agreed_at")
        _set_once(claim, "paid_at", facts["paid_at"], changed)
        _meet(clocks.PAYMENT, claim, claim.paid_at, actor)

    # Progress notices of large claims (rule M13), oldest first; one already recorded is skipped.
    recorded = set(claim.progress_notices.exclude(sent_at=None).values_list("sent_at", flat=True))
    for notice in sorted(facts.get("progress_notices") or [], key=lambda n: n["sent_at"]):
        if notice["sent_at"] in recorded:
            continue
        if claim.closed_at is not None:
            raise ConflictError(_("案件已撤案，不能再记录进度通知。") if claim.withdrawn_at else
                                _("案件已结案，不能再记录进度通知。"), code=ErrorCode.CLOSED)
        _record_progress_notice(claim, notice["sent_at"], notice.get("note", ""), actor)
        recorded.add(notice["sent_at"])
        changed.append("progress_notices")

    if facts.get("closed_at") is not None and facts["closed_at"] != claim.closed_at:
        _close(claim, facts["closed_at"], actor, changed)

    if not changed:
        return []
    claim.status = derive_status(claim)
    _full_clean(claim)
    claim.save()
    audit_record(actor=actor, action="claim.update", obj=claim, organization=claim.insurer,
                 detail={"changed": sorted(set(changed)),
                         **{f: _display(getattr(claim, f)) for f in TIMESTAMPS if f in changed}})
    return sorted(set(changed) - {"driver"})


def _on_documents_complete(claim: Claim, actor) -> None:
    at = claim.documents_complete_at
    _not_before(claim, "documents_complete_at", at, "reported_at")
    claim.size = Claim.Size.SMALL if claim.amount_claimed <= conf.small_max() else Claim.Size.LARGE
    clocks.clock_start(rule=clocks.DECISION, subject=claim, responsible=claim.insurer, starts_at=at, actor=actor)
    if claim.size == Claim.Size.SMALL:
        clocks.clock_start(rule=clocks.SMALL_CLOSE, subject=claim, responsible=claim.insurer, starts_at=at, actor=actor)
    else:
        _open_progress_period(claim, at, actor)


def _open_progress_period(claim: Claim, start: dt.datetime, actor) -> ClaimProgressNotice:
    seq = (claim.progress_notices.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    period = ClaimProgressNotice.objects.create(claim=claim, seq=seq, period_start=start)
    clocks.clock_start(rule=clocks.PROGRESS, subject=period, responsible=claim.insurer, starts_at=start, actor=actor)
    return period


def _record_progress_notice(claim: Claim, sent_at: dt.datetime, note: str, actor) -> ClaimProgressNotice:
    """A notice meets the open period's clock and, the claim being still open, starts the next period."""
    period = claim.progress_notices.select_for_update().filter(sent_at__isnull=True).first()
    recorder = acting_user(actor)
    if period is None or sent_at < period.period_start:
        # A small claim's notice, or one from before the current period: kept, no clock attached.
        seq = (claim.progress_notices.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        return ClaimProgressNotice.objects.create(
            claim=claim, seq=seq, period_start=sent_at, sent_at=sent_at, note=note or "", recorded_by=recorder,
        )
    period.sent_at, period.note, period.recorded_by = sent_at, note or "", recorder
    period.save(update_fields=["sent_at", "note", "recorded_by"])
    _meet(clocks.PROGRESS, period, sent_at, actor)
    _open_progress_period(claim, sent_at, actor)
    return period


def _record_special_circumstances(claim, reason: str, at, actor, changed: list[str], now) -> None:
    """Rule M13: special circumstances stop the dispatch clock, with their reason (visible to the regulator).
    Recorded after the clock was already overdue, they stop nothing: the breach stays."""
    reason = reason.strip()
    if claim.closed_at is not None and reason != claim.special_circumstances_reason:
        raise ConflictError(_("案件已撤案，不能再记录特殊情况。") if claim.withdrawn_at else
                            _("案件已结案，不能再记录特殊情况。"), code=ErrorCode.CLOSED)
    if claim.special_circumstances_reason:
        if reason != claim.special_circumstances_reason or (at is not None and at != claim.special_circumstances_at):
            raise ConflictError(_("特殊情况已记录，不能更改。"), code=ErrorCode.ALREADY_RECORDED,
                                extra={"fields": {"special_circumstances_reason": [_("已记录，不能更改")]}})
        return
    at = at or now
    if at < claim.reported_at:
        raise ApplicationError(_("特殊情况记录时间不能早于报案时间。"), code=ErrorCode.OUT_OF_ORDER)
    claim.special_circumstances_reason, claim.special_circumstances_at = reason, at
    changed.extend(["special_circumstances_reason", "special_circumstances_at"])
    deadline = deadline_for(rule=clocks.DISPATCH, subject=claim)
    paused = False
    if (
        deadline is not None and deadline.status == Deadline.Status.OPEN and at <= deadline.due_at
        and (claim.survey_dispatched_at is None or claim.survey_dispatched_at > at)
    ):
        deadline_pause(deadline=deadline, reason=reason, actor=actor, at=at)
        paused = True
    audit_record(actor=actor, action="claim.special_circumstances", obj=claim, organization=claim.insurer,
                 detail={"reason": reason, "at": at.isoformat(), "clock_stopped": paused})


_WITHDRAW_INSTEAD = _("案件尚未核定或赔款尚未支付，不能结案；索赔人撤回索赔的，请办理撤案（填写撤案原因并确认）。")


def may_close(claim: Claim) -> bool:
    """A claim is closed (结案) once it is finished: covered and paid, or refused and the refusal notice sent."""
    if claim.closed_at is not None:
        return False
    return ((claim.decision == Claim.Decision.COVERED and claim.paid_at is not None)
            or (claim.decision == Claim.Decision.REFUSED and claim.refusal_notice_sent_at is not None))


def may_withdraw(claim: Claim) -> bool:
    """Before it is decided, or covered but not yet paid, an open claim can only end by withdrawal (撤案). A refused
    claim is decided: it is closed once the refusal notice is sent."""
    if claim.closed_at is not None or claim.paid_at is not None:
        return False
    return claim.decision != Claim.Decision.REFUSED


def claim_actions(claim: Claim) -> list[str]:
    """The next steps ``claim`` can take in its state, in lifecycle order: what pages offer, what the services
    accept (each other step is refused with a message saying why)."""
    if claim.closed_at:
        return []
    actions = []
    if claim.claim_requested_at is None and claim.documents_requested_at is None:
        actions.append("claim_request")
    if claim.survey_dispatched_at is None:
        actions.append("dispatch")
        if not claim.special_circumstances_reason:
            actions.append("special")
    if claim.documents_requested_at is None and claim.claim_requested_at is not None:
        actions.append("documents_requested")
    if claim.documents_complete_at is None and not claim.decision:
        actions.append("documents_complete")
    if not claim.decision:
        actions.append("decision")
    if claim.decision == Claim.Decision.REFUSED and claim.refusal_notice_sent_at is None:
        actions.append("refusal_notice")
    if claim.decision == Claim.Decision.COVERED and claim.agreed_at is None:
        actions.append("agreement")
    if claim.agreed_at and claim.paid_at is None:
        actions.append("payment")
    if claim.size == Claim.Size.LARGE or claim.documents_complete_at:
        actions.append("progress")
    if may_close(claim):
        actions.append("close")
    if may_withdraw(claim):
        actions.append("withdraw")
    return actions


def _close(claim: Claim, at: dt.datetime, actor, changed: list[str]) -> None:
    for earlier in TIMESTAMPS[:-1]:
        _not_before(claim, "closed_at", at, earlier)
    if claim.decision == Claim.Decision.REFUSED and claim.refusal_notice_sent_at is None:
        raise ApplicationError(_("拒赔通知书尚未发出，不能结案。"), code=ErrorCode.REFUSAL_NOTICE_MISSING)
    if not may_close(claim):
        raise ApplicationError(_WITHDRAW_INSTEAD, code=ErrorCode.WITHDRAWAL_REQUIRED,
                               extra={"fields": {"closed_at": [_("未核定或未赔付的案件须办理撤案")]}})
    last_notice = claim.progress_notices.exclude(sent_at=None).order_by("-sent_at").values_list("sent_at", flat=True).first()
    if last_notice and at < last_notice:
        raise ApplicationError(_("结案时间不能早于最近一次进度通知时间。"), code=ErrorCode.OUT_OF_ORDER)
    _set_once(claim, "closed_at", at, changed)
    # Closing fulfils the small-claim clock and ends the large claim's notice duty (the closure is the last notice).
    _meet(clocks.SMALL_CLOSE, claim, at, actor)
    for period in claim.progress_notices.filter(sent_at__isnull=True):
        _meet(clocks.PROGRESS, period, at, actor)
    # A survey or documents list never recorded on a finished claim: the clock ends with the claim, said so.
    for rule in (clocks.DISPATCH, clocks.DOCUMENTS_LIST):
        deadline = deadline_for(rule=rule, subject=claim)
        if deadline is not None and deadline.status in (Deadline.Status.OPEN, Deadline.Status.PAUSED) \
                and deadline.due_at >= at:
            deadline_cancel(deadline=deadline, reason=Text(gettext_noop("案件已结案，该项未记录")), actor=actor)


# --- withdrawal (撤案) ----------------------------------------------------------------------------------------

WITHDRAWN_PREFIX = gettext_lazy("撤案")  # a label: translated where the reason is read


def withdrawal_refusal(claim: Claim) -> str | None:
    """Why ``claim`` cannot be withdrawn in its state (a Chinese message), or None."""
    if claim.withdrawn_at is not None:
        return _("案件已于 %(at)s 撤案。") % {"at": _display(claim.withdrawn_at)}
    if claim.closed_at is not None:
        return _("案件已结案，不能撤案。")
    if claim.paid_at is not None:
        return _("赔款已支付，不能撤案；请办理结案。")
    if claim.decision == Claim.Decision.REFUSED:
        return _("案件已作出拒赔核定，不能撤案；拒赔通知书发出后请办理结案。")
    return None


def withdrawal_preview(claim: Claim, at: dt.datetime | None = None) -> list[Deadline]:
    """The running clocks a withdrawal at ``at`` closes as withdrawn (shown on the confirmation page). A clock
    already overdue at the withdrawal is not among them: its breach stands (the scan records it)."""
    from .selectors import claim_clocks

    at = at or timezone.now()
    out = []
    for deadline in claim_clocks(claim):
        if deadline.met_at is not None or deadline.breached_at is not None:
            continue
        if deadline.status == Deadline.Status.PAUSED or (
                deadline.status == Deadline.Status.OPEN and deadline.due_at >= at):
            out.append(deadline)
    return out


@transaction.atomic
def claim_withdraw(*, claim: Claim, actor, reason: str, confirm: bool, at: dt.datetime | None = None) -> Claim:
    """Withdraw (撤案) a claim that is not yet decided, or covered and not yet paid: the claimant withdrew the claim
    or it is otherwise abandoned. Requires the reason and an explicit confirmation (``confirm=True``). The claim is
    closed at ``at`` with status 已撤案; its running clocks are cancelled with "撤案：<reason>" — shown as withdrawn
    on the claim's timeline and in the SLA table (never a bare 已撤销); a clock already overdue keeps its breach."""
    _check_actor(actor, claim.insurer)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    refusal = withdrawal_refusal(claim)
    if refusal:
        raise ConflictError(refusal, code=ErrorCode.NOT_WITHDRAWABLE)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写撤案原因。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"withdrawal_reason": [_("必填")]}})
    bound_text(Claim, limit=NOTE_MAX, withdrawal_reason=reason)
    if confirm is not True:
        raise ApplicationError(_("撤案须经确认：请核对撤案原因和将终止的时限后确认撤案。"), code=ErrorCode.CONFIRMATION_REQUIRED,
                               extra={"fields": {"confirm": [_("须确认")]}})
    now = timezone.now()
    at = at or now
    _check_instant("withdrawn_at", at, now=now)
    for earlier in TIMESTAMPS[:-1]:
        _not_before(claim, "withdrawn_at", at, earlier)
    last_notice = claim.progress_notices.exclude(sent_at=None).order_by("-sent_at").values_list("sent_at", flat=True).first()
    if last_notice and at < last_notice:
        raise ApplicationError(_("撤案时间不能早于最近一次进度通知时间。"), code=ErrorCode.OUT_OF_ORDER,
                               extra={"fields": {"withdrawn_at": [_("不能早于最近一次进度通知时间")]}})
    closing = withdrawal_preview(claim, at)
    claim.withdrawn_at, claim.withdrawal_reason, claim.closed_at = at, reason, at
    claim.status = derive_status(claim)
    _full_clean(claim)
    claim.save()
    clock_reason = Text(gettext_noop("%(prefix)s：%(reason)s"), prefix=WITHDRAWN_PREFIX, reason=reason)
    for deadline in closing:
        deadline_cancel(deadline=deadline, reason=clock_reason, actor=actor)
    audit_record(actor=actor, action="claim.withdraw", obj=claim, organization=claim.insurer,
                 detail={"reason": reason, "withdrawn_at": at.isoformat(),
                         "clocks_closed": [d.rule for d in closing]})
    return claim


# --- special circumstances and progress notices from pages ---------------------------------------------------


def claim_special_circumstances_record(*, claim: Claim, actor, reason: str, at: dt.datetime | None = None) -> list[str]:
    if not (reason or "").strip():
        raise ApplicationError(_("请填写特殊情况的原因。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("必填")]}})
    return claim_advance(claim=claim, actor=actor, facts={
        "special_circumstances_reason": reason, "special_circumstances_at": at,
    })


def claim_progress_notice_record(*, claim: Claim, actor, sent_at: dt.datetime, note: str = "") -> list[str]:
    return claim_advance(claim=claim, actor=actor, facts={"progress_notices": [{"sent_at": sent_at, "note": note}]})


# --- batch push from insurers' core systems ------------------------------------------------------------------


def _resolve_row(*, insurer, row: dict) -> dict:
    resolved = dict(row)
    number = resolved.pop("policy_number", None)
    if number is not None:
        policy = Policy.objects.filter(insurer=insurer, number=str(number).strip()).first()
        if policy is None:
            raise ApplicationError(_("未找到本公司保单 %(number)s。") % {"number": number}, code=ErrorCode.POLICY_NOT_FOUND,
                                   extra={"fields": {"policy_number": [_("未找到")]}})
        resolved["policy"] = policy
    id_no = resolved.pop("driver_id_no", None)
    if id_no:
        driver = _driver_link(id_no)
        if driver is not None:
            resolved["driver"] = driver
    return resolved


def _driver_by_number(id_no: str):
    try:
        number, _warnings = normalize_resident_id(id_no)
    except ValidationError:
        raise ApplicationError(_("驾驶员身份证号码格式有误。"), code=CoreErrorCode.INVALID,
                               extra={"fields": {"driver_id_no": [_("格式有误")]}}) from None
    return Driver.objects.filter(id_no_bidx=blind_index(number)).first()


def _driver_link(id_no: str):
    """The register's driver with this ID number, for the claim's driver link only. The answer never leaves the
    claim service: an insurer must not learn whether a person is a registered driver of a taxi company (the
    ledgers are the companies'). A number that is no registered driver's records the claim without a driver link
    and gets the same answer as one that is; the link is shown to supervisors only (M14)."""
    return _driver_by_number(id_no)


def driver_find(*, actor, id_no: str):
    """The driver with this ID number if ``actor`` may see that driver (``apps.vehicles.access``), else None — the
    same answer as for a number that is no registered driver's, so it tells nobody more than their ledgers do."""

    rights.require(actor, "vehicles.view_driver", _("您没有查看驾驶员信息的权限。"))
    driver = _driver_by_number(id_no)
    if driver is None or not access.visible(actor, Driver).filter(pk=driver.pk).exists():
        return None
    return driver


def claim_create_from_page(*, actor, data: dict) -> Claim:
    """The insurer's page form: the policy by its number, the driver (optional) by ID number."""
    require_claim_recorder(actor)
    insurer = actor.organization
    _check_actor(actor, insurer, "claims.add_claim")
    row = _resolve_row(insurer=insurer, row={"policy_number": data["policy_number"],
                                             "driver_id_no": (data.get("driver_id_no") or "").strip() or None})
    return claim_create(
        actor=actor, insurer=insurer, number=data["number"], policy=row["policy"], driver=row.get("driver"),
        occurred_at=data["occurred_at"], reported_at=data["reported_at"], location=data.get("location") or "",
        at_station=bool(data.get("at_station")), injured_passengers=data.get("injured_passengers") or 0,
        amount_claimed=data.get("amount_claimed"), claim_requested_at=data.get("claim_requested_at"),
    )


CREATE_FIELDS = ("occurred_at", "reported_at", "driver", "location", "at_station", "injured_passengers",
                 "amount_claimed")


@transaction.atomic
def claim_push_one(*, actor, insurer, row: dict) -> tuple[Claim, str, list[str]]:
    """Create or advance one claim by (insurer, number). Returns (claim, created|updated|unchanged, changed)."""
    _check_actor(actor, insurer, "claims.add_claim")
    row = _resolve_row(insurer=insurer, row=row)
    number = (row.pop("number", "") or "").strip()
    claim = Claim.objects.filter(insurer=insurer, number=number).first()
    if claim is None:
        if row.get("policy") is None or row.get("occurred_at") is None or row.get("reported_at") is None:
            raise ApplicationError(_("新案件须填写保单号、出险时间和报案时间。"), code=CoreErrorCode.INVALID,
                                   extra={"fields": {"policy_number": [_("必填")]}})
        claim = claim_create(
            actor=actor, insurer=insurer, number=number, policy=row.pop("policy"), source=Claim.Source.API,
            **{f: row.pop(f) for f in CREATE_FIELDS if row.get(f) is not None},
        )
        changed = claim_advance(claim=claim, actor=actor, facts=row)
        claim.refresh_from_db()
        return claim, "created", changed
    for field, current in (("policy", claim.policy), ("occurred_at", claim.occurred_at),
                           ("reported_at", claim.reported_at)):
        if row.get(field) is not None and row[field] != current:
            raise ConflictError(_("%(field)s已记录，不能更改。") % {"field": _label(field)}, code=ErrorCode.ALREADY_RECORDED,
                                extra={"fields": {field: [_("已记录，不能更改")]}})
        row.pop(field, None)
    changed = claim_advance(claim=claim, actor=actor, facts=row)
    claim.refresh_from_db()
    return claim, ("updated" if changed else "unchanged"), changed


def claims_push(*, actor, insurer, rows: list[dict]) -> list[dict]:
    """A batch from an insurer's core system: each row in its own transaction, so one bad row changes nothing
    and does not hold back the others. Re-pushing the same batch changes nothing."""
    rights.require(actor, "claims.add_claim", _("只有保险公司可以推送理赔案件。"))
    if insurer is None:
        raise PermissionDeniedError(_("只有保险公司可以推送理赔案件。"), code=ErrorCode.NOT_CLAIM_INSURER)
    _check_actor(actor, insurer, "claims.add_claim")
    results = []
    for row in rows:
        number = str(row.get("number", ""))
        try:
            claim, result, changed = claim_push_one(actor=actor, insurer=insurer, row=dict(row))
        except ApplicationError as exc:
            results.append({"number": number, "result": "error",
                            "error": {"code": exc.code, "message": exc.message, "fields": exc.extra.get("fields", {})}})
            continue
        results.append({"number": number, "result": result, "id": claim.pk, "changed": changed,
                        "operating_flag": claim.operating_flag})
    return results


# --- rule M15: operating while insured as non-operating ------------------------------------------------------


def claim_operating_recheck(*, claim: Claim, actor) -> Claim:
    """The insurer asks again (e.g. after a penalty or a lead was recorded later)."""
    return claim_operating_check(claim=claim, actor=actor)


@transaction.atomic
def claim_operating_check(*, claim: Claim, actor) -> Claim:
    """Flag a claim on a vehicle insured as non-operating that was operating at the time (rule M15: no cover for
    accidents while operating). The flag carries its evidence; the decision stays the insurer's."""
    from .operating import operating_evidence

    _check_actor(actor, claim.insurer)
    insured_usage, evidence = operating_evidence(claim)
    flag = insured_usage == "non_operating" and bool(evidence)
    claim.insured_usage, claim.operating_evidence, claim.operating_flag = insured_usage or "", evidence, flag
    claim.operating_checked_at = timezone.now()
    claim.save(update_fields=["insured_usage", "operating_evidence", "operating_flag", "operating_checked_at"])
    if flag:
        audit_record(actor=actor, action="claim.operating_flag", obj=claim, organization=claim.insurer,
                     detail={"evidence": [e.get("kind") for e in evidence]})
    return claim
