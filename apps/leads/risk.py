"""The risk identification model (风险识别模型, rule M8): pluggable, set-based features and weighted scores.

A feature is a function ``fn(at) -> {vehicle_id: (value, reason)}`` that computes, in a few SQL statements for
the whole city, a number for every vehicle where the feature applies (0 / absent elsewhere) and the reason in
words. Apps add theirs in their ``AppConfig.ready()``:

    from apps.leads.risk import register_feature

    def claims_at_night(at):            # one query, whatever the number of vehicles
        return {vid: (n, f"近一年夜间出险 {n} 次") for vid, n in ...}

    register_feature("claims_at_night", "夜间出险次数", claims_at_night, default_weight=1)

A vehicle's score = Σ weight × value over the features (weights from the newest ``RiskModelWeights`` version,
edited by insurance association staff; a feature without a weight there uses its ``default_weight``). Each
vehicle whose score reaches the threshold becomes an insurance → transport lead carrying the score and the
reasons, and the new leads are pushed to transport as one batch.

Before anything is sent (the model pushes work to transport): a run is a PREVIEW — it scores and stores the
scores, creates no lead and sends nothing. ``risk_model_preview`` says what transport would receive (how many
vehicles, each one's score and reasons, and a digest); association staff confirm with that digest
(``risk_model_run_confirm``), and exactly the previewed vehicles become leads, pushed as one batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import local_date
from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.notifications import Text, notify_organization, stored
from apps.core.registry import Registry
from apps.leads.errors import ErrorCode
from apps.parties.models import Organization, OrganizationKind
from apps.policies.models import Policy
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import NON_OPERATING_NATURES

from . import conf, services
from .models import Direction, Lead, RiskModelRun, RiskModelWeights, RiskScore, Source, Status

FeatureFn = Callable[[dt.datetime], dict[int, tuple[float | int | Decimal, str]]]


@dataclass(frozen=True)
class Feature:
    key: str
    label: str
    fn: FeatureFn
    default_weight: Decimal
    order: int


_FEATURES: Registry[Feature] = Registry("risk features")


def register_feature(key: str, label, fn: FeatureFn, *, default_weight=1, order: int = 100) -> Feature:
    """Add a feature of the risk model; call it from an AppConfig.ready() (``apps.core.registry``: the same key
    twice is an error unless it is the same feature)."""
    if not key or not key.replace("_", "").isalnum():
        raise ValueError(f"invalid feature key {key!r}")
    feature = Feature(key, label, fn, Decimal(str(default_weight)), order)
    return _FEATURES.register(key, feature)


def features() -> list[Feature]:
    return sorted(_FEATURES.values(), key=lambda f: (f.order, f.key))


def weights_in_use() -> RiskModelWeights | None:
    return RiskModelWeights.objects.order_by("-version").first()


def effective_weights(version: RiskModelWeights | None) -> tuple[dict[str, Decimal], Decimal]:
    """``{feature: weight}`` for every registered feature, and the threshold."""
    stored = version.weights if version else {}
    weights = {f.key: Decimal(str(stored[f.key])) if f.key in stored else f.default_weight for f in features()}
    threshold = version.threshold if version else conf.risk_model_default_threshold()
    return weights, threshold


# --- the leads app's own features ---------------------------------------------------------------------------------


def _non_operating_in_force(at: dt.datetime):
    return Policy.objects.filter(Policy.in_force_q(at), usage_nature_insured__in=NON_OPERATING_NATURES)


def feature_non_operating_in_ledger(at: dt.datetime) -> dict:
    """A vehicle in a taxi company's ledger but insured as non-operating (rule M8, M9)."""
    rows = (_non_operating_in_force(at).filter(vehicle__company__isnull=False)
            .values_list("vehicle_id", "vehicle__company__name", "number").order_by("vehicle_id", "id"))
    out: dict[int, tuple[int, str]] = {}
    for vid, company, number in rows:
        if vid not in out:
            out[vid] = (1, Text(gettext_noop("登记在%(company)s的车辆台账中，但保单 %(policy)s 按非营运性质投保"),
                                company=company, policy=number))
    return out


def feature_non_operating_with_permit(at: dt.datetime) -> dict:
    """A vehicle holding a valid operating permit but insured as non-operating (rule M6, M8)."""

    day = local_date(at)
    valid = OperatingPermit.objects.filter(vehicle_id=OuterRef("vehicle_id"), valid_from__lte=day, valid_to__gte=day).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))
    rows = (_non_operating_in_force(at).filter(Exists(valid)).values_list("vehicle_id", "number")
            .order_by("vehicle_id", "id"))
    out: dict[int, tuple[int, str]] = {}
    for vid, number in rows:
        if vid not in out:
            out[vid] = (1, Text(gettext_noop("持有有效运输证，但保单 %(policy)s 按非营运性质投保"), policy=number))
    return out


def feature_penalties(at: dt.datetime) -> dict:
    """Penalties for illegal operation in the look-back period (rule M7)."""
    from .models import Penalty

    today = local_date(at)
    since = today - dt.timedelta(days=conf.risk_penalty_lookback_days())
    rows = (Penalty.objects.filter(vehicle__isnull=False, decided_on__gte=since, decided_on__lte=today)
            .values("vehicle_id").annotate(n=Count("id")).values_list("vehicle_id", "n"))
    days = conf.risk_penalty_lookback_days()
    return {vid: (n, Text(gettext_noop("近 %(days)d 天内受到非法营运处罚 %(n)d 次"), days=days, n=n)) for vid, n in rows}


def feature_confirmed_leads(at: dt.datetime) -> dict:
    """Earlier leads on the vehicle on which transport defined illegal operation (rules M2, M4)."""
    rows = (Lead.objects.filter(vehicle__isnull=False, outcome="confirmed", checked_at__lte=at)
            .values("vehicle_id").annotate(n=Count("id")).values_list("vehicle_id", "n"))
    return {vid: (n, Text(gettext_noop("曾有 %(n)d 条线索经交通运输部门界定为非法营运"), n=n)) for vid, n in rows}


def register_builtin_features() -> None:
    register_feature("non_operating_in_ledger", gettext_lazy("在企业台账中但按非营运投保"),
                     feature_non_operating_in_ledger, default_weight=3, order=10)
    register_feature("non_operating_with_permit", gettext_lazy("持有效运输证但按非营运投保"),
                     feature_non_operating_with_permit, default_weight=3, order=20)
    register_feature("penalties", gettext_lazy("非法营运处罚次数"), feature_penalties, default_weight=2, order=30)
    register_feature("confirmed_leads", gettext_lazy("交通运输部门界定的非法营运线索"), feature_confirmed_leads,
                     default_weight=1, order=40)


# --- scoring -----------------------------------------------------------------------------------------------------


def score_all(at: dt.datetime, weights: dict[str, Decimal]) -> dict[int, tuple[Decimal, list[dict]]]:
    """``{vehicle_id: (score, reasons)}`` for every vehicle some feature applies to."""
    scores: dict[int, Decimal] = {}
    reasons: dict[int, list[dict]] = {}
    for feature in features():
        weight = weights.get(feature.key, feature.default_weight)
        if weight == 0:
            continue
        for vid, (value, text) in feature.fn(at).items():
            value = Decimal(str(value))
            if value == 0:
                continue
            contribution = (weight * value).quantize(Decimal("0.01"))
            scores[vid] = scores.get(vid, Decimal(0)) + contribution
            text, text_msg = stored(text)  # a feature's words as a message, read in each reader's language (issue 16)
            label, label_msg = stored(feature.label)
            reason = {"feature": feature.key, "label": label, "value": str(value), "weight": str(weight),
                      "points": str(contribution), "text": text}
            reason.update({key: msg for key, msg in (("text_msg", text_msg), ("label_msg", label_msg)) if msg})
            reasons.setdefault(vid, []).append(reason)
    return {vid: (scores[vid], reasons[vid]) for vid in scores}


@transaction.atomic
def risk_model_run(*, actor, at: dt.datetime | None = None) -> RiskModelRun:
    """Rule M8: score every vehicle and keep the non-zero scores — a PREVIEW: no lead is created and nothing is
    sent until association staff confirm it (``risk_model_run_confirm``).

    ``actor``: association staff, or the scheduled run (``SystemActor`` acting for the insurance association),
    which leaves the preview for the staff to confirm."""
    organization = services.acting_party(actor, "leads.add_riskmodelrun", OrganizationKind.INSURANCE_ASSOCIATION,
                                         _("只有保险行业协会可以运行风险识别模型。"))

    at = at or timezone.now()
    version = weights_in_use()
    if version is None:
        version = services.risk_weights_update(actor=actor, weights={}, threshold=conf.risk_model_default_threshold(),
                                               note=Text(gettext_noop("初始版本（各特征使用默认权重）")))
    weights, threshold = effective_weights(version)
    run = RiskModelRun.objects.create(
        weights=version, organization=organization, features=[f.key for f in features()],
        run_by=acting_user(actor), state=RiskModelRun.State.PREVIEW,
    )
    scored = score_all(at, weights)
    # Rule M1: only vehicles of 7 seats or fewer are the mechanism's concern.
    in_scope = set(Vehicle.objects.filter(pk__in=list(scored), seats__lte=VEHICLE_SCOPE_MAX_SEATS)
                   .values_list("pk", flat=True))
    flagged_ids = {vid for vid, (score, _r) in scored.items() if score >= threshold and vid in in_scope}
    RiskScore.objects.bulk_create(
        [RiskScore(run=run, vehicle_id=vid, score=score, reasons=reasons, flagged=vid in flagged_ids)
         for vid, (score, reasons) in sorted(scored.items())],
        batch_size=5000,
    )
    run.finished_at = timezone.now()
    run.vehicles_scored = len(scored)
    run.flagged = len(flagged_ids)
    run.save(update_fields=["finished_at", "vehicles_scored", "flagged"])
    preview = risk_model_preview(run)
    audit_record(actor=actor, action="risk_model.run", obj=run, organization=organization,
                 detail={"version": version.version, "scored": len(scored), "flagged": len(flagged_ids),
                         "preview": len(preview.rows), "digest": preview.digest})
    notify_organization(
        organization=organization,
        title=Text(gettext_noop("风险识别模型已运行：拟向交通运输部门推送 %(n)d 条线索，请核对预览后确认"), n=len(preview.rows)),
        link=f"/leads/risk/runs/{run.pk}/", kind="leads.risk_preview", dedup_key=f"risk:preview:{run.pk}",
    )
    return run


@dataclass(frozen=True)
class RunPreview:
    """What confirming a run would send to transport: one lead per row, in one batch."""

    run: RiskModelRun
    rows: list[dict]
    already_open: int
    digest: str

    def as_dict(self) -> dict:
        return {"run": self.run.pk, "state": self.run.state, "recipient": self.recipient_name, "vehicles": len(self.rows),
                "already_open": self.already_open, "digest": self.digest,
                "rows": [{k: row[k] for k in ("vehicle_id", "plate", "score", "reasons")} for row in self.rows]}

    @property
    def recipient_name(self) -> str:
        org = Organization.objects.filter(kind=OrganizationKind.TRANSPORT, is_active=True).order_by("id").first()
        return org.name if org else ""


def risk_model_preview(run: RiskModelRun) -> RunPreview:
    """The flagged vehicles of ``run`` that would become leads (with a plate, no open insurance → transport lead
    already), each with its score and reasons, and the digest the confirmation quotes. Reads only."""
    flagged = list(RiskScore.objects.filter(run=run, flagged=True).select_related("vehicle").order_by("vehicle_id"))
    open_ids = set(Lead.objects.filter(vehicle_id__in=[s.vehicle_id for s in flagged],
                                       direction=Direction.INSURANCE_TO_TRANSPORT)
                   .exclude(status=Status.DISPOSED).values_list("vehicle_id", flat=True))
    rows = [
        {"score_id": s.pk, "vehicle_id": s.vehicle_id, "plate": s.vehicle.plate, "score": str(s.score),
         "reasons": [r["text"] for r in s.display_reasons]}
        for s in flagged if s.vehicle.plate and s.vehicle_id not in open_ids
    ]
    keys = [f"{row['vehicle_id']}|{row['plate']}|{row['score']}" for row in rows]
    digest = hashlib.sha256("\n".join([f"RR{run.pk}", *keys]).encode()).hexdigest()
    return RunPreview(run=run, rows=rows, already_open=len([s for s in flagged if s.vehicle_id in open_ids]),
                      digest=digest)


@transaction.atomic
def risk_model_run_confirm(*, actor, run: RiskModelRun, digest: str) -> RiskModelRun:
    """Confirm a previewed run: exactly the previewed vehicles become insurance → transport leads, pushed to
    transport as one batch (rule M8). A run already sent, or a preview that no longer matches, is refused."""
    services.acting_party(actor, "leads.add_riskmodelrun", OrganizationKind.INSURANCE_ASSOCIATION,
                          _("只有保险行业协会可以确认推送风险模型线索。"))
    run = RiskModelRun.objects.select_for_update().get(pk=run.pk)
    if run.organization_id != actor.organization_id:
        raise PermissionDeniedError(_("只能确认本单位运行的模型结果。"))
    if run.state != RiskModelRun.State.PREVIEW:
        raise ConflictError(_("该次运行已确认推送，不能重复推送。"), code=ErrorCode.RISK_RUN_SENT)
    preview = risk_model_preview(run)
    if (digest or "") != preview.digest:
        raise ConflictError(_("预览之后拟推送的内容已有变化，请重新预览后再确认。"), code=ErrorCode.PREVIEW_STALE)

    vehicles = Vehicle.objects.in_bulk([row["vehicle_id"] for row in preview.rows])
    scores = RiskScore.objects.in_bulk([row["score_id"] for row in preview.rows])
    new_leads = []
    for row in preview.rows:
        score = scores[row["score_id"]]
        lead = services.lead_create_from_risk_model(actor=actor, vehicle=vehicles[row["vehicle_id"]],
                                                    score=score.score, reasons=score.reasons)
        score.lead = lead
        score.save(update_fields=["lead"])
        new_leads.append(lead)
    batch = services.lead_push(actor=actor, leads=new_leads) if new_leads else None
    run.state = RiskModelRun.State.SENT
    run.leads_created = len(new_leads)
    run.confirmed_by = acting_user(actor)
    run.confirmed_at = timezone.now()
    run.batch = batch
    run.save(update_fields=["state", "leads_created", "confirmed_by", "confirmed_at", "batch"])
    audit_record(actor=actor, action="risk_model.confirm", obj=run, organization=run.organization,
                 detail={"digest": preview.digest, "leads": len(new_leads), "batch": str(batch.pk) if batch else ""})
    return run


def precision_recall(*, since: dt.datetime | None = None) -> dict:
    """How good the model's leads were (for ``manage.py risk_model_report``).

    * precision = risk-model leads confirmed / risk-model leads checked (confirmed + dismissed);
    * recall = vehicles of confirmed leads (any source) that the model had flagged before the check /
      vehicles of confirmed leads.
    """
    checked = Lead.objects.filter(source=Source.RISK_MODEL).exclude(outcome="")
    confirmed_all = Lead.objects.filter(outcome="confirmed", vehicle__isnull=False)
    if since is not None:
        checked = checked.filter(checked_at__gte=since)
        confirmed_all = confirmed_all.filter(checked_at__gte=since)
    tp = checked.filter(outcome="confirmed").count()
    fp = checked.filter(outcome="dismissed").count()
    flagged_before = RiskScore.objects.filter(vehicle_id=OuterRef("vehicle_id"), flagged=True,
                                              run__started_at__lte=OuterRef("checked_at"))
    confirmed_vehicles = set(confirmed_all.values_list("vehicle_id", flat=True))
    caught = set(confirmed_all.filter(Exists(flagged_before)).values_list("vehicle_id", flat=True))
    return {
        "checked": tp + fp, "confirmed": tp, "dismissed": fp,
        "precision": (tp / (tp + fp)) if (tp + fp) else None,
        "confirmed_vehicles": len(confirmed_vehicles), "flagged_before_check": len(caught),
        "recall": (len(caught) / len(confirmed_vehicles)) if confirmed_vehicles else None,
    }
