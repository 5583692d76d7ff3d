"""The lawful operating vehicle list (合法营运车辆清单) and its screening (rule M6).

Transport pushes, on a schedule (``LAWFUL_LIST_PUSH_SECONDS``, default daily), every vehicle holding a valid
operating permit; the regulator screens the list SET-BASED against the policies in force at the moment it
received it (one SQL statement for the whole list, built from the registers' own definitions and checked against
``apps.policies.verification.verify_vehicle``), and finds

* ``insured_as_non_operating`` — holds a valid operating permit but a policy in force insures it as
  non-operating (未按营运性质投保): one finding per such policy, for its insurer — an ENDORSEMENT item (批改:
  change the usage nature, re-rate), not a rescission case: the vehicle is a lawful operating vehicle;
* ``uninsured`` — holds a valid operating permit but no policy is in force: for the regulator's summary.

Nothing reaches an insurer before the regulator has reviewed it: every finding starts ``pending``; the regulator
confirms findings (one by one or in bulk) or excludes them with a reason (``screening_findings_review``), reads
the preview of what each insurer will receive (``screening_dispatch_preview``: how many vehicles, which insurers,
each row's text) and confirms it (``screening_dispatch``), which sends exactly the previewed rows.

Vehicles of more than 7 seats are outside the mechanism (rule M1) and are counted, not reported.
``benchmarks/screening.py`` measures ``screen`` against one hand-written SQL statement on 100,000 listed
vehicles and 1,000,000 policies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BooleanField, Count, FilteredRelation, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.notifications import Text, notify_organization
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.exchange.services import batch_send
from apps.leads.errors import ErrorCode
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.models import Policy
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import NON_OPERATING_NATURES, UsageNature

from . import services
from .models import LawfulListRun, ScreeningFinding

FindingKind = ScreeningFinding.Kind


@dataclass(frozen=True, slots=True)
class Hit:
    vehicle_id: int
    permit_id: int | None
    kind: str
    policy_id: int | None = None
    insurer_id: int | None = None
    policy_number: str = ""
    insurer_name: str = ""
    usage_nature: str = ""


# --- the list (transport's side) ---------------------------------------------------------------------------------


def lawful_list_rows(at: dt.datetime) -> list[dict]:
    """Every vehicle with a permit valid at ``at`` (Asia/Shanghai date; not revoked by then), one row each with
    its longest-valid permit."""

    day = local_date(at)
    permits = (
        OperatingPermit.objects.filter(valid_from__lte=day, valid_to__gte=day)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))
        .order_by("vehicle_id", "-valid_to", "id").distinct("vehicle_id")
        .values_list("vehicle_id", "id", "number", "kind", "valid_to", "vehicle__plate", "vehicle__vin")
    )
    return [
        {"vehicle_id": vid, "permit_id": pid, "permit_no": number, "permit_kind": kind,
         "valid_to": valid_to.isoformat(), "plate": plate or "", "vin": vin}
        for vid, pid, number, kind, valid_to, plate, vin in permits.iterator(chunk_size=10000)
    ]


@transaction.atomic
def lawful_list_push(*, actor, at: dt.datetime | None = None) -> LawfulListRun:
    """Rule M6: push the lawful operating vehicle list to the regulator as one batch (kind ``lawful_list``).

    ``actor``: a transport officer, or the scheduled push (``SystemActor`` acting for the transport bureau)."""
    sender = services.acting_party(actor, "leads.add_lawfullistrun", OrganizationKind.TRANSPORT,
                                   _("只有交通运输部门可以推送合法营运车辆清单。"))
    at = at or timezone.now()
    recipient = services.organization_of_kind(OrganizationKind.REGULATOR)
    rows = lawful_list_rows(at)
    run = LawfulListRun.objects.create(
        sender=sender, recipient=recipient, listed_on=local_date(at), vehicle_count=len(rows),
        pushed_by=acting_user(actor),
    )
    run.batch = batch_send(kind="lawful_list", sender=sender, recipient=recipient, rows=rows,
                           refs=[f"LL{run.pk}"], actor=actor)
    run.save(update_fields=["batch"])
    audit_record(actor=actor, action="leads.lawful_list_push", obj=run, organization=sender,
                 detail={"vehicles": len(rows), "batch": str(run.batch.pk)})
    return run


# --- screening (the regulator's side) ----------------------------------------------------------------------------


def screen(entries: Sequence[tuple[int, int | None]], at: dt.datetime) -> tuple[list[Hit], dict]:
    """Screen ``(vehicle_id, permit_id)`` pairs against the policies in force at ``at`` — set-based.

    ONE SQL statement for the whole list: the listed vehicles in scope (rule M1) LEFT JOINed to their policies in
    force, keeping the policies insured as non-operating and the vehicles with none in force. It is built from
    the registers' own definitions — ``Policy.in_force_q`` (in force at T), ``NON_OPERATING_NATURES`` and
    ``VEHICLE_SCOPE_MAX_SEATS`` — so its findings are those of ``verify_vehicle`` (the test-suite checks they
    agree vehicle by vehicle); ``verify_vehicles`` itself also computes permits, coverage gaps and double
    compulsory insurance for every vehicle, which the list does not need and which takes about three times
    as long on 100,000 vehicles.
    """

    permit_of = dict(entries)
    # "= ANY(array)": one parameter whatever the list's length, and PostgreSQL sizes the array for its plan.
    listed = RawSQL('"vehicles_vehicle"."id" = ANY(%s::bigint[])', [list(permit_of)], output_field=BooleanField())
    in_force = FilteredRelation("policies", condition=Policy.in_force_q(at, prefix="policies__"))
    rows = (
        Vehicle.objects.filter(listed, seats__lte=VEHICLE_SCOPE_MAX_SEATS)
        .annotate(pf=in_force)
        .filter(Q(pf__id__isnull=True) | Q(pf__usage_nature_insured__in=sorted(NON_OPERATING_NATURES)))
        .values_list("pk", "pf__id", "pf__insurer_id", "pf__number", "pf__usage_nature_insured")
        .order_by()
    )
    # The insurers are a few dozen rows: their names once, rather than a join repeated on every finding.
    names = dict(Organization.objects.filter(kind=OrganizationKind.INSURER).values_list("pk", "name"))
    uninsured, non_operating = FindingKind.UNINSURED, FindingKind.INSURED_AS_NON_OPERATING
    hits = [
        Hit(vid, permit_of[vid], uninsured) if policy_id is None
        else Hit(vid, permit_of[vid], non_operating, policy_id, insurer_id, number, names.get(insurer_id, ""), usage)
        for vid, policy_id, insurer_id, number, usage in rows
    ]
    counts = Counter({"listed": len(permit_of)})
    counts["uninsured"] = sum(1 for h in hits if h.kind == FindingKind.UNINSURED)
    counts["insured_as_non_operating"] = len({h.vehicle_id for h in hits if h.kind != FindingKind.UNINSURED})
    return hits, dict(counts)


def _finding_texts(at: dt.datetime):
    """``text(hit, row)`` with the labels and templates looked up once for the whole list."""

    at_text = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    usage = {value: str(label) for value, label in UsageNature.choices}
    uninsured = _("持有有效运输证 %(permit)s，但在 %(at)s 无任何有效保单（规则 M6）。")
    non_operating = _("持有有效运输证 %(permit)s，但%(insurer)s保单 %(policy)s 按“%(usage)s”承保，未按营运性质投保（规则 M6）。")

    def text(hit: Hit, row: dict) -> str:
        if hit.kind == FindingKind.UNINSURED:
            return uninsured % {"permit": row.get("permit_no", ""), "at": at_text}
        return non_operating % {"permit": row.get("permit_no", ""), "insurer": hit.insurer_name,
                                "policy": hit.policy_number, "usage": usage.get(hit.usage_nature, hit.usage_nature)}

    return text


def _scope_counts(vehicle_ids: list[int]) -> tuple[int, int]:
    """How many listed vehicles the register knows, and how many of them are outside rule M1's scope."""

    listed = RawSQL('"vehicles_vehicle"."id" = ANY(%s::bigint[])', [vehicle_ids], output_field=BooleanField())
    totals = Vehicle.objects.filter(listed).aggregate(
        known=Count("pk"), out=Count("pk", filter=Q(seats__gt=VEHICLE_SCOPE_MAX_SEATS)))
    return totals["known"], totals["out"]


def lawful_list_screen(*, actor, run: LawfulListRun, rows: list[dict], at: dt.datetime) -> LawfulListRun:
    """Screen a received list, keep the findings (pending the regulator's review: nothing is sent to insurers
    here), summarise for the regulator.

    Runs inside the ingest transaction of the ``lawful_list`` batch (``at`` = its receipt time); ``actor`` is
    the exchange's delivery acting for the regulator (the run's recipient).
    """
    if actor.organization_id != run.recipient_id:
        raise PermissionDeniedError(_("只有清单的接收单位可以比对该清单。"))
    started = time.perf_counter()
    hits, counts = screen([(r["vehicle_id"], r.get("permit_id")) for r in rows], at)
    screen_ms = int((time.perf_counter() - started) * 1000)
    row_of = {r["vehicle_id"]: r for r in rows}
    text = _finding_texts(at)
    findings = ScreeningFinding.objects.bulk_create(
        [
            ScreeningFinding(
                run=run, vehicle_id=h.vehicle_id, permit_id=h.permit_id, insurer_id=h.insurer_id,
                policy_id=h.policy_id, kind=h.kind, plate=row_of[h.vehicle_id].get("plate", ""),
                finding=text(h, row_of[h.vehicle_id]),
            )
            for h in hits
        ],
        batch_size=5000,
    )
    per_insurer = Counter(f.insurer_id for f in findings if f.insurer_id)
    known, out_of_scope = _scope_counts([r["vehicle_id"] for r in rows])
    flagged = counts.get("uninsured", 0) + counts.get("insured_as_non_operating", 0)
    run.summary = {
        "listed": counts.get("listed", 0),
        "not_in_scope": out_of_scope,
        "insured_as_operating": known - out_of_scope - flagged,
        "insured_as_non_operating_vehicles": counts.get("insured_as_non_operating", 0),
        "uninsured": counts.get("uninsured", 0),
        "unknown_vehicle": counts.get("listed", 0) - known,
        "findings": len(findings),
        "per_insurer": {str(k): v for k, v in sorted(per_insurer.items())},
        "worklist_batches": [],
    }
    run.state = LawfulListRun.State.SCREENED
    run.received_at = at
    run.screened_at = timezone.now()
    run.screen_ms = screen_ms
    run.save(update_fields=["summary", "state", "received_at", "screened_at", "screen_ms"])
    audit_record(actor=actor, action="leads.lawful_list_screen", obj=run, organization=run.recipient,
                 detail={k: v for k, v in run.summary.items() if k != "worklist_batches"})
    notify_organization(
        organization=run.recipient,
        title=Text(gettext_noop("合法营运车辆清单（%(day)s）比对完成：按非营运投保 %(a)d 辆，无有效保单 %(b)d 辆，请审核后下发"),
                   day=run.listed_on.isoformat(), a=run.summary["insured_as_non_operating_vehicles"],
                   b=run.summary["uninsured"]),
        link=f"/leads/screening/{run.pk}/", kind="leads.screening", dedup_key=f"screening:run:{run.pk}",
    )
    return run


# --- the regulator's review and the dispatch preview (rule M6: nothing reaches an insurer unreviewed) ------------


REVIEW_PERM = "leads.review_screeningfinding"


def _reviewer(actor, run: LawfulListRun) -> Organization:
    rights.require(actor, REVIEW_PERM, _("只有金融监管部门可以审核清单比对发现。"))
    if actor.organization_id != run.recipient_id:
        raise PermissionDeniedError(_("只有清单的接收单位可以审核该清单的比对发现。"))
    return run.recipient


@transaction.atomic
def screening_findings_review(
    *, actor, run: LawfulListRun, finding_ids, decision: str, reason: str = "",
) -> int:
    """The regulator confirms findings of ``run`` (they may then be sent to insurers) or excludes them with a
    reason (they never are). Only pending findings are reviewed; a finding already sent cannot be reviewed again.
    Stores nothing in any other party's inbox. Returns how many findings were reviewed."""
    _reviewer(actor, run)
    Review = ScreeningFinding.Review
    if decision not in (Review.CONFIRMED, Review.EXCLUDED):
        raise ApplicationError(_("审核结论只能是“确认”或“排除”。"), code=ErrorCode.REVIEW_INVALID,
                               extra={"fields": {"decision": [_("请选择审核结论。")]}})
    reason = (reason or "").strip()
    if decision == Review.EXCLUDED and not reason:
        raise ApplicationError(_("排除比对发现须填写理由。"), code=ErrorCode.REVIEW_REASON_REQUIRED,
                               extra={"fields": {"reason": [_("排除比对发现须填写理由。")]}})
    bound_text(ScreeningFinding, limit=NOTE_MAX, review_reason=reason)
    ids = sorted({int(i) for i in finding_ids or ()})
    if not ids:
        raise ApplicationError(_("请选择要审核的比对发现。"), code=ErrorCode.NOTHING_SELECTED)
    findings = list(ScreeningFinding.objects.select_for_update().filter(run=run, pk__in=ids).order_by("pk"))
    if len(findings) != len(ids):
        raise ApplicationError(_("所选比对发现不属于该清单。"), code=ErrorCode.FINDING_OTHER_RUN)
    done = [f.plate or str(f.pk) for f in findings if f.review != Review.PENDING]
    if done:
        raise ConflictError(_("以下比对发现已审核，不能重复审核：%(p)s。") % {"p": "、".join(done)}, code=ErrorCode.FINDING_REVIEWED)
    now = timezone.now()
    ScreeningFinding.objects.filter(pk__in=ids).update(review=decision, review_reason=reason,
                                                       reviewed_by=acting_user(actor), reviewed_at=now)
    audit_record(actor=actor, action="leads.screening_review", obj=run, organization=run.recipient,
                 detail={"decision": decision, "findings": ids, "reason": reason})
    return len(ids)


def _endorsement_text(run: LawfulListRun, finding: ScreeningFinding) -> str:
    return _(
        "合法营运车辆清单（%(day)s）比对：%(text)s 该车持有效运输证，属合法营运车辆。请办理批改：将承保使用性质变更为营运"
        "并重新核定保费（交强险按规则 J8/J9），并答复办理结果；此项不属于解除合同情形。"
    ) % {"day": run.listed_on.isoformat(), "text": finding.finding}


@dataclass(frozen=True)
class DispatchPreview:
    """What confirming the dispatch would send: one worklist batch per insurer with these rows."""

    run: LawfulListRun
    per_insurer: list[tuple[Organization, list[dict]]]
    pending: int
    digest: str

    @property
    def rows(self) -> list[dict]:
        return [row for _insurer, rows in self.per_insurer for row in rows]

    @property
    def vehicles(self) -> int:
        return len({row["vehicle_id"] for row in self.rows})

    @property
    def insurers(self) -> list[Organization]:
        return [insurer for insurer, _rows in self.per_insurer]

    def as_dict(self) -> dict:
        return {
            "run": self.run.pk, "digest": self.digest, "vehicles": self.vehicles, "items": len(self.rows),
            "pending_review": self.pending,
            "insurers": [{"id": insurer.pk, "name": insurer.name, "items": len(rows),
                          "rows": [{k: row[k] for k in ("screening_finding_id", "plate", "policy_no", "summary")}
                                   for row in rows]}
                         for insurer, rows in self.per_insurer],
        }


def screening_dispatch_preview(*, actor, run: LawfulListRun) -> DispatchPreview:
    """Rule M6, before insurers' obligations start: the confirmed findings not yet sent, per insurer, with the
    text each will receive and a digest the confirmation must quote. Reads only."""
    _reviewer(actor, run)
    findings = (ScreeningFinding.objects.filter(
        run=run, review=ScreeningFinding.Review.CONFIRMED, dispatched_at__isnull=True,
        kind=FindingKind.INSURED_AS_NON_OPERATING, insurer__isnull=False, policy__isnull=False)
        .select_related("insurer", "policy").order_by("insurer_id", "plate", "pk"))
    per_insurer: dict[int, tuple[Organization, list[dict]]] = {}
    for f in findings:
        per_insurer.setdefault(f.insurer_id, (f.insurer, []))[1].append({
            "row_key": f"screening:{f.pk}", "screening_finding_id": f.pk, "policy_id": f.policy_id,
            "policy_no": f.policy.number, "insurer_id": f.insurer_id, "vehicle_id": f.vehicle_id, "plate": f.plate,
            "summary": _endorsement_text(run, f),
        })
    ordered = [per_insurer[k] for k in sorted(per_insurer)]
    keys = [row["row_key"] + "|" + row["summary"] for _i, rows in ordered for row in rows]
    digest = hashlib.sha256("\n".join([f"LL{run.pk}", *keys]).encode()).hexdigest()
    pending = ScreeningFinding.objects.filter(run=run, review=ScreeningFinding.Review.PENDING).count()
    return DispatchPreview(run=run, per_insurer=ordered, pending=pending, digest=digest)


@transaction.atomic
def screening_dispatch(*, actor, run: LawfulListRun, digest: str) -> list:
    """Confirm the previewed dispatch: exactly the rows of the preview whose ``digest`` is quoted go to the
    insurers' worklists (one batch per insurer). A preview that no longer matches is refused."""
    run = LawfulListRun.objects.select_for_update().select_related("recipient").get(pk=run.pk)
    preview = screening_dispatch_preview(actor=actor, run=run)
    if not preview.rows:
        raise ConflictError(_("没有已确认且待下发的比对发现。"), code=ErrorCode.NOTHING_TO_DISPATCH)
    if (digest or "") != preview.digest:
        raise ConflictError(_("预览之后待下发的内容已有变化，请重新预览后再确认。"), code=ErrorCode.PREVIEW_STALE)
    rows = [{k: v for k, v in row.items() if k != "vehicle_id"} for row in preview.rows]
    batches = services.send_rows_per_insurer(kind="worklist", sender=run.recipient, rows=rows, ref=f"LL{run.pk}",
                                             actor=actor)
    ScreeningFinding.objects.filter(pk__in=[row["screening_finding_id"] for row in rows]).update(
        dispatched_at=timezone.now())
    run.summary = {**(run.summary or {}),
                   "worklist_batches": [*(run.summary or {}).get("worklist_batches", []), *(str(b.pk) for b in batches)]}
    run.save(update_fields=["summary"])
    audit_record(actor=actor, action="leads.screening_dispatch", obj=run, organization=run.recipient,
                 detail={"digest": preview.digest, "items": len(rows), "vehicles": preview.vehicles,
                         "insurers": [i.name for i in preview.insurers], "batches": [str(b.pk) for b in batches]})
    return batches
