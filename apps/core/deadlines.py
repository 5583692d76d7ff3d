"""Clocks: start, pause, resume, meet, scan — for every rule of every app, on the one ``Deadline`` table.

Due instants are computed in Asia/Shanghai:
* ``hours``        — wall clock, 24/7 (claim survey dispatch, rule M13);
* ``natural_days`` — calendar days, due at the end of the last day (rescission 30 days, rule J5/M12); a last day
  that is a statutory rest day rolls over to the next working day (Civil Code art. 203, rule T1) unless the
  clock's rule says otherwise (``Deadline.roll_over``, from the rule's registration in ``apps.core.rules``);
* ``working_days`` — the kernel's calendar with statutory holidays and 调休 working weekends (rule J11).

Every day-based clock uses the calendar of its responsible party's jurisdiction (``calendar.jurisdiction``:
national, Guangxi and Liuzhou layers for the platform's city), stored on the clock (``calendar_region``) with its
roll-over so that a recompute gives the same answer for the same calendar. A clock that used a year without a
published arrangement is provisional (``used_fallback_calendar``) until the arrangement is entered.

Every rule is defined once in the clock table (``apps.core.rules.register_rule``: rule IDs, legal basis, unit,
amount from its setting, roll-over, end of day, warnings, fixed reminders, obligation); ``deadline_start`` takes
what it is not passed from there, and ``deadline_extend`` lengthens a running clock with its reason. The one scan
(``deadline_scan``) marks warnings and breaches and sends the rules' fixed reminders (``on_reminder``), each once.

A pause stops the clock: the paused time is added to the due instant on resume. When an administrator corrects
the calendar, ``deadlines_recompute`` recomputes every open clock; a breach already recorded stays recorded.
Apps react to warnings and breaches by registering handlers for their rules (``on_warning`` / ``on_breach``);
handlers run inside the scan's transaction, so a lapse and its consequences commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.parties.rights import SystemActor

from . import calendar
from .audit import acting_user, audit_record
from .errors import ApplicationError, ErrorCode
from .models import Deadline, DeadlinePause, DeadlineReminder
from .notifications import Text, stored
from .registry import Registry
from .rules import registered_rules, rule_get, rule_roll_over

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
Handler = Callable[[Deadline], None]
# by rule, several handlers each in registration order; the same handler twice for a rule is registered once
_BREACH_HANDLERS: Registry[Handler] = Registry("deadline breach handlers", many=True)
_WARNING_HANDLERS: Registry[Handler] = Registry("deadline warning handlers", many=True)
_RECOMPUTE_HANDLERS: Registry[Handler] = Registry("deadline recompute handlers", many=True)
ReminderHandler = Callable[[Deadline, int], None]
_REMINDER_HANDLERS: Registry[ReminderHandler] = Registry("deadline reminder handlers", many=True)


SCAN = SystemActor("deadline_scan")
"""The platform marking warnings and breaches (the periodic scan), as audited."""


def on_breach(rule: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        return _BREACH_HANDLERS.register(rule, fn)

    return register


def on_warning(rule: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        return _WARNING_HANDLERS.register(rule, fn)

    return register


def on_recompute(rule: str) -> Callable[[Handler], Handler]:
    """Run whenever the kernel sets or moves the due instant of a clock of ``rule``: at its start, on resume, on
    an extension and after a calendar recompute (e.g. an app copying the due instant onto its case — the one
    place that copy is written)."""

    def register(fn: Handler) -> Handler:
        return _RECOMPUTE_HANDLERS.register(rule, fn)

    return register


def on_reminder(rule: str) -> Callable[[ReminderHandler], ReminderHandler]:
    """Run by the scan when a clock of ``rule`` reaches one of the rule's fixed reminders (``register_rule(...,
    reminders=(20, 25, 28))``); called as ``handler(deadline, offset)``, once per clock and reminder."""

    def register(fn: ReminderHandler) -> ReminderHandler:
        return _REMINDER_HANDLERS.register(rule, fn)

    return register


def _moved(deadline: Deadline) -> None:
    for handler in _RECOMPUTE_HANDLERS.get(deadline.rule, []):
        handler(deadline)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last microsecond of ``day`` in Shanghai, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Due:
    """A computed due instant: whether it used a provisional calendar, and whether its last day rolled over."""

    due_at: dt.datetime
    provisional: bool = False
    rolled_over: bool = False
    nominal_last_day: dt.date | None = None  # day periods: the last day before any roll-over


def compute_due_detail(*, starts_at: dt.datetime, unit: str, amount: int, end_of_day_due: bool = True,
                       roll_over: bool = True, region: str | None = None) -> Due:
    """The due instant of a clock (see the module docstring). ``region``: the GB/T 2260 code whose calendar
    layers are used (default: the platform's city)."""
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    if unit == Deadline.Unit.HOURS:
        return Due(starts_at + dt.timedelta(hours=amount))
    if unit == Deadline.Unit.NATURAL_DAYS:
        # Civil Code art. 201: the day of the event is not counted; the period's last day is start + amount.
        nominal = local_date(starts_at) + dt.timedelta(days=amount)
        last, rolled, provisional = nominal, False, False
        if roll_over:
            last, rolled, provisional = calendar.next_working_day_on_or_after(nominal, region)
        if end_of_day_due:
            due = end_of_day(last)
        else:
            due = dt.datetime.combine(last, starts_at.astimezone(SHANGHAI).timetz())
        return Due(due, provisional, rolled, nominal)
    if unit == Deadline.Unit.WORKING_DAYS:
        day, fallback = calendar.add_working_days(local_date(starts_at), amount, region)
        if end_of_day_due:
            return Due(end_of_day(day), fallback)
        local = starts_at.astimezone(SHANGHAI)
        return Due(dt.datetime.combine(day, local.timetz()), fallback)
    raise ValueError(f"unknown unit {unit}")


def compute_due(*, starts_at: dt.datetime, unit: str, amount: int, end_of_day_due: bool = True,
                roll_over: bool = True, region: str | None = None) -> tuple[dt.datetime, bool]:
    """(due instant, whether it is provisional: a year without a published arrangement was used)."""
    due = compute_due_detail(starts_at=starts_at, unit=unit, amount=amount, end_of_day_due=end_of_day_due,
                             roll_over=roll_over, region=region)
    return due.due_at, due.provisional


def deadline_due(deadline: Deadline) -> Due:
    """The computation behind a stored clock, with its own roll-over and calendar layers (no pauses)."""
    return compute_due_detail(
        starts_at=deadline.starts_at, unit=deadline.unit, amount=deadline.amount, end_of_day_due=deadline.end_of_day,
        roll_over=deadline.roll_over, region=deadline.calendar_region or None,
    )


def rule_due(*, rule: str, starts_at: dt.datetime, responsible=None, region: str | None = None,
             amount: int | None = None) -> Due:
    """What ``deadline_start`` would compute for a clock of the registered ``rule`` started at ``starts_at``: unit,
    amount (unless given), end-of-day and roll-over from the registration; the calendar of ``responsible``'s
    jurisdiction (or ``region``; default the platform's). For previews and pages that show a date before (or
    without) a stored clock."""
    entry = rule_get(rule)
    if entry is None or not entry.unit:
        raise ValueError(f"clock rule {rule!r} is not registered with a unit")
    amount = entry.resolved_amount() if amount is None else amount
    if amount is None:
        raise ValueError(f"clock rule {rule!r} has no registered amount")
    if region is None and responsible is not None:
        region = calendar.jurisdiction(responsible)
    return compute_due_detail(starts_at=starts_at, unit=entry.unit, amount=amount, end_of_day_due=entry.end_of_day,
                              roll_over=entry.unit == Deadline.Unit.NATURAL_DAYS and entry.roll_over,
                              region=region or None)


def _rule_setting(rule: str, key: str, default):
    """A rule's warning setting: the deployment's ``settings.DEADLINE_RULES[rule][key]`` if set, else the rule's
    registration (``apps.core.rules``), else the project default."""
    override = settings.DEADLINE_RULES.get(rule, {})
    if key in override:
        return override[key]
    entry = rule_get(rule)
    if entry is not None:
        value = entry.resolved_warn_fraction() if key == "warn_fraction" else entry.resolved_warn_before()
        if value is not None:
            return value
    return default


def _warnings(deadline: Deadline) -> tuple[dt.datetime, dt.datetime | None]:
    """(warning at a share of the span, warning a fixed time before due). A fixed offset as long as the whole
    span would warn the moment the clock starts (a 1-hour clock with a 24-hour offset), so it is dropped."""
    span = deadline.due_at - deadline.starts_at
    fraction = Decimal(str(_rule_setting(deadline.rule, "warn_fraction", settings.DEADLINE_WARN_FRACTION)))
    before = _rule_setting(deadline.rule, "warn_before", settings.DEADLINE_WARN_BEFORE)
    warn_at = deadline.starts_at + span * float(fraction)
    final_warn_at = deadline.due_at - before if before < span else None
    return warn_at, final_warn_at


def _paused_total(deadline: Deadline, now: dt.datetime | None = None) -> dt.timedelta:
    total = dt.timedelta()
    for pause in deadline.pauses.all():
        total += (pause.resumed_at or now or pause.paused_at) - pause.paused_at
    return total


def _recompute(deadline: Deadline) -> None:
    due = deadline_due(deadline)
    deadline.due_at = due.due_at + _paused_total(deadline)
    deadline.used_fallback_calendar = due.provisional
    deadline.warn_at, deadline.final_warn_at = _warnings(deadline)


@transaction.atomic
def deadline_start(
    *, rule: str, subject: models.Model, responsible, starts_at: dt.datetime, unit: str | None = None,
    amount: int | None = None, end_of_day_due: bool | None = None, obligation: bool | None = None, actor,
    roll_over: bool | None = None,
) -> Deadline:
    """Start a clock; idempotent per (rule, subject): starting it again returns the existing clock unchanged.

    ``unit``, ``amount``, ``end_of_day_due``, ``obligation`` and ``roll_over`` come from the rule's registration
    (``apps.core.rules.register_rule``) when not passed; passing them overrides it for this clock. A rule that is
    not registered, or registered without unit or amount, must pass them. ``obligation=False`` marks a waiting
    period rather than a duty of ``responsible``: when it ends the clock is ``elapsed``, never ``breached``.
    Roll-over applies to natural days only. The calendar is that of ``responsible``'s jurisdiction."""
    entry = rule_get(rule)
    if unit is None:
        unit = entry.unit if entry is not None else ""
    if amount is None:
        amount = entry.resolved_amount() if entry is not None else None
    if not unit or amount is None:
        raise ValueError(f"clock rule {rule!r} has no registered unit and amount; register it in apps.core.rules")
    if end_of_day_due is None:
        end_of_day_due = entry.end_of_day if entry is not None else True
    if obligation is None:
        obligation = entry.obligation if entry is not None else True
    content_type = ContentType.objects.get_for_model(subject)
    existing = Deadline.objects.filter(rule=rule, content_type=content_type, object_id=str(subject.pk)).first()
    if existing:
        return existing
    deadline = Deadline(
        rule=rule, content_type=content_type, object_id=str(subject.pk), responsible=responsible,
        unit=unit, amount=amount, end_of_day=end_of_day_due, starts_at=starts_at, obligation=obligation,
        roll_over=unit == Deadline.Unit.NATURAL_DAYS and (rule_roll_over(rule) if roll_over is None else roll_over),
        calendar_region=calendar.jurisdiction(responsible),
    )
    due = deadline_due(deadline)
    deadline.due_at, deadline.used_fallback_calendar = due.due_at, due.provisional
    fallback = due.provisional
    deadline.warn_at, deadline.final_warn_at = _warnings(deadline)
    deadline.full_clean(exclude=["content_type"])
    deadline.save()
    audit_record(actor=actor, action="deadline.start", obj=deadline, organization=responsible,
                 detail={"rule": rule, "due_at": deadline.due_at.isoformat(), "fallback_calendar": fallback,
                         "rolled_over": due.rolled_over, "calendar_region": deadline.calendar_region})
    _moved(deadline)
    return deadline


def deadline_for(*, rule: str, subject: models.Model) -> Deadline | None:
    return Deadline.objects.filter(
        rule=rule, content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
    ).first()


def _locked(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


@transaction.atomic
def deadline_meet(*, deadline: Deadline, at: dt.datetime | None = None, actor) -> Deadline:
    """Record that the obligation was fulfilled. Met late: ``met_at`` is set and the breach stays."""
    deadline = _locked(deadline)
    if deadline.met_at is not None or deadline.status == Deadline.Status.CANCELLED:
        return deadline
    now = timezone.now()
    at = at or now
    if at > now:
        raise ApplicationError(_("完成时间不能晚于当前时间。"), code=ErrorCode.FUTURE_TIME)
    if deadline.paused_at is not None:
        _close_pause(deadline, at)
    deadline.met_at = at
    if deadline.breached_at is None and at > deadline.due_at:
        deadline.breached_at = deadline.due_at  # met after due, before the scan noticed: still a breach
    deadline.status = Deadline.Status.BREACHED if deadline.breached_at else Deadline.Status.MET
    deadline.save(update_fields=[
        "met_at", "breached_at", "status", "paused_at", "due_at", "warn_at", "final_warn_at", "used_fallback_calendar",
    ])
    audit_record(actor=actor, action="deadline.meet", obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, "met_at": at.isoformat(), "late": deadline.breached_at is not None})
    return deadline


def _reason(reason) -> tuple[str, dict]:
    """A reason's text (trimmed) and its message (``{}`` when a user typed it)."""
    text, message = stored(reason)
    return text.strip(), message


def _reason_detail(reason: str, message: dict) -> dict:
    return {"reason": reason, "reason_msg": message} if message else {"reason": reason}


@transaction.atomic
def deadline_pause(*, deadline: Deadline, reason: str | Text, actor, at: dt.datetime | None = None) -> Deadline:
    """Stop the clock from ``at``. ``reason``: what a user typed, or a :class:`~apps.core.notifications.Text`
    when the platform writes it (kept as its message, shown in each reader's language — issue 16)."""
    reason, message = _reason(reason)
    if not reason:
        raise ApplicationError(_("暂停计时必须填写原因。"), code=ErrorCode.REASON_REQUIRED)
    deadline = _locked(deadline)
    if deadline.status != Deadline.Status.OPEN:
        raise ApplicationError(_("只有进行中的时限可以暂停。"), code=ErrorCode.NOT_OPEN)
    at = at or timezone.now()
    if at >= deadline.due_at:
        # An expired clock cannot be stopped after the fact: the breach stands (the scan records it).
        raise ApplicationError(_("时限已到期，不能再暂停。"), code=ErrorCode.ALREADY_DUE)
    if at < deadline.starts_at:
        raise ApplicationError(_("暂停时间不能早于起算时间。"), code=ErrorCode.BEFORE_START)
    DeadlinePause.objects.create(deadline=deadline, paused_at=at, reason=reason, reason_msg=message,
                                 actor=acting_user(actor))
    deadline.paused_at = at
    deadline.status = Deadline.Status.PAUSED
    deadline.save(update_fields=["paused_at", "status"])
    audit_record(actor=actor, action="deadline.pause", obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, **_reason_detail(reason, message)})
    return deadline


def _close_pause(deadline: Deadline, at: dt.datetime) -> None:
    pause = deadline.pauses.filter(resumed_at__isnull=True).order_by("-paused_at").first()
    if pause:
        pause.resumed_at = at
        pause.save(update_fields=["resumed_at"])
    deadline.paused_at = None
    _recompute(deadline)


@transaction.atomic
def deadline_resume(*, deadline: Deadline, actor, at: dt.datetime | None = None) -> Deadline:
    deadline = _locked(deadline)
    if deadline.status != Deadline.Status.PAUSED:
        raise ApplicationError(_("该时限未处于暂停状态。"), code=ErrorCode.NOT_PAUSED)
    at = at or timezone.now()
    if at < deadline.paused_at:
        raise ApplicationError(_("恢复时间不能早于暂停时间。"), code=ErrorCode.BEFORE_PAUSE)
    _close_pause(deadline, at)
    deadline.status = Deadline.Status.OPEN
    deadline.save(update_fields=["paused_at", "status", "due_at", "warn_at", "final_warn_at", "used_fallback_calendar"])
    audit_record(actor=actor, action="deadline.resume", obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, "due_at": deadline.due_at.isoformat()})
    _moved(deadline)
    return deadline


@transaction.atomic
def deadline_cancel(*, deadline: Deadline, reason: str | Text, actor) -> Deadline:
    """End a clock that is owed no more (its subject closed, withdrawn, replaced). ``reason`` as for
    :func:`deadline_pause`; it is kept in the audit trail (``reason``, and ``reason_msg`` for a platform text)."""
    reason, message = _reason(reason)
    deadline = _locked(deadline)
    if deadline.met_at or deadline.breached_at or deadline.status == Deadline.Status.CANCELLED:
        return deadline
    deadline.status = Deadline.Status.CANCELLED
    deadline.save(update_fields=["status"])
    audit_record(actor=actor, action="deadline.cancel", obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, **_reason_detail(reason, message)})
    return deadline


@transaction.atomic
def deadline_extend(*, deadline: Deadline, amount: int, reason: str | Text, actor) -> Deadline:
    """Lengthen a running clock to ``amount`` (in its own unit, counted from its start) — e.g. a complaint's 15 days
    extended to 30 for a complex case. Only an open or paused clock not yet breached; ``amount`` must exceed the
    current length; the reason is required and audited with the old and new due instants. Due and warning instants
    are recomputed (pauses still count); warnings not yet due under the new length are sent again when they fall
    due; the rule's ``on_recompute`` handlers run (e.g. a case copying its due instant)."""
    reason, message = _reason(reason)
    if not reason:
        raise ApplicationError(_("延长时限必须填写原因。"), code=ErrorCode.REASON_REQUIRED)
    deadline = _locked(deadline)
    if (deadline.status not in (Deadline.Status.OPEN, Deadline.Status.PAUSED) or deadline.breached_at is not None
            or deadline.met_at is not None):
        raise ApplicationError(_("只有进行中或暂停中、尚未超期的时限可以延长。"), code=ErrorCode.NOT_OPEN)
    now = timezone.now()
    if deadline.status == Deadline.Status.OPEN and deadline.due_at < now:
        raise ApplicationError(_("时限已到期，不能再延长。"), code=ErrorCode.ALREADY_DUE)
    if int(amount) <= deadline.amount:
        raise ApplicationError(
            _("延长后的时限（%(new)s）必须大于当前时限（%(old)s）。") % {"new": amount, "old": deadline.amount},
            code=ErrorCode.NOT_LONGER)
    old_due, old_amount = deadline.due_at, deadline.amount
    deadline.amount = int(amount)
    _recompute(deadline)
    if deadline.warned_at is not None and deadline.warn_at > now:
        deadline.warned_at = None
    if deadline.final_warned_at is not None and deadline.final_warn_at and deadline.final_warn_at > now:
        deadline.final_warned_at = None
    deadline.save(update_fields=["amount", "due_at", "warn_at", "final_warn_at", "warned_at", "final_warned_at",
                                 "used_fallback_calendar"])
    audit_record(actor=actor, action="deadline.extend", obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, "old_amount": old_amount, "amount": deadline.amount,
                         "old_due_at": old_due.isoformat(), "due_at": deadline.due_at.isoformat(),
                         **_reason_detail(reason, message)})
    _moved(deadline)
    return deadline


@transaction.atomic
def deadlines_recompute(*, actor) -> int:
    """After a calendar correction or a newly entered arrangement: recompute due/warn instants (and whether they
    are provisional) of every open clock. Breaches stay recorded."""
    count = 0
    with calendar.memoized():
        for deadline in (
            Deadline.objects.select_for_update()
            .filter(status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED], breached_at__isnull=True,
                    met_at__isnull=True)
            .prefetch_related("pauses")
        ):
            old, old_fallback = deadline.due_at, deadline.used_fallback_calendar
            _recompute(deadline)
            if deadline.due_at != old or deadline.used_fallback_calendar != old_fallback:
                deadline.save(update_fields=["due_at", "warn_at", "final_warn_at", "used_fallback_calendar"])
                audit_record(actor=actor, action="deadline.recompute", obj=deadline, organization=deadline.responsible,
                             detail={"old_due_at": old.isoformat(), "due_at": deadline.due_at.isoformat(),
                                     "provisional": deadline.used_fallback_calendar})
                _moved(deadline)
                count += 1
    return count


def _scan_one(deadline: Deadline, apply: Callable[[Deadline], None], failed: set[int]) -> bool:
    """Apply one clock's state change and its rules' handlers in a savepoint. A handler that fails leaves the
    clock unchanged (it is retried by the next scan) and does not hold up the other clocks."""
    try:
        with transaction.atomic():
            apply(deadline)
    except Exception:
        logger.exception("deadline scan: clock %s (%s) failed; it is retried by the next scan", deadline.pk, deadline.rule)
        failed.add(deadline.pk)
        return False
    return True


def _breach(deadline: Deadline) -> None:
    """The due instant passed. An obligation is breached (recorded against the responsible party); a waiting
    period (``obligation=False``, e.g. the policyholder's 5 days of rule J5) has merely elapsed. Either way the
    rule's ``on_breach`` handlers run."""
    if deadline.obligation:
        deadline.breached_at = deadline.due_at
        deadline.status = Deadline.Status.BREACHED
        action = "deadline.breach"
    else:
        deadline.status = Deadline.Status.ELAPSED
        action = "deadline.elapsed"
    deadline.save(update_fields=["breached_at", "status"])
    audit_record(actor=SCAN, action=action, obj=deadline, organization=deadline.responsible,
                 detail={"rule": deadline.rule, "due_at": deadline.due_at.isoformat()})
    for handler in _BREACH_HANDLERS.get(deadline.rule, []):
        handler(deadline)


def deadline_scan(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Mark warnings and breaches; run the rules' handlers. Safe to run concurrently (SKIP LOCKED) and again."""
    now = now or timezone.now()
    counts = {"warned": 0, "final_warned": 0, "breached": 0, "reminded": 0, "failed": 0}
    running = [Deadline.Status.OPEN]
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True)
                .filter(status__in=running, due_at__lt=now, breached_at__isnull=True, met_at__isnull=True)
                .exclude(pk__in=failed)
                .select_related("responsible")
                .order_by("due_at", "pk")[:batch_size]
            )
            counts["breached"] += sum(_scan_one(deadline, _breach, failed) for deadline in batch)
        if len(batch) < batch_size:
            break
    for field, at_field, key in (("warned_at", "warn_at", "warned"), ("final_warned_at", "final_warn_at", "final_warned")):

        def warn(deadline: Deadline, field=field, key=key) -> None:
            setattr(deadline, field, now)
            deadline.save(update_fields=[field])
            audit_record(actor=SCAN, action=f"deadline.{key}", obj=deadline, organization=deadline.responsible,
                         detail={"rule": deadline.rule, "due_at": deadline.due_at.isoformat()})
            for handler in _WARNING_HANDLERS.get(deadline.rule, []):
                handler(deadline)

        while True:
            with transaction.atomic():
                batch = list(
                    Deadline.objects.select_for_update(skip_locked=True)
                    .filter(Q(status__in=running), **{f"{at_field}__lte": now, f"{field}__isnull": True})
                    .filter(due_at__gte=now)
                    .exclude(pk__in=failed)
                    .select_related("responsible")
                    .order_by("due_at", "pk")[:batch_size]
                )
                counts[key] += sum(_scan_one(deadline, warn, failed) for deadline in batch)
            if len(batch) < batch_size:
                break
    counts["reminded"] = _scan_reminders(now, failed, batch_size)
    counts["failed"] = len(failed)
    return counts


def reminder_at(deadline: Deadline, offset: int) -> dt.datetime:
    """When a clock reaches its fixed reminder ``offset`` (in its unit, from its start; pauses do not move it):
    the start of day ``offset`` for day clocks (day 0 is the starting day, as art. 201 counts), else the hour."""
    if deadline.unit == Deadline.Unit.HOURS:
        return deadline.starts_at + dt.timedelta(hours=offset)
    start = local_date(deadline.starts_at)
    if deadline.unit == Deadline.Unit.WORKING_DAYS:
        day = calendar.add_working_days(start, offset, deadline.calendar_region or None)[0] if offset else start
    else:
        day = start + dt.timedelta(days=offset)
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _scan_reminders(now: dt.datetime, failed: set[int], batch_size: int) -> int:
    """The rules' fixed reminders: for each running clock not yet due, the latest reminder reached and not yet
    dealt with is sent (its ``on_reminder`` handlers run); earlier ones it supersedes (a scan that ran late) are
    recorded as not sent, so no reminder is sent twice or stale."""
    offsets = {rule.key: rule.resolved_reminders() for rule in registered_rules()}
    offsets = {key: values for key, values in offsets.items() if values}
    if not offsets:
        return 0
    sent = 0
    seen: set[int] = set()
    pending = Q()  # clocks of each rule with fewer reminders dealt with than the rule has
    for key, values in offsets.items():
        done = (DeadlineReminder.objects.filter(deadline__rule=key).values("deadline")
                .annotate(n=models.Count("pk")).filter(n__gte=len(values)).values("deadline"))
        pending |= Q(rule=key) & ~Q(pk__in=done)
    with calendar.memoized():
        while True:
            with transaction.atomic():
                batch = list(
                    Deadline.objects.select_for_update(skip_locked=True)
                    .filter(pending, status=Deadline.Status.OPEN, starts_at__lte=now, due_at__gte=now)
                    .exclude(pk__in=failed | seen)
                    .select_related("responsible")
                    .prefetch_related("reminders")
                    .order_by("pk")[:batch_size]
                )
                for deadline in batch:
                    seen.add(deadline.pk)
                    done = {r.offset for r in deadline.reminders.all()}
                    reached = [o for o in offsets[deadline.rule] if o not in done and reminder_at(deadline, o) <= now]
                    if not reached:
                        continue

                    def remind(deadline: Deadline, reached=reached) -> None:
                        latest = reached[-1]
                        DeadlineReminder.objects.bulk_create(
                            [DeadlineReminder(deadline=deadline, offset=o, sent_at=now, sent=o == latest)
                             for o in reached])
                        audit_record(actor=SCAN, action="deadline.reminder", obj=deadline,
                                     organization=deadline.responsible,
                                     detail={"rule": deadline.rule, "offset": latest, "due_at": deadline.due_at.isoformat()})
                        for handler in _REMINDER_HANDLERS.get(deadline.rule, []):
                            handler(deadline, latest)

                    sent += _scan_one(deadline, remind, failed)
            if len(batch) < batch_size:
                break
    return sent


def remaining(deadline: Deadline, now: dt.datetime | None = None) -> dt.timedelta:
    now = now or timezone.now()
    end = deadline.met_at or now
    return deadline.due_at - end

