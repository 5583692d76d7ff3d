"""Joint inspections (联合检查, rule M17) and the taxi association's training (培训, rules M2, M17).

Seed 000 §五 "强化指导检查": the regulators with both associations give regular guidance and organise joint
inspections as needed; the **two associations** notify (通报) the problems found and urge correction (督促改正).
Seed 000 §三 / rule M2: the taxi association trains and guides the taxi and ride-hailing companies.

* ``Inspection`` — planned by one of the four planning parties (transport, the regulator, the two associations)
  with the parties taking part, the parties inspected (insurers, taxi companies), the scope and the planned dates;
* ``InspectionFinding`` — the result for one inspected party (one per party and inspection);
* ``InspectionNotice`` — the 通报 of a finding's problems, issued by the competent association (the insurance
  association for an insurer, the taxi association for a taxi company) as a numbered PDF; its rectification
  clock (``inspection.rectification``) runs from the notice until the association closes it with the result;
  the inspected party records its rectification report on it;
* ``Training`` — a training session of the taxi association: date, topic, trainer, companies, drivers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from apps.core.deadlines import deadline_for
from apps.core.validators import range_constraints
from apps.parties.models import OrganizationKind

# The parties that plan and carry out joint inspections (rule M17), and the parties that are inspected.
PLANNING_KINDS = (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION,
                  OrganizationKind.TAXI_ASSOCIATION)
INSPECTED_KINDS = (OrganizationKind.INSURER, OrganizationKind.TAXI_COMPANY)
# Rule M17 (the associations notify the problems found) with the split of rule M2: the insurance association for
# insurers, the taxi association for taxi companies.
NOTIFYING_ASSOCIATION = {OrganizationKind.INSURER: OrganizationKind.INSURANCE_ASSOCIATION,
                         OrganizationKind.TAXI_COMPANY: OrganizationKind.TAXI_ASSOCIATION}


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("检查中")
    COMPLETED = "completed", _("检查完成")


class Conclusion(models.TextChoices):
    NO_PROBLEMS = "no_problems", _("未发现问题")
    PROBLEMS_FOUND = "problems_found", _("发现问题")


class NoticeStatus(models.TextChoices):
    RECTIFYING = "rectifying", _("督促整改中")
    REPORTED = "reported", _("已报送整改情况")
    CLOSED = "closed", _("已结束")


class RectificationResult(models.TextChoices):
    RECTIFIED = "rectified", _("已整改到位")
    NOT_RECTIFIED = "not_rectified", _("逾期未整改到位")


class Inspection(models.Model):
    organizer = models.ForeignKey("parties.Organization", verbose_name=_("牵头单位"), on_delete=models.PROTECT,
                                  related_name="inspections_organized")
    participants = models.ManyToManyField("parties.Organization", verbose_name=_("参加单位"),
                                          related_name="inspections_joined")
    inspected_parties = models.ManyToManyField("parties.Organization", verbose_name=_("被检查单位"),
                                               related_name="inspections_received")
    scope = models.TextField(_("检查范围和内容"))
    planned_start = models.DateField(_("计划开始日期"), db_index=True)
    planned_end = models.DateField(_("计划结束日期"))
    status = models.CharField(_("状态"), max_length=20, choices=InspectionStatus.choices,
                              default=InspectionStatus.PLANNED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("联合检查")
        verbose_name_plural = _("联合检查")
        ordering = ["-planned_start", "-id"]
        constraints = [
            *range_constraints("inspection", dates=("planned_start", "planned_end"),
                               instants=("created_at", "updated_at")),
            models.CheckConstraint(condition=models.Q(planned_end__gte=models.F("planned_start")),
                                   name="inspection_period_valid"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"LJ{self.pk:06d}" if self.pk else "LJ(new)"


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, verbose_name=_("联合检查"), on_delete=models.PROTECT,
                                   related_name="findings")
    party = models.ForeignKey("parties.Organization", verbose_name=_("被检查单位"), on_delete=models.PROTECT,
                              related_name="inspection_findings")
    inspected_on = models.DateField(_("检查日期"))
    conclusion = models.CharField(_("检查结论"), max_length=20, choices=Conclusion.choices)
    problems = models.TextField(_("发现的问题"), blank=True)
    recorded_by_organization = models.ForeignKey("parties.Organization", verbose_name=_("记录单位"),
                                                 on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["inspection_id", "party__name", "id"]
        constraints = [
            *range_constraints("inspection_finding", dates=("inspected_on",), instants=("recorded_at",)),
            models.UniqueConstraint(fields=["inspection", "party"], name="inspection_finding_one_per_party"),
            models.CheckConstraint(condition=~models.Q(conclusion="problems_found") | ~models.Q(problems=""),
                                   name="inspection_finding_problems_named"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection.number} · {self.party}"


def _notice_path(instance: InspectionNotice, filename: str) -> str:
    return f"inspections/notices/{filename}"


class InspectionNotice(models.Model):
    """A 通报 as issued (never replaced); its rectification is followed on it until it is closed with the result."""

    finding = models.OneToOneField(InspectionFinding, verbose_name=_("检查结果"), on_delete=models.PROTECT,
                                   related_name="notice")
    inspection = models.ForeignKey(Inspection, verbose_name=_("联合检查"), on_delete=models.PROTECT,
                                   related_name="notices")
    party = models.ForeignKey("parties.Organization", verbose_name=_("被通报单位"), on_delete=models.PROTECT,
                              related_name="inspection_notices")
    issued_by = models.ForeignKey("parties.Organization", verbose_name=_("通报单位"), on_delete=models.PROTECT,
                                  related_name="inspection_notices_issued")
    issued_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("通报时间"), db_index=True)
    problems = models.TextField(_("通报的问题"))
    requirement = models.TextField(_("整改要求"))
    rectification_days = models.PositiveIntegerField(_("整改期限（日）"))
    file = models.FileField(_("PDF 文件"), upload_to=_notice_path, max_length=300)
    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    status = models.CharField(_("状态"), max_length=20, choices=NoticeStatus.choices,
                              default=NoticeStatus.RECTIFYING, db_index=True)
    report = models.TextField(_("整改情况报告"), blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("整改结果"), max_length=20, choices=RectificationResult.choices, blank=True)
    result_note = models.TextField(_("结束说明"), blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结束人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("检查问题通报")
        verbose_name_plural = _("检查问题通报")
        ordering = ["-issued_at", "-id"]
        permissions = [
            # rule M17: the inspected party reports how it corrected the problems the notice names
            ("report_rectification", _("报送整改情况")),
        ]
        indexes = [models.Index(fields=["party", "status"], name="insp_notice_party_status")]
        constraints = [
            *range_constraints("inspection_notice", instants=("issued_at", "reported_at", "closed_at", "updated_at")),
            models.CheckConstraint(condition=models.Q(status="closed", closed_at__isnull=False)
                                   | (~models.Q(status="closed") & models.Q(result="")),
                                   name="inspection_notice_closed_has_result_time"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"TB{self.pk:06d}" if self.pk else "TB(new)"

    @cached_property
    def rectification_deadline(self):
        from .services import RECTIFICATION_RULE

        return deadline_for(rule=RECTIFICATION_RULE, subject=self)


class Training(models.Model):
    """A training session of the taxi association for companies and their drivers (rules M2, M17)."""

    organizer = models.ForeignKey("parties.Organization", verbose_name=_("组织单位"), on_delete=models.PROTECT,
                                  related_name="trainings_organized")
    held_on = models.DateField(_("培训日期"), db_index=True)
    topic = models.CharField(_("培训主题"), max_length=200)
    trainer = models.CharField(_("授课人"), max_length=100)
    companies = models.ManyToManyField("parties.Organization", verbose_name=_("参训企业"),
                                       related_name="trainings_attended")
    drivers_count = models.PositiveIntegerField(_("参训驾驶员人数"))
    location = models.CharField(_("培训地点"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行业培训")
        verbose_name_plural = _("行业培训")
        ordering = ["-held_on", "-id"]
        constraints = [
            *range_constraints("training", dates=("held_on",), instants=("created_at",)),
            models.CheckConstraint(condition=models.Q(drivers_count__lte=100000), name="training_drivers_bounded"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PX{self.pk:06d}" if self.pk else "PX(new)"
