"""Reads of the credit file: a subject's timeline and its derived credit level (rules in apps/credit/conf.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.parties import access, rights

from . import conf
from .models import CreditProposal, CreditRecord, Severity, SubjectKind, SupervisoryAction

LEVEL_LABELS = {"A": _("A 良好"), "B": _("B 一般"), "C": _("C 较差"), "D": _("D 差")}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def subject_filter(subject) -> dict:
    label = subject._meta.label_lower
    if label == "vehicles.vehicle":
        return {"vehicle": subject}
    if label == "vehicles.driver":
        return {"driver": subject}
    return {"organization": subject}


def effective(qs: QuerySet) -> QuerySet:
    """Records that count: not corrected by a later record and not a withdrawal."""
    corrected = CreditRecord.objects.filter(corrects=OuterRef("pk"))
    return qs.filter(withdraws=False).exclude(Exists(corrected))


def in_force(qs: QuerySet, day: dt.date) -> QuerySet:
    from django.db.models import Q

    return effective(qs).filter(occurred_on__lte=day).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=day))


@dataclass
class CreditLevel:
    level: str
    points: int
    counted: list = field(default_factory=list)
    severe: bool = False

    @property
    def label(self) -> str:
        return level_label(self.level)

    @property
    def css(self) -> str:
        return {"A": "ok", "B": "", "C": "warn", "D": "bad"}.get(self.level, "")


def level_for_points(points: int, severe: bool = False) -> str:
    thresholds = conf.level_thresholds()
    if severe and conf.any_severe_means_worst():
        return thresholds[0][0]
    for level, minimum in thresholds:
        if points >= minimum:
            return level
    return thresholds[-1][0]


def credit_level(records: QuerySet, day: dt.date | None = None) -> CreditLevel:
    """The level of a subject from its records in force on ``day`` (points by severity, see conf.py)."""
    day = day or timezone.localdate()
    counted = list(in_force(records, day))
    weights = conf.severity_points()
    points = sum(int(weights.get(r.severity, 0)) for r in counted)
    severe = any(r.severity == Severity.SEVERE for r in counted)
    return CreditLevel(level_for_points(points, severe), points, counted, severe)


def proposal_of(record: CreditRecord):
    """The proposal a record was decided from (rule M2), or None for an association's own entry."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return record.proposal
    except ObjectDoesNotExist:
        return None


def credit_file(*, user, subject, day: dt.date | None = None) -> dict:
    """What the credit file page shows: the records this user may see, newest first, and the level.

    The level is derived from every record in force (a party sees its own level computed the same way as the
    supervisors do), the timeline only from the records in the user's audience.
    """
    day = day or timezone.localdate()
    all_records = CreditRecord.objects.filter(**subject_filter(subject))
    level = credit_level(all_records, day)
    visible = (access.visible(user, CreditRecord).filter(**subject_filter(subject))
               .select_related("corrects", "created_by_organization", "proposal",
                               "proposal__proposed_by_organization").order_by("-occurred_on", "-id"))
    visible = list(visible)
    counted_ids = {r.pk for r in level.counted}
    # the proposals behind the records are named on the file; linked only where the user may open them (the
    # party a record is about sees its basis, not always the proposal's page)
    proposal_ids = [r.proposal.pk for r in visible if proposal_of(r) is not None]
    openable = set(access.visible(user, CreditProposal).filter(pk__in=proposal_ids).values_list("pk", flat=True)) \
        if proposal_ids and rights.may(user, "credit.view_creditproposal") else set()
    corrected_ids = set(CreditRecord.objects.filter(corrects__in=all_records).values_list("corrects_id", flat=True))
    timeline = []
    for record in visible:
        proposal = proposal_of(record)
        if record.pk in corrected_ids:
            state, css = _("已更正"), ""
        elif record.withdraws:
            state, css = _("撤销"), ""
        elif record.pk in counted_ids:
            state, css = _("计分中"), "warn"
        elif record.expires_on and record.expires_on <= day:
            state, css = _("已失效"), ""
        else:
            state, css = _("未生效"), ""
        timeline.append({"record": record, "state": state, "css": css, "corrected": record.pk in corrected_ids,
                         "points": conf.severity_points().get(record.severity, 0),
                         "proposal": proposal, "proposal_open": proposal is not None and proposal.pk in openable})
    actions = SupervisoryAction.objects.none()
    if subject._meta.label_lower == "parties.organization":
        actions = access.visible(user, SupervisoryAction).filter(target=subject).select_related("issued_by")
    return {"subject": subject, "level": level, "timeline": timeline, "actions": actions, "day": day,
            "rules": explain_rules()}


def explain_rules() -> dict:
    points = conf.severity_points()
    validity = conf.validity_days()
    return {
        "severities": [{"label": label, "points": points.get(value, 0), "days": validity.get(value)}
                       for value, label in Severity.choices],
        "levels": [{"level": level, "label": level_label(level), "minimum": minimum}
                   for level, minimum in conf.level_thresholds()],
        "severe_is_worst": conf.any_severe_means_worst(),
    }


def subjects_overview(*, user, kind: str, query: str = "", day: dt.date | None = None) -> list[dict]:
    """Subjects of one kind that have records visible to the user, with their level (for the file index)."""
    day = day or timezone.localdate()
    records = access.visible(user, CreditRecord).filter(subject_kind=kind)
    field_name = {SubjectKind.VEHICLE: "vehicle_id", SubjectKind.DRIVER: "driver_id"}.get(kind, "organization_id")
    if query:
        records = records.filter(subject_label__icontains=query.strip())
    ids = list(records.values_list(field_name, flat=True).distinct()[:500])
    rows = []
    all_records = CreditRecord.objects.filter(**{f"{field_name}__in": ids})
    by_subject: dict[int, list] = {}
    for record in in_force(all_records, day):
        by_subject.setdefault(getattr(record, field_name), []).append(record)
    labels = dict(records.order_by(field_name, "-id").values_list(field_name, "subject_label"))
    weights = conf.severity_points()
    for pk in ids:
        counted = by_subject.get(pk, [])
        points = sum(int(weights.get(r.severity, 0)) for r in counted)
        severe = any(r.severity == Severity.SEVERE for r in counted)
        level = level_for_points(points, severe)
        rows.append({"pk": pk, "label": labels.get(pk, ""), "points": points, "level": level,
                     "level_label": level_label(level), "in_force": len(counted)})
    rows.sort(key=lambda r: (-r["points"], r["label"]))
    return rows
