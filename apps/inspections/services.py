"""Writes for joint inspections and training (rules M17, M2). Pages and the API call these functions.

Every function takes its ``actor`` (a user, or a ``SystemActor`` for the demo seeder), asks the rights table
(``apps/inspections/rights.py``), then applies the object rule that depends on *which* row:

* ``inspection_plan`` — the actor's organisation is one of the four planning parties and leads the inspection;
* ``finding_record`` — the actor's organisation takes part in that inspection; the party was inspected in it;
* ``notice_issue`` / ``notice_close`` — the competent association (rule M17 with M2): the insurance association
  for an insurer, the taxi association for a taxi company; only the issuing association closes its notice;
* ``notice_report`` — the notified party itself;
* ``training_record`` — the taxi association.

Bad input raises ``ApplicationError`` with ``extra["fields"]`` naming each field in Chinese; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import deadline_for, deadline_meet, deadline_start, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.notifications import Text, choice, notify_organization
from apps.credit.models import CreditEvent
from apps.credit.services import credit_proposal_create
from apps.inspections.errors import ErrorCode
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind

from . import conf, notices
from .models import (
    INSPECTED_KINDS,
    NOTIFYING_ASSOCIATION,
    PLANNING_KINDS,
    Conclusion,
    Inspection,
    InspectionFinding,
    InspectionNotice,
    InspectionStatus,
    NoticeStatus,
    RectificationResult,
    Training,
)

RECTIFICATION_RULE = "inspection.rectification"
MAX_TRAINING_DRIVERS = 100000

_PLANNERS_ONLY = _("只有交通运输局、金融监管分局、保险行业协会和出租汽车行业协会可以组织联合检查。")
_PARTICIPANTS_ONLY = _("只有参加该次联合检查的单位可以记录检查结果。")
_ASSOCIATIONS_ONLY = _("检查发现的问题由行业协会通报并督促改正：保险公司的问题由保险行业协会通报，出租汽车企业的问题由出租汽车行业协会通报。")
_ISSUER_ONLY = _("只有作出通报的行业协会可以结束整改跟踪。")
_PARTY_ONLY = _("只有被通报单位可以报送整改情况。")
_TAXI_ASSOCIATION_ONLY = _("只有出租汽车行业协会可以登记行业培训。")


def _fail(fields: dict[str, list[str]], message: str | None = None):
    raise ApplicationError(message or _("填写有误，请按提示修改后重新提交。"), code=CoreErrorCode.INVALID, extra={"fields": fields})


def _text(value, field: str, label: str, fields: dict, *, required: bool = True, limit: int | None = None) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    limit = limit or conf.max_text_chars()
    if required and not value:
        fields[field] = [_("请填写%(f)s。") % {"f": label}]
    elif len(value) > limit:
        fields[field] = [_("%(f)s不超过 %(n)d 字。") % {"f": label, "n": limit}]
    return value


def _date(value, field: str, label: str, fields: dict) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str) and value.strip():
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            fields[field] = [_("%(f)s格式不正确，请按 年-月-日 填写。") % {"f": label}]
            return None
    if not isinstance(value, dt.date):
        fields[field] = [_("请填写%(f)s。") % {"f": label}]
        return None
    return value


def _organizations(values, field: str, label: str, kinds: Iterable[str], fields: dict) -> list[Organization]:
    """The active organisations of ``kinds`` named by ``values`` (instances or ids), de-duplicated in order."""
    kinds = set(kinds)
    out: list[Organization] = []
    ids = []
    for value in values or []:
        if isinstance(value, Organization):
            ids.append(value.pk)
        elif str(value).strip().isdigit():
            ids.append(int(str(value).strip()))
        else:
            fields[field] = [_("%(f)s：请从列表中选择。") % {"f": label}]
            return []
    found = {o.pk: o for o in Organization.objects.filter(pk__in=ids, is_active=True, kind__in=kinds)}
    for pk in ids:
        if pk not in found:
            fields[field] = [_("%(f)s：请从列表中选择。") % {"f": label}]
            return []
        if found[pk] not in out:
            out.append(found[pk])
    return out


def _org_of(actor) -> Organization | None:
    return getattr(actor, "organization", None)


# --- joint inspections (rule M17) --------------------------------------------------------------------------


def may_plan(actor) -> bool:
    org = _org_of(actor)
    return rights.may(actor, "inspections.add_inspection") and org is not None and org.kind in PLANNING_KINDS


@transaction.atomic
def inspection_plan(
    *, actor, scope: str, planned_start, planned_end, participants: Iterable, inspected_parties: Iterable,
) -> Inspection:
    """Plan a joint inspection led by the actor's organisation (rule M17): scope, the planning parties taking part
    (the organiser and at least one other), the insurers and taxi companies to inspect, the planned dates."""
    rights.require(actor, "inspections.add_inspection", _PLANNERS_ONLY)
    organizer = _org_of(actor)
    if organizer is None or organizer.kind not in PLANNING_KINDS:
        raise PermissionDeniedError(_PLANNERS_ONLY)
    fields: dict[str, list[str]] = {}
    scope = _text(scope, "scope", _("检查范围和内容"), fields)
    start = _date(planned_start, "planned_start", _("计划开始日期"), fields)
    end = _date(planned_end, "planned_end", _("计划结束日期"), fields)
    today = timezone.localdate()
    if start and start < today - dt.timedelta(days=366):
        fields["planned_start"] = [_("计划开始日期不能早于一年前。")]
    elif start and start > today + dt.timedelta(days=731):
        fields["planned_start"] = [_("计划开始日期不能晚于两年后。")]
    if start and end and end < start:
        fields["planned_end"] = [_("计划结束日期不能早于计划开始日期。")]
    elif start and end and (end - start).days > 366:
        fields["planned_end"] = [_("一次联合检查的计划期间不超过一年。")]
    joined = _organizations(participants, "participants", _("参加单位"), PLANNING_KINDS, fields)
    if "participants" not in fields:
        joined = [organizer, *[o for o in joined if o.pk != organizer.pk]]
        if len(joined) < 2:
            fields["participants"] = [_("参加单位：联合检查至少由两个单位参加，请选择本单位以外的参加单位。")]
    inspected = _organizations(inspected_parties, "inspected_parties", _("被检查单位"), INSPECTED_KINDS, fields)
    if "inspected_parties" not in fields and not inspected:
        fields["inspected_parties"] = [_("被检查单位：请至少选择一家保险公司或出租汽车企业。")]
    if fields:
        _fail(fields)
    inspection = Inspection.objects.create(organizer=organizer, scope=scope, planned_start=start, planned_end=end,
                                           created_by=acting_user(actor))
    inspection.participants.set(joined)
    inspection.inspected_parties.set(inspected)
    audit_record(actor=actor, action="inspection.plan", obj=inspection, detail={
        "participants": [o.pk for o in joined], "inspected": [o.pk for o in inspected],
        "planned_start": start.isoformat(), "planned_end": end.isoformat()})
    for org in joined:
        if org.pk != organizer.pk:
            notify_organization(
                organization=org, title=Text(gettext_noop("%(org)s邀请参加联合检查 %(no)s"), org=organizer.name,
                                             no=inspection.number),
                body=Text(gettext_noop("计划 %(a)s 至 %(b)s"), a=start.isoformat(), b=end.isoformat()),
                link=f"/inspections/{inspection.pk}/", kind="inspection.planned",
                dedup_key=f"inspection.planned:{inspection.pk}:{org.pk}")
    return inspection


def is_participant(actor, inspection: Inspection) -> bool:
    org_id = getattr(actor, "organization_id", None)
    return bool(org_id) and inspection.participants.filter(pk=org_id).exists()


def may_record_finding(actor, inspection: Inspection) -> bool:
    return rights.may(actor, "inspections.add_inspectionfinding") and is_participant(actor, inspection)


@transaction.atomic
def finding_record(
    *, actor, inspection: Inspection, party, inspected_on, conclusion: str, problems: str = "",
) -> InspectionFinding:
    """Record the result of the inspection of one inspected party (rule M17): one finding per party."""
    rights.require(actor, "inspections.add_inspectionfinding", _PARTICIPANTS_ONLY)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not is_participant(actor, inspection):
        raise PermissionDeniedError(_PARTICIPANTS_ONLY)
    fields: dict[str, list[str]] = {}
    party_id = party.pk if isinstance(party, Organization) else (int(party) if str(party or "").isdigit() else None)
    target = inspection.inspected_parties.filter(pk=party_id).first() if party_id else None
    if target is None:
        fields["party"] = [_("被检查单位：请选择本次检查的被检查单位。")]
    day = _date(inspected_on, "inspected_on", _("检查日期"), fields)
    if day and day > timezone.localdate():
        fields["inspected_on"] = [_("检查日期不能晚于今天。")]
    elif day and day < inspection.planned_start:
        fields["inspected_on"] = [_("检查日期不能早于计划开始日期 %(d)s。") % {"d": inspection.planned_start.isoformat()}]
    if conclusion not in Conclusion.values:
        fields["conclusion"] = [_("请选择检查结论。")]
    problems = _text(problems, "problems", _("发现的问题"), fields, required=conclusion == Conclusion.PROBLEMS_FOUND)
    if fields:
        _fail(fields)
    if conclusion == Conclusion.NO_PROBLEMS and problems:
        _fail({"problems": [_("检查结论为“未发现问题”时，不填写发现的问题。")]})
    if inspection.findings.filter(party=target).exists():
        raise ConflictError(_("已记录%(p)s的检查结果，不能重复记录。") % {"p": target.name})
    finding = InspectionFinding.objects.create(
        inspection=inspection, party=target, inspected_on=day, conclusion=conclusion, problems=problems,
        recorded_by_organization=_org_of(actor), recorded_by=acting_user(actor))
    done = inspection.findings.count() >= inspection.inspected_parties.count()
    inspection.status = InspectionStatus.COMPLETED if done else InspectionStatus.IN_PROGRESS
    inspection.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="inspection.finding", obj=inspection,
                 detail={"finding": finding.pk, "party": target.pk, "conclusion": conclusion})
    if conclusion == Conclusion.PROBLEMS_FOUND:
        association = Organization.objects.filter(kind=NOTIFYING_ASSOCIATION[target.kind], is_active=True) \
            .order_by("pk").first()
        if association is not None:
            notify_organization(
                organization=association,
                title=Text(gettext_noop("联合检查 %(no)s 发现%(p)s存在问题，请通报并督促改正"), no=inspection.number,
                           p=target.name),
                link=f"/inspections/{inspection.pk}/", kind="inspection.problems",
                dedup_key=f"inspection.problems:{finding.pk}")
    return finding


def competent_association_kind(party: Organization) -> str | None:
    return NOTIFYING_ASSOCIATION.get(party.kind)


def may_issue_notice(actor, finding: InspectionFinding) -> bool:
    org = _org_of(actor)
    return bool(rights.may(actor, "inspections.add_inspectionnotice") and org is not None
                and org.kind == competent_association_kind(finding.party))


@transaction.atomic
def notice_issue(*, actor, finding: InspectionFinding, requirement: str, problems: str | None = None) -> InspectionNotice:
    """The competent association notifies (通报) the problems a finding names and urges correction (rule M17): a
    numbered PDF is issued and the rectification clock (``INSPECTION_RECTIFICATION_DAYS`` natural days) starts."""
    rights.require(actor, "inspections.add_inspectionnotice", _ASSOCIATIONS_ONLY)
    finding = InspectionFinding.objects.select_for_update().select_related("party", "inspection").get(pk=finding.pk)
    if not may_issue_notice(actor, finding):
        raise PermissionDeniedError(_ASSOCIATIONS_ONLY)
    if finding.conclusion != Conclusion.PROBLEMS_FOUND:
        raise ApplicationError(_("该单位的检查结论为“未发现问题”，无需通报。"), code=ErrorCode.NO_PROBLEMS)
    if InspectionNotice.objects.filter(finding=finding).exists():
        raise ConflictError(_("该检查结果已通报（%(no)s），不能重复通报。") % {"no": finding.notice.number})
    fields: dict[str, list[str]] = {}
    requirement = _text(requirement, "requirement", _("整改要求"), fields)
    problems = _text(finding.problems if problems is None or not str(problems).strip() else problems,
                     "problems", _("通报的问题"), fields)
    if fields:
        _fail(fields)
    now = timezone.now()
    notice = InspectionNotice.objects.create(
        finding=finding, inspection=finding.inspection, party=finding.party, issued_by=_org_of(actor),
        issued_by_user=acting_user(actor), issued_at=now, problems=problems, requirement=requirement,
        rectification_days=conf.rectification_days())
    # the issuing body issues the notice; the platform only generated it
    content = notices.render_pdf(notice, footer_text=_(
        "%(issuer)s出具 · 联合检查 %(i)s · 通报编号 %(n)s · 本文书经柳州市客运车辆保险联合监管平台生成")
        % {"issuer": notice.issued_by.name, "i": finding.inspection.number, "n": notice.number})
    notice.sha256 = notices.sha256(content)
    notice.file.save(f"{notice.number}.pdf", ContentFile(content), save=False)
    notice.save(update_fields=["file", "sha256", "updated_at"])
    # the registered rule (natural days); the length is the one this notice states
    deadline_start(rule=RECTIFICATION_RULE, subject=notice, responsible=notice.party, starts_at=now,
                   amount=notice.rectification_days, actor=actor)
    audit_record(actor=actor, action="inspection.notice_issue", obj=notice, organization=notice.issued_by,
                 detail={"inspection": finding.inspection_id, "party": notice.party_id, "sha256": notice.sha256})
    notify_organization(
        organization=notice.party,
        title=Text(gettext_noop("%(org)s通报联合检查发现的问题（%(no)s），请限期整改"), org=notice.issued_by.name,
                   no=notice.number),
        body=Text(gettext_noop("请在 %(n)d 日内整改并报送整改情况。"), n=notice.rectification_days),
        link=f"/inspections/notices/{notice.pk}/", kind="inspection.notice", dedup_key=f"inspection.notice:{notice.pk}")
    return notice


def may_report(actor, notice: InspectionNotice) -> bool:
    return bool(rights.may(actor, "inspections.report_rectification")
                and getattr(actor, "organization_id", None) == notice.party_id)


@transaction.atomic
def notice_report(*, actor, notice: InspectionNotice, report: str) -> InspectionNotice:
    """The notified party records how it corrected the problems (rule M17); it may report again until closed."""
    rights.require(actor, "inspections.report_rectification", _PARTY_ONLY)
    notice = InspectionNotice.objects.select_for_update().get(pk=notice.pk)
    if not may_report(actor, notice):
        raise PermissionDeniedError(_PARTY_ONLY)
    if notice.status == NoticeStatus.CLOSED:
        raise ConflictError(_("该通报的整改跟踪已结束，不能再报送。"))
    fields: dict[str, list[str]] = {}
    report = _text(report, "report", _("整改情况报告"), fields)
    if fields:
        _fail(fields)
    first = notice.reported_at is None
    notice.report, notice.reported_at, notice.reported_by = report, timezone.now(), acting_user(actor)
    notice.status = NoticeStatus.REPORTED
    notice.save(update_fields=["report", "reported_at", "reported_by", "status", "updated_at"])
    audit_record(actor=actor, action="inspection.notice_report", obj=notice, organization=notice.party,
                 detail={"first": first})
    notify_organization(
        organization=notice.issued_by, title=Text(gettext_noop("%(p)s已报送通报 %(no)s 的整改情况"), p=notice.party.name,
                                                  no=notice.number),
        link=f"/inspections/notices/{notice.pk}/", kind="inspection.notice_report")
    return notice


def may_close(actor, notice: InspectionNotice) -> bool:
    return bool(rights.may(actor, "inspections.change_inspectionnotice")
                and getattr(actor, "organization_id", None) == notice.issued_by_id)


def lawful_results(notice: InspectionNotice, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """The results the association may close with now: "rectified" once the party has reported; "not rectified"
    only once the period has run out (until then the party may still correct)."""
    now = now or timezone.now()
    deadline = notice.rectification_deadline
    out = []
    if notice.reported_at is not None:
        out.append((RectificationResult.RECTIFIED.value, RectificationResult.RECTIFIED.label))
    if deadline is None or deadline.due_at <= now:
        out.append((RectificationResult.NOT_RECTIFIED.value, RectificationResult.NOT_RECTIFIED.label))
    return out


@transaction.atomic
def notice_close(*, actor, notice: InspectionNotice, result: str, note: str) -> InspectionNotice:
    """The issuing association ends the follow-up with the result and a reason (rule M17, 督促改正).

    "Rectified" meets the rectification clock at the time of the party's report (late if reported after the
    period); "not rectified" is open only after the period ran out, and leaves the clock's breach standing."""
    rights.require(actor, "inspections.change_inspectionnotice", _ISSUER_ONLY)
    notice = InspectionNotice.objects.select_for_update().get(pk=notice.pk)
    if not may_close(actor, notice):
        raise PermissionDeniedError(_ISSUER_ONLY)
    if notice.status == NoticeStatus.CLOSED:
        raise ConflictError(_("该通报的整改跟踪已结束。"))
    fields: dict[str, list[str]] = {}
    if result not in RectificationResult.values:
        fields["result"] = [_("请选择整改结果。")]
    elif result not in dict(lawful_results(notice)):
        fields["result"] = [_("被通报单位尚未报送整改情况，不能认定已整改到位。") if result == RectificationResult.RECTIFIED
                            else _("整改期限尚未届满，被通报单位仍可整改，不能认定逾期未整改。")]
    note = _text(note, "note", _("结束说明"), fields)
    if fields:
        _fail(fields)
    now = timezone.now()
    notice.status, notice.result, notice.result_note = NoticeStatus.CLOSED, result, note
    notice.closed_at, notice.closed_by = now, acting_user(actor)
    notice.save(update_fields=["status", "result", "result_note", "closed_at", "closed_by", "updated_at"])
    deadline = deadline_for(rule=RECTIFICATION_RULE, subject=notice)
    if deadline is not None and result == RectificationResult.RECTIFIED:
        deadline_meet(deadline=deadline, at=min(notice.reported_at, now), actor=actor)
    proposal = _propose_credit_entry(notice, actor=actor, deadline=deadline) \
        if result == RectificationResult.NOT_RECTIFIED else None
    audit_record(actor=actor, action="inspection.notice_close", obj=notice, organization=notice.issued_by,
                 detail={"result": result, "credit_proposal": proposal.pk if proposal else None})
    notify_organization(
        organization=notice.party,
        title=Text(gettext_noop("通报 %(no)s 整改跟踪已结束：%(r)s"), no=notice.number, r=choice(notice, "result")),
        link=f"/inspections/notices/{notice.pk}/", kind="inspection.notice_closed",
        dedup_key=f"inspection.notice_closed:{notice.pk}")
    return notice


def _propose_credit_entry(notice: InspectionNotice, *, actor, deadline):
    """Not rectified within the period (rule M17): the party is proposed for an entry into its credit file, which
    the competent association decides (rule M2) — the proposal links the notice; nothing is written directly."""

    return credit_proposal_create(
        actor=actor, subject=notice.party, event=CreditEvent.INSPECTION_NOT_RECTIFIED, severity="moderate",
        source=notice, occurred_on=local_date(deadline.due_at if deadline is not None else timezone.now()),
        evidence_link=f"/inspections/notices/{notice.pk}/",
        reason=Text(gettext_noop("联合检查 %(i)s 通报 %(no)s 要求 %(n)d 日内整改，期限届满未整改到位：%(note)s"),
                    i=notice.inspection.number, no=notice.number, n=notice.rectification_days,
                    note=notice.result_note))


# --- training (rules M2, M17) -------------------------------------------------------------------------------


def may_record_training(actor) -> bool:
    org = _org_of(actor)
    return bool(rights.may(actor, "inspections.add_training") and org is not None
                and org.kind == OrganizationKind.TAXI_ASSOCIATION)


@transaction.atomic
def training_record(
    *, actor, held_on, topic: str, trainer: str, companies: Iterable, drivers_count, location: str = "",
) -> Training:
    """The taxi association records a training session of companies and their drivers (rules M2, M17)."""
    rights.require(actor, "inspections.add_training", _TAXI_ASSOCIATION_ONLY)
    if not may_record_training(actor):
        raise PermissionDeniedError(_TAXI_ASSOCIATION_ONLY)
    fields: dict[str, list[str]] = {}
    day = _date(held_on, "held_on", _("培训日期"), fields)
    today = timezone.localdate()
    if day and day > today:
        fields["held_on"] = [_("培训日期不能晚于今天：请在培训举办后登记。")]
    elif day and day < today - dt.timedelta(days=731):
        fields["held_on"] = [_("只能登记两年内举办的培训。")]
    topic = _text(topic, "topic", _("培训主题"), fields, limit=200)
    trainer = _text(trainer, "trainer", _("授课人"), fields, limit=100)
    location = _text(location, "location", _("培训地点"), fields, required=False, limit=200)
    attended = _organizations(companies, "companies", _("参训企业"), [OrganizationKind.TAXI_COMPANY], fields)
    if "companies" not in fields and not attended:
        fields["companies"] = [_("参训企业：请至少选择一家出租汽车企业。")]
    count = None
    if drivers_count in (None, ""):
        fields["drivers_count"] = [_("请填写参训驾驶员人数。")]
    else:
        try:
            count = int(str(drivers_count).strip())
        except ValueError:
            fields["drivers_count"] = [_("参训驾驶员人数应为整数。")]
        else:
            if count < 0 or count > MAX_TRAINING_DRIVERS:
                fields["drivers_count"] = [_("参训驾驶员人数应在 0 至 %(n)d 之间。") % {"n": MAX_TRAINING_DRIVERS}]
    if fields:
        _fail(fields)
    training = Training.objects.create(organizer=_org_of(actor), held_on=day, topic=topic, trainer=trainer,
                                       drivers_count=count, location=location, created_by=acting_user(actor))
    training.companies.set(attended)
    audit_record(actor=actor, action="inspection.training", obj=training,
                 detail={"companies": [o.pk for o in attended], "drivers": count, "held_on": day.isoformat()})
    return training
