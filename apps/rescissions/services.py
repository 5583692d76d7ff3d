"""Every write of a rescission case (rules M12, J5). One transaction each, an audit event and an append-only case
event for every step. Every service takes its ``actor`` (a user, or a ``SystemActor`` when the platform acts: the
exchange opening a case at the insurer's receipt, the deadline scan's lapse, the reminder job); the right comes from
the rights table (``rights.py``), then the object rule: a case is handled by its own insurer's staff.

Time rules for recorded steps (documented decision):
* every step has ``at`` (when it happened, may be given) and ``recorded_at`` (always now, set by the database);
* ``at`` is never in the future and never earlier than the step it follows (known → sent → received → disclosed);
* a decision may be dated back at most ``RESCISSION_MAX_BACKDATE_HOURS`` (default 72 h) and never before the
  latest recorded step; once ``deadline_at`` has passed no decision can be recorded at all, whatever date it
  carries — the right has lapsed (J5), so a late entry cannot be made to look timely by backdating;
* a recorded step is never edited: ``rescission_correct`` adds a ``correction`` event with a reason and moves
  the case's field; decisions and lapses are final.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import crypto, deadlines
from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.models import Deadline
from apps.core.notifications import Text, choice, notify_organization, stored
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import PAST, check_date, check_instant
from apps.credit.services import urging_item_open
from apps.exchange import pdfsign
from apps.parties import rights
from apps.parties.models import OrganizationKind
from apps.parties.rights import SystemActor
from apps.policies.models import Policy, PremiumMode
from apps.policies.services import ENDORSEMENT_RULE, endorsement_clock_start, policy_endorse, policy_rescind
from apps.rescissions.errors import ErrorCode
from apps.vehicles.usage import OPERATING_NATURES, nature_label

from . import clock, conf, notices
from .access import may_act
from .models import (
    OPEN_STATUSES,
    CasePolicy,
    Decision,
    EventKind,
    Fault,
    Path,
    RescissionCase,
    RescissionEvent,
    RescissionNotice,
    Status,
    Trigger,
)
from .notices import DEFAULT_MATTER, RISK_INCREASE_MATTER, NoticeKind, render_pdf, sha256

RULE_DECIDE, RULE_DISCLOSURE = clock.RULE_DECIDE, clock.RULE_DISCLOSURE
CLOCK_SKEW = dt.timedelta(minutes=2)  # an API client's "now" may run slightly ahead of ours
_PHONE = re.compile(r"^[0-9+()\- ]{5,30}$")


# --- helpers -------------------------------------------------------------------------------------------------


def _fmt(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _locked(case: RescissionCase) -> RescissionCase:
    return RescissionCase.objects.select_for_update().select_related("policy", "insurer", "vehicle").get(pk=case.pk)


def _require_case_handler(actor, case: RescissionCase) -> None:
    """The right to handle cases (the table), and this case's own insurer's staff (rule M12: the insurer
    exercises its right, nobody else records its steps)."""
    message = _("只有该案件所属保险公司的人员可以办理此案件。")
    rights.require(actor, "rescissions.change_rescissioncase", message)
    # a step is the insurer's legal act, recorded by a person of it: no system job acting for it records one
    if acting_user(actor) is None or not may_act(actor, case):
        raise PermissionDeniedError(message)


def may_open_on_own_finding(actor) -> bool:
    """Whether ``actor`` may open cases on its own finding: the right, and an insurer it acts for (the case is
    opened on that insurer's own policy; see ``rescission_open``). For pages deciding what to offer."""
    organization = getattr(actor, "organization", None)
    return rights.may(actor, "rescissions.add_rescissioncase") and getattr(organization, "kind", None) == OrganizationKind.INSURER


def _require_status(case: RescissionCase, *allowed: str, action: str) -> None:
    if case.status not in allowed:
        raise ConflictError(
            _("案件当前状态为“%(status)s”，不能%(action)s。") % {"status": case.get_status_display(), "action": action},
            code=ErrorCode.WRONG_STATUS,
        )


def _require_path(case: RescissionCase, path: str, *, action: str) -> None:
    if not case.path:
        raise ConflictError(_("请先认定处理路径（投保时未如实告知，或承保后危险程度增加），才能%(action)s。") % {"action": action},
                            code=ErrorCode.PATH_REQUIRED)
    if case.path != path:
        raise ConflictError(
            _("本案件的处理路径为“%(path)s”，不能%(action)s（规则 J13）。") % {"path": case.get_path_display(), "action": action},
            code=ErrorCode.WRONG_PATH)


def _require_not_lapsed(case: RescissionCase, now: dt.datetime) -> None:
    if now > case.deadline_at:
        raise ConflictError(
            _("解除权已于 %(at)s 消灭（知道解除事由之日起超过 30 日，规则 J5），不能再办理。") % {"at": _fmt(case.deadline_at)},
            code=ErrorCode.LAPSED,
        )


def _moment(at: dt.datetime | None, *, now: dt.datetime, not_before: dt.datetime | None, before_label: str,
            field: str) -> dt.datetime:
    """Validate the time a step happened: given or now; aware; not in the future; not before the previous step."""
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ApplicationError(_("时间必须包含时区。"), code=ErrorCode.NAIVE_TIME, extra={"fields": {field: [_("时间必须包含时区。")]}})
    if at > now + CLOCK_SKEW:
        raise ApplicationError(_("时间不能晚于当前时间。"), code=CoreErrorCode.FUTURE_TIME,
                               extra={"fields": {field: [_("时间不能晚于当前时间。")]}})
    _in_range(check_instant, at, field=field, label=_("时间"), ahead=PAST)
    at = min(at, now)
    if not_before is not None and at < not_before:
        message = _("时间不能早于%(label)s（%(at)s）。") % {"label": before_label, "at": _fmt(not_before)}
        raise ApplicationError(message, code=ErrorCode.BEFORE_PREVIOUS_STEP, extra={"fields": {field: [message]}})
    return at


def _in_range(check, value, *, field: str, label, ahead=None) -> None:
    """A date or instant within the plausible range (apps.core.validators), as this service's field error."""
    try:
        check(value, field=field, label=label, ahead=ahead)
    except ValidationError as exc:
        raise ApplicationError(exc.message_dict[field][0], code=CoreErrorCode.DATE_RANGE, extra={"fields": exc.message_dict}) from None


def _event(case: RescissionCase, kind: str, *, at: dt.datetime, actor, note: str | Text = "", corrects=None,
           data: dict | None = None) -> RescissionEvent:
    """One step of the case; ``note`` a :class:`Text` when the platform writes it (shown in each reader's language,
    issue 16), a plain string when a user typed it."""
    if actor is None:
        raise TypeError("a case event names its actor: a user or a SystemActor")
    user = acting_user(actor)
    # the platform's own steps (opening at a receipt, lapse, reminders) name no person and no organisation
    organization = actor.organization if (user is not None and getattr(actor, "organization_id", None)) else None
    note, note_msg = stored(note)
    event = RescissionEvent(
        case=case, kind=kind, at=at, actor=user,
        organization=organization, note=note, note_msg=note_msg, corrects=corrects, data=data or {},
    )
    event.full_clean(exclude=["case", "actor", "organization", "corrects"])
    event.save()
    return event


def _audit(case: RescissionCase, action: str, actor, **detail) -> None:
    audit_record(actor=actor, action=f"rescission.{action}", obj=case, organization=case.insurer,
                 detail={"case": case.number, "status": case.status, **detail})


def _save(case: RescissionCase, *fields: str) -> None:
    case.full_clean(exclude=["policy", "insurer", "vehicle", "opened_by"], validate_unique=False)
    case.save(update_fields=[*fields, "updated_at"])


def case_url(case: RescissionCase) -> str:
    return reverse("rescissions:case", args=[case.pk])


def decide_deadline(case: RescissionCase) -> Deadline | None:
    return deadlines.deadline_for(rule=RULE_DECIDE, subject=case)


def receipt_event(case: RescissionCase) -> RescissionEvent | None:
    """The step that set the current receipt time: the latest receipt event or correction of one."""
    return (
        case.events.filter(Q(kind=EventKind.NOTICE_RECEIVED)
                           | Q(kind=EventKind.CORRECTION, data__field="notice_received_at"))
        .order_by("-recorded_at", "-id").first()
    )


def disclosure_clock(case: RescissionCase) -> Deadline | None:
    event = receipt_event(case)
    return deadlines.deadline_for(rule=RULE_DISCLOSURE, subject=event) if event else None


def _close_clocks(case: RescissionCase, *, decided_at: dt.datetime | None, actor, reason: str | Text) -> None:
    deadline = decide_deadline(case)
    if deadline is not None and decided_at is not None:
        deadlines.deadline_meet(deadline=deadline, at=decided_at, actor=actor)
    disclosure = disclosure_clock(case)
    if disclosure is not None and disclosure.status in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
        deadlines.deadline_cancel(deadline=disclosure, reason=reason, actor=actor)
    _endorsement_clocks_cancel(case, actor=actor, reason=reason)


def _endorsement_clocks_start(case: RescissionCase, links, *, actor, at: dt.datetime) -> None:
    """Rules J8, J9, J13: on the risk-increase path a 交强险 policy of the case is endorsed (never rescinded): the
    insurer's endorsement clock (``policy.endorsement``, subject: the case's policy) runs from the path's record
    and is met by the endorsement of that policy, wherever it is made."""

    for link in links:
        if case.path == Path.RISK_INCREASE and link.compulsory and not link.outcome:
            endorsement_clock_start(subject=link, policy=link.policy, starts_at=at, actor=actor)


def _endorsement_clocks_cancel(case: RescissionCase, *, actor, reason: str | Text) -> None:
    """The case's policies not endorsed owe no endorsement in it any more (path changed, case closed)."""

    for link in case.case_policies.exclude(outcome=Decision.ENDORSED):
        clock = deadlines.deadline_for(rule=ENDORSEMENT_RULE, subject=link)
        if clock is not None and clock.status in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
            deadlines.deadline_cancel(deadline=clock, reason=reason, actor=actor)


# --- opening -------------------------------------------------------------------------------------------------


@transaction.atomic
def rescission_open(*, policy, trigger: str, trigger_ref: str, known_at: dt.datetime,
                    actor) -> tuple[RescissionCase, bool]:
    """Open the case of ``policy`` for information the insurer received at ``known_at`` (rule M12).

    ``known_at`` is the signed receipt time of the batch that carried the information (the moment the insurer
    knew), or for ``insurer_finding`` the moment the insurer itself found the cause. Idempotent: the same
    policy, trigger and reference return the existing case (``created`` False) and change nothing.

    A case belongs to one policyholder at one insurer: the same information about another policy of the same
    policyholder (e.g. the vehicle's 交强险 and its commercial policy) joins the open case that has not sent its
    notice yet — one 附件三 covers them all (``created`` True: the policy is now covered). Refused: a screening
    finding (rule M6: endorsed, never rescinded), a policy that is not active, a policy insured as operating
    (nothing was concealed), a ``known_at`` before the policy started (the insurer knew when it contracted:
    Insurance Law art. 16 para. 6), a policy that already has an open case.

    ``actor``: the insurer's staff for its own finding (``add_rescissioncase``); otherwise the exchange's
    delivery acting for the insurer that received the information (``open_on_receipt``, the ``SYSTEM`` row).
    Either way the case is the insurer's own.
    """

    if trigger not in Trigger.values:
        raise ApplicationError(_("触发来源无效。"), code=ErrorCode.INVALID_TRIGGER)
    if trigger == Trigger.SCREENING_FINDING:
        raise ApplicationError(
            _("合法营运车辆清单比对发现不开立合同解除案件：持证营运车辆按非营运承保的，由保险公司批改保单"
              "（变更使用性质、重新核定保险费，规则 M6、J8、J9）。"), code=ErrorCode.SCREENING_NOT_A_CASE)
    if trigger == Trigger.INSURER_FINDING:
        rights.require(actor, "rescissions.add_rescissioncase", _("只有保险公司可以自行发现并立案。"))
    else:
        rights.require(actor, "rescissions.open_on_receipt",
                       _("保险公司自行立案时，触发来源只能是“保险公司自行发现”。"))
    if actor.organization_id != policy.insurer_id:
        raise PermissionDeniedError(_("保险公司只能对本公司承保的保单立案。"))
    trigger_ref = (trigger_ref or "").strip()[:120]
    if known_at is None or timezone.is_naive(known_at):
        raise ApplicationError(_("知道解除事由的时间必须包含时区。"), code=ErrorCode.NAIVE_TIME)
    now = timezone.now()
    if known_at > now + CLOCK_SKEW:
        raise ApplicationError(_("知道解除事由的时间不能晚于当前时间。"), code=CoreErrorCode.FUTURE_TIME,
                               extra={"fields": {"known_at": [_("时间不能晚于当前时间。")]}})
    known_at = min(known_at, now)

    lookup = {"vehicle_id": policy.vehicle_id, "policy_id": policy.pk, "trigger": trigger, "trigger_ref": trigger_ref}
    existing = (RescissionCase.objects.filter(case_policies__policy_id=policy.pk, trigger=trigger,
                                              trigger_ref=trigger_ref).first()
                or RescissionCase.objects.filter(**lookup).first())
    if existing is not None:
        return existing, False

    policy = Policy.objects.select_for_update().select_related("insurer", "vehicle").get(pk=policy.pk)
    _check_policy_may_have_case(policy, known_at)
    key = _holder_key(policy)
    joint = (RescissionCase.objects.select_for_update()
             .filter(insurer_id=policy.insurer_id, policyholder_key=key, trigger=trigger, trigger_ref=trigger_ref,
                     status=Status.OPEN, known_at=known_at).order_by("id").first())
    if joint is not None and not _path_conflict(joint, [policy]):
        _cover(joint, policy, actor=actor, at=known_at)
        return joint, True
    case = RescissionCase(
        policy=policy, insurer=policy.insurer, vehicle=policy.vehicle, trigger=trigger, trigger_ref=trigger_ref,
        # the kernel's computation for the rule (NOT NULL before the clock exists); the clock's start sets it
        known_at=known_at, deadline_at=clock.decision_deadline(known_at, responsible=policy.insurer), matter=DEFAULT_MATTER,
        applied_on=local_date(policy.starts_at), status=Status.OPEN, policyholder_key=key,
        opened_by=acting_user(actor),
    )
    case.full_clean(exclude=["policy", "insurer", "vehicle", "opened_by"], validate_unique=False)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:  # a concurrent delivery of the same information won the race
        return RescissionCase.objects.get(**lookup), False
    CasePolicy.objects.create(case=case, policy=policy)

    # Rule M12 / J5: one clock from the registry (30 natural days from known_at, rolled over a rest day). The
    # clock service writes its due instant onto the case (clock.py, on_recompute): the case only reads it back.
    deadlines.deadline_start(rule=RULE_DECIDE, subject=case, responsible=case.insurer, starts_at=known_at, actor=actor)
    case.refresh_from_db(fields=["deadline_at"])
    _event(case, EventKind.OPENED, at=known_at, actor=actor,
           data={"trigger": trigger, "trigger_ref": trigger_ref, "deadline_at": case.deadline_at.isoformat()})
    _audit(case, "open", actor, trigger=trigger, trigger_ref=trigger_ref, known_at=known_at.isoformat(),
           deadline_at=case.deadline_at.isoformat(), policy=policy.number)
    if acting_user(actor) is None:  # opened at a receipt: tell the insurer (its own staff know already)
        notify_organization(
            organization=case.insurer,
            title=Text(gettext_noop("新的合同解除案件 %(no)s：%(plate)s"), no=case.number, plate=case.vehicle.label),
            body=Text(gettext_noop("收到非法营运信息（%(trigger)s），须在 %(deadline)s 前作出决定（规则 M12）。"),
                      trigger=choice(case, "trigger"), deadline=_fmt(case.deadline_at)),
            link=case_url(case), kind="rescission.opened", dedup_key=f"rescission:{case.pk}:opened",
        )
    return case, True


def _holder_key(policy) -> str:
    """The policyholder at the insurer (blind index of the name; the vehicle when the policy names nobody)."""
    return policy.policyholder_name_bidx or f"vehicle:{policy.vehicle_id}"


def _check_policy_may_have_case(policy, known_at: dt.datetime, *, case: RescissionCase | None = None) -> None:
    if policy.status != Policy.Status.ACTIVE:
        raise ConflictError(
            _("保单 %(number)s 当前状态为“%(status)s”，只有有效保单才开立合同解除案件。")
            % {"number": policy.number, "status": policy.get_status_display()},
            code=CoreErrorCode.POLICY_NOT_ACTIVE,
        )
    if policy.usage_nature_insured in OPERATING_NATURES:
        raise ConflictError(
            _("保单 %(number)s 已按营运性质（%(usage)s）承保，使用性质已如实承保，不开立合同解除案件（规则 J5、J13）。")
            % {"number": policy.number, "usage": nature_label(policy.usage_nature_insured)},
            code=ErrorCode.INSURED_AS_OPERATING, extra={"fields": {"policy": [_("该保单已按营运性质承保。")]}},
        )
    if known_at < policy.starts_at:
        message = _("知道解除事由的时间（%(known)s）早于保单 %(number)s 的保险起期（%(start)s）：保险人订立合同时已经知道的，"
                    "不得解除合同（保险法第十六条第六款），不开立合同解除案件。") % {
            "known": _fmt(known_at), "number": policy.number, "start": _fmt(policy.starts_at)}
        raise ApplicationError(message, code=ErrorCode.KNOWN_BEFORE_START, extra={"fields": {"known_at": [message]}})
    other = (RescissionCase.objects.filter(case_policies__policy_id=policy.pk, status__in=OPEN_STATUSES)
             .exclude(pk=getattr(case, "pk", None)).first())
    if other is not None:
        raise ConflictError(
            _("保单 %(number)s 已有办理中的合同解除案件 %(case)s，不重复立案；请在该案件中办理。")
            % {"number": policy.number, "case": other.number},
            code=ErrorCode.DUPLICATE_OPEN_CASE, extra={"case": other.pk},
        )


def _path_conflict(case: RescissionCase, policies, *, path: str | None = None, operating_since: dt.date | None = None,
                   meant_at_inception: bool | None = None) -> str:
    """Why ``path`` does not fit the timing of ``policies`` ("" when it does): rules J5, J9, J13.

    Non-disclosure at inception: the vehicle operated (or was meant to) when the policy was taken out; a risk
    increased after inception: it began operating after the policy started."""
    path = case.path if path is None else path
    since = case.operating_since if operating_since is None else operating_since
    meant = case.meant_at_inception if meant_at_inception is None else meant_at_inception
    if not path or since is None:
        return ""
    for policy in policies:
        start = local_date(policy.starts_at)
        if path == Path.NON_DISCLOSURE and since > start and not meant:
            return _("车辆自 %(since)s 起营运，晚于保单 %(number)s 的保险起期 %(start)s：这是承保后危险程度增加，"
                     "不是投保时未如实告知（规则 J9、J13）。如投保时已有营运意图，请勾选“投保时已有营运意图”并写明依据。") % {
                "since": since, "number": policy.number, "start": start}
        if path == Path.RISK_INCREASE and since <= start:
            return _("车辆自 %(since)s 起营运，不晚于保单 %(number)s 的保险起期 %(start)s：投保时已在营运，"
                     "属于投保时未如实告知，不是承保后危险程度增加（规则 J5、J13）。") % {
                "since": since, "number": policy.number, "start": start}
    return ""


def _cover(case: RescissionCase, policy, *, actor, at: dt.datetime) -> CasePolicy:
    link = CasePolicy.objects.create(case=case, policy=policy)
    _event(case, EventKind.POLICY_ADDED, at=at, actor=actor, data={"policy": policy.pk, "number": policy.number})
    _audit(case, "policy_add", actor, policy=policy.number)
    return link


def _links(case: RescissionCase, *, open_only: bool = True):
    qs = case.case_policies.select_related("policy").order_by("id")
    return [link for link in qs if not open_only or not link.outcome]


@transaction.atomic
def rescission_policy_add(*, case: RescissionCase, actor, policy) -> RescissionCase:
    """The insurer adds another affected policy of the same policyholder to the case before its notice is sent,
    so that one 附件三 covers all of them. The policy must satisfy what opening a case requires."""

    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, Status.OPEN, action=_("纳入保单"))
    _require_not_lapsed(case, timezone.now())
    policy = Policy.objects.select_for_update().select_related("insurer", "vehicle").get(pk=policy.pk)
    if policy.insurer_id != case.insurer_id:
        raise PermissionDeniedError(_("只能纳入本公司承保的保单。"))
    if case.case_policies.filter(policy_id=policy.pk).exists():
        raise ConflictError(_("保单 %(number)s 已在本案件中。") % {"number": policy.number}, code=ErrorCode.ALREADY_COVERED)
    if _holder_key(policy) != case.policyholder_key:
        raise ConflictError(_("保单 %(number)s 的投保人与本案件的投保人不同：一个案件只涵盖同一投保人在本公司的保单。")
                            % {"number": policy.number}, code=ErrorCode.OTHER_POLICYHOLDER)
    _check_policy_may_have_case(policy, case.known_at, case=case)
    conflict = _path_conflict(case, [policy])
    if conflict:
        raise ConflictError(conflict, code=ErrorCode.PATH_CONFLICT)
    now = timezone.now()
    link = _cover(case, policy, actor=actor, at=now)
    _endorsement_clocks_start(case, [link], actor=actor, at=now)
    return case


@transaction.atomic
def rescission_path_record(*, case: RescissionCase, actor, path: str, reason: str, operating_since: dt.date | None,
                           fault: str = "", basis: str = "", meant_at_inception: bool = False) -> RescissionCase:
    """The insurer records WHEN the vehicle began operating and so which path the case follows (rules J5, J9,
    J13; Insurance Law arts. 16 and 52), with its reason:

    * ``non_disclosure`` — at inception the vehicle already operated (or was meant to) and the policyholder did
      not disclose it, intentionally or through gross negligence (``fault``, with the ``basis`` of that finding):
      the J5 path (附件三, 5 days, then rescind or not);
    * ``risk_increase`` — it began operating after inception and the insurer was not notified: 交强险 is endorsed
      and re-rated for the policy year (J9), a commercial policy follows art. 52 (raise the premium or terminate).

    Only before the notice is sent and while no policy of the case has been dealt with."""
    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, Status.OPEN, action=_("认定处理路径"))
    now = timezone.now()
    _require_not_lapsed(case, now)
    if case.case_policies.exclude(outcome="").exists():
        raise ConflictError(_("本案件已有保单办理完毕，不能再改变处理路径。"), code=ErrorCode.PATH_FIXED)
    if path not in Path.values:
        raise ApplicationError(_("请选择处理路径。"), code=ErrorCode.INVALID_PATH, extra={"fields": {"path": [_("请选择处理路径。")]}})
    reason, basis = (reason or "").strip(), (basis or "").strip()
    bound_text(RescissionCase, limit=NOTE_MAX, path_reason=reason, path_basis=basis)
    errors = {}
    if len(reason) < 4:
        errors["reason"] = [_("请写明选择该处理路径的理由。")]
    if operating_since is None:
        errors["operating_since"] = [_("请填写查明的车辆开始营运日期：处理路径取决于它早于还是晚于保险起期。")]
    else:
        _in_range(check_date, operating_since, field="operating_since",
                  label=RescissionCase._meta.get_field("operating_since").verbose_name, ahead=PAST)
    if path == Path.NON_DISCLOSURE:
        if fault not in Fault.values:
            errors["fault"] = [_("请认定投保人是故意还是因重大过失未如实告知：其他情形不能解除合同（规则 J5，保险法第十六条）。")]
        if len(basis) < 4:
            errors["basis"] = [_("请写明认定投保人未如实告知及其过错的依据。")]
    else:
        fault, meant_at_inception = "", False
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code=ErrorCode.PATH_INCOMPLETE, extra={"fields": errors})
    conflict = _path_conflict(case, [link.policy for link in _links(case)], path=path, operating_since=operating_since,
                              meant_at_inception=meant_at_inception)
    if conflict:
        raise ConflictError(conflict, code=ErrorCode.PATH_CONFLICT, extra={"fields": {"path": [conflict]}})
    case.path, case.fault, case.path_basis, case.path_reason = path, fault, basis, reason
    case.operating_since, case.meant_at_inception, case.path_recorded_at = operating_since, meant_at_inception, now
    if path == Path.RISK_INCREASE and case.matter == DEFAULT_MATTER:
        case.matter = RISK_INCREASE_MATTER
    elif path == Path.NON_DISCLOSURE and case.matter == RISK_INCREASE_MATTER:
        case.matter = DEFAULT_MATTER
    _save(case, "path", "fault", "path_basis", "path_reason", "operating_since", "meant_at_inception",
          "path_recorded_at", "matter")
    _event(case, EventKind.PATH_RECORDED, at=now, actor=actor, note=reason,
           data={"path": path, "fault": fault, "operating_since": str(operating_since), "basis": basis,
                 "meant_at_inception": meant_at_inception})
    _audit(case, "path", actor, path=path, fault=fault, operating_since=str(operating_since), reason=reason)
    if path == Path.RISK_INCREASE:
        _endorsement_clocks_start(case, _links(case), actor=actor, at=now)
    else:
        _endorsement_clocks_cancel(case, actor=actor, reason=Text(gettext_noop("处理路径改为投保时未如实告知。")))
    return case


def lawful_outcomes(case: RescissionCase, link: CasePolicy) -> list[str]:
    """What may become of one policy of the case, by the case's path and the policy's kind (rule J13)."""
    if link.outcome or not case.path:
        return []
    if case.path == Path.NON_DISCLOSURE:
        # J5 / art. 16: rescind after the 5 days, or not; 交强险 may instead be endorsed and re-rated (J9 (1))
        return [Decision.RESCINDED, Decision.NOT_RESCINDED, Decision.CONDITIONS_NOT_MET,
                *([Decision.ENDORSED] if link.compulsory else [])]
    # risk increased after inception: 交强险 endorsed (J9), commercial raise the premium or terminate (art. 52)
    return [Decision.ENDORSED] if link.compulsory else [Decision.ENDORSED, Decision.RESCINDED]


# --- steps ---------------------------------------------------------------------------------------------------


@transaction.atomic
def rescission_notice_send(*, case: RescissionCase, actor, contact_name: str, contact_phone: str,
                           sent_at: dt.datetime | None = None, matter: str = "",
                           applied_on: dt.date | None = None) -> RescissionCase:
    """Record that 附件三 was sent to the policyholder and issue it as a PDF (rule J5)."""
    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, Status.OPEN, action=_("发出通知"))
    _require_path(case, Path.NON_DISCLOSURE, action=_("发出《未履行如实告知义务通知书》（附件三）"))
    now = timezone.now()
    _require_not_lapsed(case, now)
    sent_at = _moment(sent_at, now=now, not_before=case.known_at, before_label=_("知道解除事由的时间"), field="sent_at")
    contact_name, contact_phone = (contact_name or "").strip(), (contact_phone or "").strip()
    errors = {}
    if not contact_name:
        errors["contact_name"] = [_("请填写通知书上的联系人。")]
    if not _PHONE.match(contact_phone):
        errors["contact_phone"] = [_("请填写有效的联系电话。")]
    if errors:
        raise ApplicationError(_("请填写通知书上的联系人和联系电话。"), code=ErrorCode.CONTACT_REQUIRED, extra={"fields": errors})
    case.notice_sent_at = sent_at
    case.notice_contact_name, case.notice_contact_phone = contact_name[:60], contact_phone[:30]
    if matter and matter.strip():
        case.matter = matter.strip()[:200]
    if applied_on is not None:
        _in_range(check_date, applied_on, field="applied_on", label=RescissionCase._meta.get_field("applied_on").verbose_name,
                  ahead=PAST)
        case.applied_on = applied_on
    case.status = Status.NOTICE_SENT
    _save(case, "notice_sent_at", "notice_contact_name", "notice_contact_phone", "matter", "applied_on", "status")
    fits = local_date(sent_at) <= clock.Clock.of(case).last_notice_date
    _event(case, EventKind.NOTICE_SENT, at=sent_at, actor=actor,
           data={"field": "notice_sent_at", "day": clock.day_number(case.known_at, sent_at), "fits": fits})
    _audit(case, "notice_send", actor, sent_at=sent_at.isoformat(), fits=fits)
    _notice_issue(case=case, kind=NoticeKind.DISCLOSURE_REQUEST, issued_on=local_date(sent_at), actor=actor)
    return case


@transaction.atomic
def rescission_notice_receive(*, case: RescissionCase, actor, received_at: dt.datetime | None = None) -> RescissionCase:
    """Record the policyholder's receipt of 附件三; starts the 5-day disclosure clock (rule J5)."""
    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, Status.NOTICE_SENT, action=_("登记通知送达"))
    now = timezone.now()
    _require_not_lapsed(case, now)
    received_at = _moment(received_at, now=now, not_before=case.notice_sent_at, before_label=_("通知发出时间"),
                          field="received_at")
    case.notice_received_at = received_at
    case.disclosure_due_at = clock.disclosure_deadline(received_at)
    case.status = Status.AWAITING_DISCLOSURE
    _save(case, "notice_received_at", "disclosure_due_at", "status")
    fits = clock.decision_fits(case.disclosure_due_at, case.deadline_at)  # an instant is left to rescind (J5)
    event = _event(case, EventKind.NOTICE_RECEIVED, at=received_at, actor=actor,
                   data={"field": "notice_received_at", "day": clock.day_number(case.known_at, received_at),
                         "disclosure_due_at": case.disclosure_due_at.isoformat(), "fits": fits})
    _start_disclosure_clock(case, event, actor)
    _audit(case, "notice_receive", actor, received_at=received_at.isoformat(),
           disclosure_due_at=case.disclosure_due_at.isoformat(), fits=fits)
    return case


def _start_disclosure_clock(case: RescissionCase, subject: RescissionEvent, actor) -> Deadline:
    # Rule J5: the policyholder's 5 days from receipt. The clock belongs to the step that set the receipt time,
    # so a corrected receipt gets a fresh clock and the old one is cancelled with the correction's reason.
    # Unit, amount (RESCISSION_DISCLOSURE_DAYS) and "a waiting period, not an obligation" come from the registry.
    return deadlines.deadline_start(
        rule=RULE_DISCLOSURE, subject=subject, responsible=case.insurer, starts_at=case.notice_received_at,
        actor=actor,
    )


@transaction.atomic
def rescission_disclosure_record(*, case: RescissionCase, actor, disclosed_at: dt.datetime | None = None,
                                 note: str = "") -> RescissionCase:
    """Record that the policyholder disclosed. Within the 5 days the insurer may not rescind (rule J5): the case
    ends ``not_rescinded``. A late disclosure is recorded and the insurer still decides."""
    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, Status.AWAITING_DISCLOSURE, action=_("登记如实告知"))
    bound_text(RescissionEvent, limit=NOTE_MAX, note=(note or "").strip())
    now = timezone.now()
    _require_not_lapsed(case, now)
    disclosed_at = _moment(disclosed_at, now=now, not_before=case.notice_received_at, before_label=_("通知送达时间"),
                           field="disclosed_at")
    case.disclosed_at = disclosed_at
    in_time = disclosed_at <= case.disclosure_due_at
    _save(case, "disclosed_at")
    _event(case, EventKind.DISCLOSED, at=disclosed_at, actor=actor, note=(note or "").strip(),
           data={"field": "disclosed_at", "in_time": in_time})
    _audit(case, "disclosure", actor, disclosed_at=disclosed_at.isoformat(), in_time=in_time)
    if in_time:
        disclosure = disclosure_clock(case)
        if disclosure is not None and disclosure.met_at is None:
            deadlines.deadline_meet(deadline=disclosure, at=disclosed_at, actor=actor)
        _close_not_rescinded(case, actor=actor, at=disclosed_at, now=now, note=note)
    return case


def _close_not_rescinded(case: RescissionCase, *, actor, at: dt.datetime, now: dt.datetime, note: str = "") -> None:
    reason = Text(gettext_noop("投保人于 %(at)s 在收到通知之日起 %(days)d 日内履行了如实告知义务，保险人不得解除合同（规则 J5）。"),
                  at=_fmt(at), days=conf.disclosure_days())
    if note and note.strip():  # what the user added, as typed, on its own line
        reason = Text(gettext_noop("%(reason)s\n%(note)s"), reason=reason, note=note.strip())
    case.decision = Decision.NOT_RESCINDED
    case.decision_reason, case.decision_reason_msg = stored(reason)
    case.decided_at, case.decision_recorded_at, case.status = at, now, Status.NOT_RESCINDED
    _save(case, "decision", "decision_reason", "decision_reason_msg", "decided_at", "decision_recorded_at", "status")
    _resolve(_links(case), Decision.NOT_RESCINDED, at=at)
    _event(case, EventKind.NOT_RESCINDED, at=at, actor=actor, note=reason)
    _close_clocks(case, decided_at=at, actor=actor, reason=reason)
    _audit(case, "decide", actor, decision=Decision.NOT_RESCINDED, decided_at=at.isoformat())


@transaction.atomic
def rescission_decide(*, case: RescissionCase, actor, decision: str, reason: str = "",
                      decided_at: dt.datetime | None = None) -> RescissionCase:
    """The insurer's decision on the policies of the case still open, among the lawful outcomes of its path
    (rule J13, ``lawful_outcomes``); only before ``deadline_at``:

    * non-disclosure at inception (J5, art. 16): rescind (after the 5 days passed without disclosure), or
      conditions not met (written reason required), or — after a late disclosure — not rescind;
    * risk increased after inception, commercial policies (art. 52): terminate (reason required; the 交强险 of the
      case is endorsed first — it is never rescinded on this path, J13). Raising the premium is an endorsement
      (``rescission_endorse``), as is every 交强险 outcome on this path (J9)."""
    case = _locked(case)
    _require_case_handler(actor, case)
    if decision not in Decision.values:
        raise ApplicationError(_("决定无效。"), code=ErrorCode.INVALID_DECISION)
    _require_status(case, *OPEN_STATUSES, action=_("作出决定"))
    now = timezone.now()
    _require_not_lapsed(case, now)
    steps = [t for t in (case.known_at, case.notice_sent_at, case.notice_received_at, case.disclosed_at) if t]
    floor = max(*steps, now - dt.timedelta(hours=conf.max_backdate_hours()))
    decided_at = _moment(decided_at, now=now, not_before=floor, before_label=_("上一步骤时间或允许补记的最早时间"),
                         field="decided_at")
    reason = (reason or "").strip()
    bound_text(RescissionCase, limit=NOTE_MAX, decision_reason=reason)
    links = _links(case)
    if decision == Decision.ENDORSED:
        raise ConflictError(_("批改请通过“批改保单”办理：填写批改后的使用性质、生效日期和保险费。"), code=ErrorCode.ENDORSE_SEPARATELY)
    if not case.path:
        if decision != Decision.CONDITIONS_NOT_MET:
            _require_path(case, Path.NON_DISCLOSURE, action=_("作出该决定"))
    elif case.path == Path.RISK_INCREASE:
        _check_art52(case, links, decision, reason, decided_at)
    if decision == Decision.RESCINDED and case.path == Path.NON_DISCLOSURE:
        _check_may_rescind(case, decided_at)
    elif decision == Decision.CONDITIONS_NOT_MET:
        if len(reason) < 4:
            raise ApplicationError(_("认定不符合解除条件必须写明理由。"), code=CoreErrorCode.REASON_REQUIRED,
                                   extra={"fields": {"reason": [_("请写明不符合法定或约定解除条件的理由。")]}})
    elif decision == Decision.NOT_RESCINDED and case.disclosed_at is None:
        raise ConflictError(_("投保人尚未履行如实告知义务；如决定不解除，请选择“不符合解除条件”并写明理由。"),
                            code=ErrorCode.NO_DISCLOSURE)
    case.decision, case.decision_reason, case.decision_reason_msg = decision, reason, {}  # typed: as typed
    case.decided_at, case.decision_recorded_at = decided_at, now
    case.status = {Decision.RESCINDED: Status.RESCINDED, Decision.NOT_RESCINDED: Status.NOT_RESCINDED,
                   Decision.CONDITIONS_NOT_MET: Status.CONDITIONS_NOT_MET}[decision]
    _save(case, "decision", "decision_reason", "decision_reason_msg", "decided_at", "decision_recorded_at", "status")
    _resolve(links, decision, at=decided_at)
    _event(case, decision, at=decided_at, actor=actor, note=reason,
           data={"day": clock.day_number(case.known_at, decided_at), "path": case.path,
                 "policies": [link.policy.number for link in links]})
    _close_clocks(case, decided_at=decided_at, actor=actor, reason=Text(gettext_noop("案件已作出决定。")))
    _audit(case, "decide", actor, decision=decision, decided_at=decided_at.isoformat(), reason=reason,
           path=case.path, policies=[link.policy.number for link in links])
    if decision == Decision.RESCINDED:
        art52 = case.path == Path.RISK_INCREASE
        why = Text(gettext_noop("合同解除案件 %(no)s：承保后危险程度显著增加未通知保险人（保险法第五十二条）。") if art52
                   else gettext_noop("合同解除案件 %(no)s：投保人未履行如实告知义务。"), no=case.number)
        # Rules J5, J13: each policy is rescinded at the decision time, through the policies app's own service.
        for link in links:
            policy_rescind(actor=actor, policy=link.policy, case_ref=case, at=decided_at, reason=why)
        issued_on = local_date(decided_at)
        if art52:
            _notice_issue(case=case, kind=NoticeKind.RISK_INCREASE_TERMINATION, issued_on=issued_on, actor=actor)
        else:
            _notice_issue(case=case, kind=NoticeKind.RESCISSION, issued_on=issued_on, actor=actor)
            if any(link.compulsory for link in links):  # 附件七 is the 交强险 notice to the vehicle administration
                _notice_issue(case=case, kind=NoticeKind.VEHICLE_ADMIN, issued_on=issued_on, actor=actor)
        _close_sibling_cases(case, actor=actor, now=now)
    return case


def _resolve(links, outcome: str, *, at: dt.datetime) -> None:
    for link in links:
        link.outcome, link.outcome_at = outcome, at
        link.save(update_fields=["outcome", "outcome_at"])


def _check_art52(case: RescissionCase, links, decision: str, reason: str, decided_at: dt.datetime) -> None:
    """Risk increased after inception (rule J13): a commercial policy may be terminated (art. 52); 交强险 is
    endorsed and re-rated (J9), never rescinded; "conditions not met" is no outcome of this path."""
    compulsory = [link.policy.number for link in links if link.compulsory]
    if decision != Decision.RESCINDED:
        raise ConflictError(
            _("承保后危险程度增加：交强险应批改保单并按保单年度重新核定保险费（规则 J9）；商业保险可增加保险费（批改）"
              "或解除合同（保险法第五十二条）。请选择其中之一。"), code=ErrorCode.WRONG_PATH)
    if compulsory:
        raise ConflictError(
            _("交强险保单 %(numbers)s 不能因承保后使用性质改变而解除，应批改并按保单年度重新核定保险费（规则 J9、J13）；"
              "请先批改交强险保单，再决定商业保险保单。") % {"numbers": "、".join(compulsory)}, code=ErrorCode.COMPULSORY_NOT_RESCINDABLE)
    if not links:
        raise ConflictError(_("本案件没有待处理的保单。"), code=ErrorCode.NOTHING_OPEN)
    if len(reason) < 4:
        raise ApplicationError(_("依保险法第五十二条解除合同必须写明理由。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请写明危险程度显著增加的事实和解除合同的理由。")]}})
    if decided_at > case.deadline_at:
        raise ConflictError(_("已超过 %(at)s（规则 M12）。") % {"at": _fmt(case.deadline_at)}, code=ErrorCode.LAPSED)
    for link in links:
        if link.policy.status != link.policy.Status.ACTIVE:
            raise ConflictError(_("保单 %(number)s 当前状态为“%(status)s”，不能解除。")
                                % {"number": link.policy.number, "status": link.policy.get_status_display()},
                                code=CoreErrorCode.POLICY_NOT_ACTIVE)


@transaction.atomic
def rescission_endorse(*, case: RescissionCase, actor, policy, usage_nature: str, effective_on: dt.date,
                       new_premium, reason: str) -> RescissionCase:
    """Endorse (批改) one policy of the case: the usage nature becomes ``usage_nature`` from ``effective_on`` and
    the premium is re-rated for the policy year (rule J9: a risk increased without notice, or a non-disclosure that
    raises the premium) — through ``apps.policies.services.policy_endorse``; for a commercial policy whose risk
    increased this is art. 52's "increase the premium". The endorsement closes the policy's part of the case
    (``rescission_policy_endorsed``); the case ends "endorsed" when no policy of it is left open."""

    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, *OPEN_STATUSES, action=_("批改保单"))
    _require_not_lapsed(case, timezone.now())
    link = case.case_policies.select_related("policy").filter(policy_id=getattr(policy, "pk", None)).first()
    if link is None:
        raise ApplicationError(_("该保单不在本案件中。"), code=ErrorCode.WRONG_POLICY, extra={"fields": {"policy": [_("该保单不在本案件中。")]}})
    if Decision.ENDORSED not in lawful_outcomes(case, link):
        if not case.path:
            _require_path(case, Path.RISK_INCREASE, action=_("批改保单"))
        raise ConflictError(
            _("商业保险保单 %(number)s 的投保人投保时未如实告知：依保险法第十六条由保险人决定解除或不解除合同，不以批改结案。")
            % {"number": link.policy.number} if not link.outcome else
            _("保单 %(number)s 在本案件中已办理完毕。") % {"number": link.policy.number}, code=ErrorCode.NOT_ENDORSABLE)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ApplicationError(_("批改必须写明原因。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请写明批改原因。")]}})
    try:
        policy_endorse(actor=actor, policy=link.policy, usage_nature=usage_nature, effective_on=effective_on,
                       premium_mode=PremiumMode.POLICY_YEAR, reason=reason, new_premium=new_premium, source=case)
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(fields.values()))[0]
        raise ApplicationError(first, code=ErrorCode.ENDORSEMENT_INVALID, extra={"fields": fields}) from None
    return _locked(case)


def rescission_policy_endorsed(*, actor, endorsement) -> list[RescissionCase]:
    """An endorsement of a policy, wherever it was made, closes that policy's part of every open case covering
    it as "endorsed" — not a lapse (rules J8, J9); a case with no policy left open ends ``endorsed`` (or
    ``rescinded`` when another of its policies was terminated). Called inside the endorsement's transaction
    (``handlers``: the endorsement's own actor)."""
    now = timezone.now()
    closed = []
    links = (CasePolicy.objects.select_for_update().select_related("policy")
             .filter(policy_id=endorsement.policy_id, outcome="", case__status__in=OPEN_STATUSES))
    for link in links:
        case = _locked(link.case)
        link.outcome, link.outcome_at, link.endorsement_ref = Decision.ENDORSED, now, f"E{endorsement.pk}"
        link.save(update_fields=["outcome", "outcome_at", "endorsement_ref"])
        _event(case, EventKind.ENDORSED, at=now, actor=actor, note=endorsement.reason,
               data={"policy": link.policy.number, "endorsement": endorsement.pk,
                     "usage_nature_from": endorsement.usage_nature_from, "usage_nature_to": endorsement.usage_nature_to,
                     "effective_on": str(endorsement.effective_on), "premium_mode": endorsement.premium_mode,
                     "premium_delta": str(endorsement.premium_delta)})
        _audit(case, "endorse", actor, policy=link.policy.number, endorsement=endorsement.pk)
        if not _links(case):
            _close_endorsed(case, actor=actor, at=now, endorsement=endorsement)
        closed.append(case)
    return closed


def _close_endorsed(case: RescissionCase, *, actor, at: dt.datetime, endorsement) -> None:
    outcomes = set(case.case_policies.values_list("outcome", flat=True))
    rescinded = Decision.RESCINDED in outcomes
    case.decision = Decision.RESCINDED if rescinded else Decision.ENDORSED
    case.status = Status.RESCINDED if rescinded else Status.ENDORSED
    case.decision_reason, case.decision_reason_msg = stored(Text(
        gettext_noop("保单已批改（%(from)s → %(to)s，%(mode)s）：%(reason)s"),
        **{"from": choice(endorsement, "usage_nature_from"),
           "to": choice(endorsement, "usage_nature_to"),
           "mode": choice(endorsement, "premium_mode"), "reason": endorsement.reason}))
    case.decided_at, case.decision_recorded_at = at, at
    _save(case, "decision", "decision_reason", "decision_reason_msg", "decided_at", "decision_recorded_at", "status")
    _close_clocks(case, decided_at=at, actor=actor, reason=Text(gettext_noop("保单已批改，案件办结。")))
    _audit(case, "decide", actor, decision=case.decision, decided_at=at.isoformat(), endorsement=endorsement.pk)


def _check_may_rescind(case: RescissionCase, decided_at: dt.datetime) -> None:
    # Rule J5: written notice first, then 5 days from receipt; disclosure within them forbids rescission.
    if case.notice_received_at is None or case.disclosure_due_at is None:
        raise ConflictError(_("解除合同前须书面通知投保人（附件三）并登记送达时间（规则 J5）。"), code=ErrorCode.NOTICE_REQUIRED)
    if case.disclosed_at is not None and case.disclosed_at <= case.disclosure_due_at:
        raise ConflictError(_("投保人已在期限内履行如实告知义务，保险人不得解除合同（规则 J5）。"), code=ErrorCode.DISCLOSED_IN_TIME)
    if decided_at < clock.earliest_rescission(case.disclosure_due_at):  # the same bound as Clock.last_receipt_date
        raise ConflictError(
            _("投保人的如实告知期限至 %(at)s 届满，届满前不能解除合同（规则 J5）。") % {"at": _fmt(case.disclosure_due_at)},
            code=ErrorCode.DISCLOSURE_PERIOD_RUNNING,
        )
    if decided_at > case.deadline_at:
        raise ConflictError(_("解除权已于 %(at)s 消灭（规则 J5）。") % {"at": _fmt(case.deadline_at)}, code=ErrorCode.LAPSED)
    if case.policy.status != case.policy.Status.ACTIVE:
        raise ConflictError(_("保单当前状态为“%(status)s”，不能解除。") % {"status": case.policy.get_status_display()},
                            code=CoreErrorCode.POLICY_NOT_ACTIVE)


def _close_sibling_cases(case: RescissionCase, *, actor, now: dt.datetime) -> None:
    """Other open cases of the rescinded policy end with it (the policy can be rescinded only once)."""
    rescinded = case.case_policies.filter(outcome=Decision.RESCINDED).values_list("policy_id", flat=True)
    ids = set(RescissionCase.objects.filter(Q(policy_id__in=list(rescinded))
                                            | Q(case_policies__policy_id__in=list(rescinded)),
                                            status__in=OPEN_STATUSES).exclude(pk=case.pk).values_list("pk", flat=True))
    siblings = RescissionCase.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    for sibling in siblings:
        reason = Text(gettext_noop("保单已在案件 %(no)s 中解除。"), no=case.number)
        sibling.decision = Decision.RESCINDED
        sibling.decision_reason, sibling.decision_reason_msg = stored(reason)
        sibling.decided_at, sibling.decision_recorded_at, sibling.status = case.decided_at, now, Status.RESCINDED
        _save(sibling, "decision", "decision_reason", "decision_reason_msg", "decided_at", "decision_recorded_at",
              "status")
        _event(sibling, EventKind.RESCINDED, at=case.decided_at, actor=actor, note=reason, data={"by_case": case.pk})
        _close_clocks(sibling, decided_at=case.decided_at, actor=actor, reason=reason)
        _audit(sibling, "decide", actor, decision=Decision.RESCINDED, by_case=case.pk)


# --- corrections ---------------------------------------------------------------------------------------------

CORRECTABLE = {
    EventKind.NOTICE_SENT: "notice_sent_at",
    EventKind.NOTICE_RECEIVED: "notice_received_at",
    EventKind.DISCLOSED: "disclosed_at",
}


@transaction.atomic
def rescission_correct(*, case: RescissionCase, actor, event: RescissionEvent, at: dt.datetime,
                       reason: str) -> RescissionEvent:
    """Correct the time of a recorded step by a new event with a reason (the step itself is never edited).

    Only while the case is open, only the send / receipt / disclosure times, and only the latest version of the
    step (correct a correction, not the original twice). The corrected time obeys the same rules as a new step.
    """
    case = _locked(case)
    _require_case_handler(actor, case)
    _require_status(case, *OPEN_STATUSES, action=_("更正"))
    now = timezone.now()
    _require_not_lapsed(case, now)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ApplicationError(_("更正必须写明原因。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请写明更正原因。")]}})
    bound_text(RescissionEvent, limit=NOTE_MAX, note=reason)
    if event.case_id != case.pk:
        raise ApplicationError(_("该事项不属于本案件。"), code=ErrorCode.WRONG_CASE)
    if event.kind in CORRECTABLE:
        field = CORRECTABLE[event.kind]
    elif event.kind == EventKind.CORRECTION:
        field = (event.data or {}).get("field")
    else:
        field = None
    if field not in CORRECTABLE.values():
        raise ApplicationError(_("只能更正通知发出、送达和如实告知的时间；决定不能更正。"), code=ErrorCode.NOT_CORRECTABLE)
    if event.corrections.exists():
        raise ConflictError(_("该事项已被更正过，请更正最新的一条。"), code=ErrorCode.ALREADY_CORRECTED)
    bounds = {
        "notice_sent_at": (case.known_at, _("知道解除事由的时间"), case.notice_received_at),
        "notice_received_at": (case.notice_sent_at, _("通知发出时间"), case.disclosed_at),
        "disclosed_at": (case.notice_received_at, _("通知送达时间"), None),
    }[field]
    at = _moment(at, now=now, not_before=bounds[0], before_label=bounds[1], field="at")
    if bounds[2] is not None and at > bounds[2]:
        raise ApplicationError(_("更正后的时间不能晚于下一步骤的时间（%(at)s）。") % {"at": _fmt(bounds[2])},
                               code=ErrorCode.AFTER_NEXT_STEP)
    old = getattr(case, field)
    setattr(case, field, at)
    fields = [field]
    if field == "notice_received_at":
        case.disclosure_due_at = clock.disclosure_deadline(at)
        fields.append("disclosure_due_at")
    _save(case, *fields)
    correction = _event(case, EventKind.CORRECTION, at=at, actor=actor, note=reason, corrects=event,
                        data={"field": field, "old": old.isoformat() if old else None, "new": at.isoformat()})
    if field == "notice_received_at":
        old_clock = deadlines.deadline_for(rule=RULE_DISCLOSURE, subject=event)
        if old_clock is not None:
            deadlines.deadline_cancel(deadline=old_clock, reason=reason, actor=actor)
        _start_disclosure_clock(case, correction, actor)
    _audit(case, "correct", actor, field=field, old=old.isoformat() if old else None, new=at.isoformat(),
           reason=reason, corrects=event.pk)
    if (case.status == Status.AWAITING_DISCLOSURE and case.disclosed_at and case.disclosure_due_at
            and case.disclosed_at <= case.disclosure_due_at):
        _close_not_rescinded(case, actor=actor, at=case.disclosed_at, now=now)
    return correction


# --- notices -------------------------------------------------------------------------------------------------

ANNEX_CODE = {NoticeKind.DISCLOSURE_REQUEST: "A3", NoticeKind.RESCISSION: "A4", NoticeKind.VEHICLE_ADMIN: "A7",
              NoticeKind.RISK_INCREASE_TERMINATION: "L52"}


def _notice_issue(*, case: RescissionCase, kind: str, issued_on: dt.date, actor) -> RescissionNotice:
    """Render a notice from the case data to PDF and store it with its SHA-256 (called by the steps above)."""
    from .selectors import notice_data

    sequence = case.notices.filter(kind=kind).count() + 1
    doc_no = f"{case.number}-{ANNEX_CODE[kind]}-{sequence}"
    data = notice_data(case, kind, issued_on=issued_on, doc_no=doc_no)
    # the insurer issues the notice (rule J5); the platform only says where it was generated, never that it issued it
    footer = _("%(insurer)s出具 · 文书编号 %(doc)s · 案件 %(no)s · 本文书经柳州市客运车辆保险联合监管平台生成")
    content = render_pdf(data, footer_text=footer % {"insurer": case.insurer.name, "no": case.number, "doc": doc_no})

    # signed in the insurer's name once, here (PAdES; unsigned for an insurer with its own key, docs/exchange.md)
    content = pdfsign.sign_document(content, organization=case.insurer, source=f"rescission-notice:{doc_no}",
                                    title=str(data.title), doc_no=doc_no, case_ref=case.number)
    notice = RescissionNotice(case=case, kind=kind, doc_no=doc_no, issued_on=issued_on, sha256=sha256(content),
                              size=len(content), created_by=acting_user(actor))
    notice.file.save(notices.stored_name(f"{doc_no}.pdf"), ContentFile(notices.seal_pdf(content)), save=False)
    crypto.make_owner_only(notice.file)
    notice.save()
    _event(case, EventKind.NOTICE_ISSUED, at=timezone.now(), actor=actor,
           data={"notice": notice.pk, "kind": kind, "doc_no": doc_no, "sha256": notice.sha256})
    _audit(case, "notice_issue", actor, kind=kind, doc_no=doc_no, sha256=notice.sha256)
    return notice


# --- clock consequences (run by the Deadline scan, inside its transaction) ------------------------------------


def _require_platform(actor) -> None:
    """The clock's consequences are the platform's own acts: only a system job records them."""
    if actor is None:
        raise TypeError("every service is called with an explicit actor; the platform acts as a SystemActor")
    if not isinstance(actor, SystemActor):
        raise PermissionDeniedError(_("期限届满的后果由平台按期限自动记录，不能人工登记。"))


def rescission_lapse(*, actor, case: RescissionCase, deadline: Deadline) -> RescissionCase:
    """Past ``deadline_at`` without a decision the right has lapsed (J5): the case is ``lapsed`` (the supervision
    statistic the regulator sees on its list) and the insurance association gets a 督促 item on the insurer
    (M12, M17); a credit entry follows only if the association decides one (M2).

    ``actor``: the deadline scan's handler (a ``SystemActor``); a person never records a lapse."""
    _require_platform(actor)
    case = _locked(case)
    if case.status not in OPEN_STATUSES:
        return case
    now = timezone.now()
    case.status, case.lapsed_at = Status.LAPSED, now
    _save(case, "status", "lapsed_at")
    _event(case, EventKind.LAPSED, at=deadline.due_at, actor=actor, data={"deadline": deadline.pk})
    disclosure = disclosure_clock(case)
    if disclosure is not None and disclosure.status in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
        deadlines.deadline_cancel(deadline=disclosure, reason=Text(gettext_noop("解除权已消灭。")), actor=actor)
    _endorsement_clocks_cancel(case, actor=actor, reason=Text(gettext_noop("案件已超期结案（解除权已消灭）。")))
    _audit(case, "lapse", actor, deadline_at=case.deadline_at.isoformat())
    _record_breach(case, actor=actor)
    link = case_url(case)
    title, body = _lapse_wording(case)
    notify_organization(
        organization=case.insurer, title=Text(title, no=case.number),
        body=Text(body, plate=case.vehicle.label, policy=case.policy.number, deadline=_fmt(case.deadline_at)),
        link=link, kind="rescission.lapsed", dedup_key=f"rescission:{case.pk}:lapsed",
    )
    return case


def _lapse_wording(case: RescissionCase) -> tuple[str, str]:
    """The lapse notice's title and body by path (rule J13: each path has its own wording). Non-disclosure (J5,
    art. 16): the rescission right has lapsed. Risk increased after inception: a commercial policy's insurer did
    not increase the premium or terminate within the period (art. 52); a 交强险 policy was not endorsed and
    re-rated (J9) — no rescission right was ever in question."""
    if case.path != Path.RISK_INCREASE:
        return (gettext_noop("合同解除案件 %(no)s 已超期：解除权已消灭"),
                gettext_noop("%(plate)s 的保单 %(policy)s 未在 %(deadline)s 前作出决定，已记入监管统计，并由保险行业协会督促。"))
    if all(link.compulsory for link in case.case_policies.select_related("policy")):
        return (gettext_noop("案件 %(no)s 已超期：未在期限内批改保单"),
                gettext_noop("%(plate)s 的交强险保单 %(policy)s 承保后危险程度增加，保险公司未在 %(deadline)s 前批改保单并按保单年度"
                  "重新核定保险费（规则 J9），已记入监管统计，并由保险行业协会督促。"))
    return (gettext_noop("案件 %(no)s 已超期：未在期限内增加保险费或解除合同"),
            gettext_noop("%(plate)s 的保单 %(policy)s 承保后危险程度显著增加，保险公司未在 %(deadline)s 前增加保险费或解除合同"
              "（保险法第五十二条），已记入监管统计，并由保险行业协会督促。"))


def _record_breach(case: RescissionCase, *, actor) -> None:
    # rule M12: the association urges the insurer; no credit entry unless the association decides one (M2)
    urging_item_open(
        actor=actor, insurer=case.insurer, subject=case, rule="M12", link=case_url(case),
        reason=Text(gettext_noop("案件 %(no)s：%(plate)s，保单 %(policy)s，%(known)s 知道危险程度显著增加，%(deadline)s 前未增加保险费、"
                                 "批改保单或解除合同（规则 M12；保险法第五十二条、规则 J9）。") if case.path == Path.RISK_INCREASE
                    else gettext_noop("案件 %(no)s：%(plate)s，保单 %(policy)s，%(known)s 知道解除事由，%(deadline)s 前未作出决定（规则 M12、J5）。"),
                    no=case.number, plate=case.vehicle.label, policy=case.policy.number, known=_fmt(case.known_at),
                    deadline=_fmt(case.deadline_at)),
    )


def rescission_disclosure_expired(*, actor, case: RescissionCase, deadline: Deadline) -> None:
    """The 5 days ended without a disclosure: the insurer may now rescind (until ``deadline_at``).

    ``actor``: the deadline scan's handler (a ``SystemActor``)."""
    _require_platform(actor)
    case = _locked(case)
    if case.status != Status.AWAITING_DISCLOSURE or case.disclosure_due_at != deadline.due_at:
        return
    _event(case, EventKind.DISCLOSURE_EXPIRED, at=deadline.due_at, actor=actor, data={"deadline": deadline.pk})
    _audit(case, "disclosure_expired", actor, disclosure_due_at=deadline.due_at.isoformat())
    notify_organization(
        organization=case.insurer,
        title=Text(gettext_noop("案件 %(no)s：如实告知期限已届满"), no=case.number),
        body=Text(gettext_noop("投保人未在期限内履行如实告知义务，可在 %(deadline)s 前作出解除决定。"),
                  deadline=_fmt(case.deadline_at)),
        link=case_url(case), kind="rescission.disclosure_expired", dedup_key=f"rescission:{case.pk}:disclosure_expired",
    )


def rescission_remind(*, actor, deadline: Deadline, day: int) -> int:
    """The kernel's scan reached reminder ``day`` of a case's 30-day clock (``RESCISSION_REMINDER_DAYS``, the rule's
    registered reminders: days 20, 25, 28): remind the insurer's staff, in-app and by e-mail where users have one.

    The scan sends each reminder once per clock (and only the latest reached: a late scan sends no stale one); the
    notification's ``dedup_key`` keeps it once per case, day and user. ``actor``: the scan's handler (a
    ``SystemActor``)."""
    _require_platform(actor)
    case = RescissionCase.objects.filter(pk=deadline.object_id).select_related("insurer", "vehicle", "policy").first()
    if case is None or case.status not in OPEN_STATUSES:
        return 0
    return _remind(case, day, timezone.now(), actor=actor)


def _remind(case: RescissionCase, day: int, now: dt.datetime, *, actor) -> int:
    left = clock.Clock.of(case).days_left(now)
    created = notify_organization(
        organization=case.insurer,
        title=Text(gettext_noop("合同解除案件 %(no)s 已到第 %(day)d 天，剩余 %(left)d 天"), no=case.number, day=day,
                   left=left),
        body=Text(gettext_noop("%(plate)s，保单 %(policy)s，解除权于 %(deadline)s 消灭（规则 M12、J5）。当前状态：%(status)s。"),
                  plate=case.vehicle.label, policy=case.policy.number, deadline=_fmt(case.deadline_at),
                  status=choice(case, "status")),
        link=case_url(case), kind="rescission.reminder", dedup_key=f"rescission:{case.pk}:day{day}",
    )
    if created:
        _event(case, EventKind.REMINDER, at=now, actor=actor, data={"day": day, "users": created})
    return created
