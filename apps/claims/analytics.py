"""Claims analytics (rule M14): vehicles and drivers with a high claim frequency or loss over a rolling window get
focused checks with their platform company; violators go into the industry credit file and may become leads.

The job is set-based SQL: one ``INSERT … SELECT … GROUP BY … HAVING`` per subject kind over the claims table
(indexes ``claim_occurred_vehicle`` / ``claim_driver_occurred``), one insert of the per-company lists and one
update linking the checks to them, whatever the number of claims (benchmark: ``benchmarks/claims_analytics.py``).

* frequency = claims that occurred in the window (refused ones included: they are still accidents);
* loss = the agreed amount, or the amount claimed while undecided; a refused claim counts 0.
A subject already put on a focused-check list within ``recheck_days`` is not listed again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.claims.errors import ErrorCode
from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import deadline_for, deadline_meet, deadline_start
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.notifications import Text, notify_organization
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.credit.models import CreditEvent
from apps.credit.services import credit_proposal_create
from apps.exchange.registry import IngestRejected
from apps.exchange.services import batches_send
from apps.leads.services import lead_report_by_company
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind

from .models import AnalyticsRun, AnalyticsThresholds, FocusedCheck, FocusedCheckList

logger = logging.getLogger(__name__)
BATCH_KIND = "focused_checks"
FOCUSED_CHECK_RULE = "claims.focused_check"
"""Rule M14: the company's period to record the result of every check of a list it received (subject: the list;
``CLAIM_FOCUSED_CHECK_DAYS`` natural days from the receipt), met when its last pending check is recorded."""
THRESHOLD_FIELDS = ("window_days", "vehicle_min_claims", "vehicle_min_loss", "driver_min_claims", "driver_min_loss",
                    "recheck_days")


# --- thresholds (versioned; association staff) ------------------------------------------------------------------


def thresholds_current() -> AnalyticsThresholds:
    """The newest version; version 1 with the defaults when none exists yet."""
    current = AnalyticsThresholds.objects.order_by("-version").first()
    if current is None:
        current, _created = AnalyticsThresholds.objects.get_or_create(version=1, defaults={"note": _("初始阈值")})
    return current


@transaction.atomic
def thresholds_update(*, actor, note: str = "", **values) -> AnalyticsThresholds:
    """Rule M14: the insurance association adjusts the thresholds. A change is a new version; none is edited."""
    rights.require(actor, "claims.add_analyticsthresholds", _("只有保险行业协会可以调整理赔分析阈值。"))
    current = thresholds_current()
    fields = {f: values.get(f, getattr(current, f)) for f in THRESHOLD_FIELDS}
    if all(fields[f] == getattr(current, f) for f in THRESHOLD_FIELDS):
        return current
    AnalyticsThresholds.objects.select_for_update().filter(pk=current.pk).first()  # serialise concurrent edits
    version = (AnalyticsThresholds.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    new = AnalyticsThresholds(version=version, note=(note or "").strip()[:200], created_by=acting_user(actor),
                              **fields)
    try:
        new.full_clean()
    except Exception as exc:  # ValidationError → one Chinese message with the fields
        raise ApplicationError(_("阈值填写有误，请检查。"), code=CoreErrorCode.INVALID,
                               extra={"fields": getattr(exc, "message_dict", {})}) from None
    if new.vehicle_min_claims < 1 or new.driver_min_claims < 1 or new.vehicle_min_loss <= 0 or new.driver_min_loss <= 0:
        raise ApplicationError(_("阈值必须大于零。"), code=CoreErrorCode.INVALID)
    new.save()
    audit_record(actor=actor, action="claims.thresholds_update", obj=new,
                 detail={"version": version, **{f: str(fields[f]) for f in THRESHOLD_FIELDS}})
    return new


# --- the job ------------------------------------------------------------------------------------------------------

# Loss per claim in fen (an integer: the aggregation adds 128-bit integers instead of numerics); refused: 0.
_LOSS_FEN = "(CASE WHEN c.decision = 'refused' THEN 0 ELSE COALESCE(c.amount_agreed, c.amount_claimed, 0) END * 100)::bigint"

# One statement: one pass over the window's claims (index-only on ``claim_analytics_window``) grouped by vehicle and
# by driver at once (GROUPING SETS), the recheck filter, the per-company lists and the checks linked to them.
# Only the constant _LOSS_FEN is interpolated (S608 is a false positive).
_RUN_SQL = f"""
WITH window_claims AS (
    SELECT c.vehicle_id, c.driver_id, {_LOSS_FEN} AS loss_fen
    FROM claims_claim c
    WHERE c.occurred_at >= %(start)s AND c.occurred_at < %(end)s
),
flagged AS (
    SELECT CASE WHEN GROUPING(w.vehicle_id) = 0 THEN 'vehicle' ELSE 'driver' END AS subject_kind,
           w.vehicle_id, w.driver_id, count(*) AS n, sum(w.loss_fen) AS loss_fen
    FROM window_claims w
    GROUP BY GROUPING SETS ((w.vehicle_id), (w.driver_id))
    HAVING (GROUPING(w.vehicle_id) = 0
            AND (count(*) >= %(vehicle_min_claims)s OR sum(w.loss_fen) >= %(vehicle_min_loss)s * 100))
        OR (GROUPING(w.driver_id) = 0 AND w.driver_id IS NOT NULL
            AND (count(*) >= %(driver_min_claims)s OR sum(w.loss_fen) >= %(driver_min_loss)s * 100))
),
subjects AS MATERIALIZED (
    SELECT f.subject_kind, f.vehicle_id, f.driver_id, f.n, f.loss_fen / 100.0 AS loss,
           COALESCE(v.company_id, d.company_id) AS company_id
    FROM flagged f
    LEFT JOIN vehicles_vehicle v ON v.id = f.vehicle_id
    LEFT JOIN vehicles_driver d ON d.id = f.driver_id
    WHERE NOT EXISTS (SELECT 1 FROM claims_focusedcheck x WHERE x.vehicle_id = f.vehicle_id
                      AND x.subject_kind = 'vehicle' AND x.created_at >= %(recheck_since)s)
      AND NOT EXISTS (SELECT 1 FROM claims_focusedcheck x WHERE x.driver_id = f.driver_id
                      AND x.subject_kind = 'driver' AND x.created_at >= %(recheck_since)s)
),
lists AS (
    INSERT INTO claims_focusedchecklist (run_id, company_id, batch_id, created_at)
    SELECT DISTINCT %(run)s::bigint, s.company_id, '', %(now)s::timestamptz FROM subjects s WHERE s.company_id IS NOT NULL
    RETURNING id, company_id
),
checks AS (
    INSERT INTO claims_focusedcheck (run_id, check_list_id, company_id, subject_kind, vehicle_id, driver_id,
                                     claim_count, loss_total, result, result_note, created_at)
    SELECT %(run)s, l.id, s.company_id, s.subject_kind, s.vehicle_id, s.driver_id, s.n, s.loss, 'pending', '',
           %(now)s
    FROM subjects s LEFT JOIN lists l ON l.company_id = s.company_id
    RETURNING subject_kind
)
SELECT count(*) FILTER (WHERE subject_kind = 'vehicle'), count(*) FILTER (WHERE subject_kind = 'driver'),
       (SELECT count(*) FROM lists)
FROM checks
"""  # noqa: S608


def _association() -> Organization | None:
    return Organization.objects.filter(kind=OrganizationKind.INSURANCE_ASSOCIATION, is_active=True).order_by("pk").first()


SCHEDULED_JOB = "claims.analytics_run"


def scheduled_actor() -> rights.SystemActor:
    """Who the scheduled analytics acts as: the platform, on behalf of the insurance association (rule M14)."""
    return rights.SystemActor(SCHEDULED_JOB, organization=_association())


@transaction.atomic
def analytics_run(*, actor, as_of: dt.datetime | None = None, send: bool = True) -> AnalyticsRun:
    """Run the claims analytics over the window ending at ``as_of`` (default now) and send each platform company its
    focused-check list through the exchange (``send``). The scheduled job acts as ``scheduled_actor()``."""
    rights.require(actor, "claims.add_analyticsrun", _("只有保险行业协会可以运行理赔数据分析。"))
    thresholds = thresholds_current()
    now = timezone.now()
    as_of = as_of or now
    start = as_of - dt.timedelta(days=thresholds.window_days)
    run = AnalyticsRun.objects.create(
        thresholds=thresholds, as_of=as_of, window_start=start,
        triggered_by=acting_user(actor),
    )
    params = {"run": run.pk, "now": now, "start": start, "end": as_of,
              "recheck_since": now - dt.timedelta(days=thresholds.recheck_days)}
    params.update({f: getattr(thresholds, f) for f in THRESHOLD_FIELDS if f.endswith(("_claims", "_loss"))})
    with connection.cursor() as cursor:
        # This job only: the grouping of a city's claims needs more than the default 4 MB to stay in memory, and
        # the planner cannot estimate how many groups pass HAVING (it guesses a few hundred where tens of
        # thousands may) — hash joins over the registers are right for a city-wide job, nested loops are not.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_RUN_SQL, params)
        run.vehicles_flagged, run.drivers_flagged, run.lists_created = cursor.fetchone()
    run.finished_at = timezone.now()
    run.save(update_fields=["vehicles_flagged", "drivers_flagged", "lists_created", "finished_at"])
    audit_record(actor=actor, action="claims.analytics_run", obj=run,
                 organization=getattr(actor, "organization", None) or _association(),
                 detail={"thresholds": thresholds.version, "vehicles": run.vehicles_flagged,
                         "drivers": run.drivers_flagged, "lists": run.lists_created})
    if send and run.lists_created:
        focused_lists_send(run=run, actor=actor)
    return run


# The rows of a run's lists, in list order: one statement (no model instances, nothing decrypted — a row carries no
# personal data), read in full by a plain cursor.
_ROWS_SQL = """
SELECT f.check_list_id, f.id, f.subject_kind, v.plate, v.vin, f.driver_id, d.qualification_no, f.claim_count,
       f.loss_total
FROM claims_focusedcheck f
LEFT JOIN vehicles_vehicle v ON v.id = f.vehicle_id
LEFT JOIN vehicles_driver d ON d.id = f.driver_id
WHERE f.check_list_id = ANY(%s)
ORDER BY f.check_list_id, f.subject_kind, f.id
"""


def _rows_by_list(run: AnalyticsRun, list_ids: list[int]) -> dict[int, list[dict]]:
    """Each list's rows as the company's system receives them (no personal data: the company knows its own
    drivers); the window's two instants are formatted once for all rows."""
    window_start, window_end = run.window_start.isoformat(), run.as_of.isoformat()
    rows: dict[int, list[dict]] = {pk: [] for pk in list_ids}
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL, [list_ids])
        for list_id, check_id, kind, plate, vin, driver_id, qualification_no, claims, loss in cursor.fetchall():
            rows[list_id].append({
                "check_id": check_id, "list_id": list_id, "subject_kind": kind, "plate": plate or "",
                "vin": vin or "", "driver_id": driver_id, "driver_qualification_no": qualification_no or "",
                "claim_count": claims, "loss_total": str(loss), "window_start": window_start,
                "window_end": window_end,
            })
    return rows


@transaction.atomic
def focused_lists_send(*, run: AnalyticsRun, actor) -> int:
    """Send each company its list of the run (one exchange batch per company, sealed and signed, rule M3); all the
    run's batches are written in one transaction, and delivered after it commits. The lists are the insurance
    association's: an operator (or the scheduled job) sends them as the platform acting for the association."""

    rights.require(actor, "claims.add_analyticsrun", _("只有保险行业协会可以运行理赔数据分析。"))
    own = getattr(actor, "organization", None)
    sender = own if own is not None and own.kind == OrganizationKind.INSURANCE_ASSOCIATION else _association()
    if sender is None:
        logger.warning("claims analytics: no insurance association to send focused-check lists from")
        return 0
    lists = list(run.lists.filter(sent_at__isnull=True).select_related("company"))
    rows = _rows_by_list(run, [check_list.pk for check_list in lists])
    sending = actor if actor.organization_id == sender.pk else rights.SystemActor("claims.focused_lists_send",
                                                                                   organization=sender)
    # sealed and signed one batch per company, written in bulk (``batches_send``)
    batches = batches_send(kind=BATCH_KIND, sender=sender, actor=sending, batches=[
        (check_list.company, rows[check_list.pk], [f"FC{check_list.pk}"]) for check_list in lists])
    sent_at = timezone.now()
    for check_list, batch in zip(lists, batches, strict=True):
        check_list.batch_id, check_list.sent_at = str(batch.pk), sent_at
    FocusedCheckList.objects.bulk_update(lists, ["batch_id", "sent_at"])
    return len(batches)


def ingest_focused_checks(batch, rows: list[dict], receipt_at: dt.datetime) -> list[str]:
    """Exchange handler (the company's side): the list is known to the company from the receipt on, which starts
    its clock for the results (``FOCUSED_CHECK_RULE``)."""

    list_ids = sorted({row.get("list_id") for row in rows if row.get("list_id")})
    lists = list(FocusedCheckList.objects.filter(pk__in=list_ids, company_id=batch.recipient_id))
    if len(lists) != len(list_ids):
        raise IngestRejected(_("重点核查清单与接收单位不符。"), code="focused_list_mismatch")
    refs = []
    for check_list in lists:
        if check_list.received_at is None:
            check_list.received_at = receipt_at
            check_list.save(update_fields=["received_at"])
            # CLAIM_FOCUSED_CHECK_DAYS natural days, from the rule's registration
            deadline_start(rule=FOCUSED_CHECK_RULE, subject=check_list, responsible=check_list.company,
                           starts_at=receipt_at,
                           actor=rights.SystemActor(f"exchange.ingest.{BATCH_KIND}", organization=check_list.company))
            notify_organization(
                organization=check_list.company, title=Text(gettext_noop("收到理赔数据分析重点核查清单")),
                body=Text(gettext_noop("保险行业协会根据理赔数据分析，列出了出险频次或赔款金额较高的车辆和驾驶员，请逐一核查并录入结果。")),
                link=f"/claims/checks/?list={check_list.pk}", kind="claims.focused_checks",
                dedup_key=f"claims.focused_list.{check_list.pk}",
            )
        refs.append(f"FC{check_list.pk}")
    return refs


# --- the company's result --------------------------------------------------------------------------------------


@transaction.atomic
def focused_check_record(*, actor, check: FocusedCheck, result: str, note: str, report_lead: bool = False) -> FocusedCheck:
    """Rule M14: the platform company records what the focused check found. A violation goes into the industry
    credit file (credit app); with ``report_lead`` the vehicle is also reported as a suspected illegal-operation
    lead (leads app, company report)."""
    refused = _("只有被列入清单车辆所属的企业可以录入核查结果。")
    rights.require(actor, "claims.change_focusedcheck", refused)
    if actor.organization_id != check.company_id:
        raise PermissionDeniedError(refused)
    check = FocusedCheck.objects.select_for_update(of=("self",)).select_related("vehicle", "driver").get(pk=check.pk)
    if check.result != FocusedCheck.Result.PENDING:
        raise ApplicationError(_("该重点核查已录入结果。"), code=ErrorCode.ALREADY_RECORDED)
    if result not in (FocusedCheck.Result.NO_VIOLATION, FocusedCheck.Result.VIOLATION):
        raise ApplicationError(_("核查结果无效。"), code=CoreErrorCode.INVALID, extra={"fields": {"result": [_("取值无效")]}})
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写核查情况。"), code=CoreErrorCode.NOTE_REQUIRED, extra={"fields": {"note": [_("必填")]}})
    bound_text(FocusedCheck, limit=NOTE_MAX, result_note=note)
    check.result, check.result_note, check.checked_at = result, note, timezone.now()
    check.checked_by = acting_user(actor)
    if result == FocusedCheck.Result.VIOLATION:
        # rule M2: proposed to the association keeping the file; its acceptance sets check.credit_record
        subject = check.vehicle if check.subject_kind == FocusedCheck.SubjectKind.VEHICLE else check.driver
        credit_proposal_create(
            subject=subject, event=CreditEvent.CLAIMS_VIOLATION, severity="moderate", source=check,
            occurred_on=timezone.localdate(),
            reason=Text(gettext_noop("理赔数据分析重点核查发现违规：%(note)s"), note=note),
            evidence_link=f"/claims/checks/{check.pk}/", actor=actor,
        )
        if report_lead and check.vehicle is not None and check.vehicle.plate:
            lead = lead_report_by_company(
                actor=actor, plate=check.vehicle.plate,
                evidence=Text(gettext_noop("理赔数据分析重点核查（出险 %(n)d 次，赔款 %(loss)s 元）：%(note)s"),
                              n=check.claim_count, loss=str(check.loss_total), note=note),
            )
            check.lead = lead
    check.save(update_fields=["result", "result_note", "checked_at", "checked_by", "credit_record", "lead"])
    audit_record(actor=actor, action="claims.focused_check_record", obj=check, organization=actor.organization,
                 detail={"result": result, "credit_record": check.credit_record_id, "lead": check.lead_id})
    if check.check_list_id and not FocusedCheck.objects.filter(check_list_id=check.check_list_id,
                                                               result=FocusedCheck.Result.PENDING).exists():
        # the list's last result: the company's clock for the list is met
        clock = deadline_for(rule=FOCUSED_CHECK_RULE, subject=check.check_list)
        if clock is not None and clock.met_at is None:
            deadline_meet(deadline=clock, at=check.checked_at, actor=actor)
    return check
