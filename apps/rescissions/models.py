"""Rescission cases: the 30-day clock insurers are held to (rules M12, J5; DESIGN.md "Rescission").

A case opens when an insurer receives illegal-operation information (a penalty, transport's finding on a lead) or
finds it itself; ``known_at`` is the signed receipt time of the batch that carried it. A case belongs to one
policyholder at one insurer and may cover several of that policyholder's policies there (``CasePolicy``): one
written notice (附件三) covers them all. What follows depends on the path the insurer records with its basis
(``Path``, rules J5, J9, J13; Insurance Law arts. 16 and 52) and on each policy's kind (交强险 or commercial). The case row holds the current state for lists and filters;
every step is also an append-only ``RescissionEvent`` (the database refuses UPDATE and DELETE of events), and a
recorded step is corrected only by a new ``correction`` event with a reason. Notices (附件三/四/七) are stored
as PDF files with their SHA-256.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.notifications import shown
from apps.core.validators import range_constraints

from .notices import NoticeKind


class Trigger(models.TextChoices):
    PENALTY = "penalty", _("交通运输部门查处的非法营运处罚")
    # Rule M2: only transport defines (界定) illegal operation; the regulator relays its finding.
    LEAD_CONFIRMED = "lead_confirmed", _("交通运输部门界定的非法营运（线索核查结果）")
    # Rule M6: a lawful operating vehicle insured as non-operating is endorsed (批改), never rescinded; the value
    # stays readable on cases opened before that was corrected, no new case is opened with it.
    SCREENING_FINDING = "screening_finding", _("合法营运车辆清单比对发现（历史案件；现转批改工作清单，不再立案）")
    INSURER_FINDING = "insurer_finding", _("保险公司自行发现")


OPENING_TRIGGERS = (Trigger.PENALTY, Trigger.LEAD_CONFIRMED, Trigger.INSURER_FINDING)


class Path(models.TextChoices):
    """The insurer's finding of WHEN the vehicle began operating, which decides the lawful outcomes (rule J13)."""

    NON_DISCLOSURE = "non_disclosure", _("投保时未如实告知（规则 J5；保险法第十六条）")
    RISK_INCREASE = "risk_increase", _("承保后危险程度增加未通知（规则 J9；保险法第五十二条）")


class Fault(models.TextChoices):
    """Rule J5 / art. 16: only intentional or grossly negligent non-disclosure allows rescission."""

    INTENTIONAL = "intentional", _("故意")
    GROSS_NEGLIGENCE = "gross_negligence", _("重大过失")


class Decision(models.TextChoices):
    RESCINDED = "rescinded", _("解除合同")
    NOT_RESCINDED = "not_rescinded", _("不得解除（投保人已如实告知）")
    CONDITIONS_NOT_MET = "conditions_not_met", _("不符合法定或约定解除条件")
    # Rules J8, J9: the policy is endorsed (usage nature changed, premium re-rated); the case ends, not lapses.
    ENDORSED = "endorsed", _("批改保单（变更使用性质、调整保险费）")


class Status(models.TextChoices):
    OPEN = "open", _("待发出通知")
    NOTICE_SENT = "notice_sent", _("通知已发出")
    AWAITING_DISCLOSURE = "awaiting_disclosure", _("等待如实告知")
    RESCINDED = "rescinded", _("已解除")
    NOT_RESCINDED = "not_rescinded", _("不得解除")
    CONDITIONS_NOT_MET = "conditions_not_met", _("不符合解除条件")
    # Rule J5: the right to rescind lapses; on the risk-increase path (J9, art. 52) nothing was endorsed, no premium
    # increased nor contract terminated in time — one label that is true of every path; the lapse notice says which.
    LAPSED = "lapsed", _("期限届满未处理（超期）")
    ENDORSED = "endorsed", _("已批改")


OPEN_STATUSES = (Status.OPEN, Status.NOTICE_SENT, Status.AWAITING_DISCLOSURE)
DECIDED_STATUSES = (Status.RESCINDED, Status.NOT_RESCINDED, Status.CONDITIONS_NOT_MET, Status.ENDORSED)


class RescissionCase(models.Model):
    policy = models.ForeignKey("policies.Policy", verbose_name=_("保单"), on_delete=models.PROTECT,
                               related_name="rescission_cases")
    insurer = models.ForeignKey("parties.Organization", verbose_name=_("保险公司"), on_delete=models.PROTECT,
                                related_name="rescission_cases", limit_choices_to={"kind": "insurer"})
    vehicle = models.ForeignKey("vehicles.Vehicle", verbose_name=_("车辆"), on_delete=models.PROTECT,
                                related_name="rescission_cases")
    trigger = models.CharField(_("触发来源"), max_length=30, choices=Trigger.choices)
    trigger_ref = models.CharField(_("来源编号"), max_length=120, blank=True,
                                   help_text=_("处罚决定书号、线索编号、比对结果编号或保险公司内部编号"))
    known_at = models.DateTimeField(_("知道解除事由的时间"),
                                    help_text=_("承载该信息的数据批次的签收回执时间"))
    deadline_at = models.DateTimeField(_("解除权消灭时间"), db_index=True)
    policyholder_key = models.CharField(_("投保人标识"), max_length=80, blank=True, db_index=True, editable=False,
                                        help_text=_("投保人姓名（名称）的盲索引：同一投保人在同一保险公司的保单归入一案"))
    policies = models.ManyToManyField("policies.Policy", through="CasePolicy", verbose_name=_("涉及的保单"),
                                      related_name="covering_rescission_cases")
    path = models.CharField(_("处理路径"), max_length=30, choices=Path.choices, blank=True)
    fault = models.CharField(_("投保人过错"), max_length=30, choices=Fault.choices, blank=True)
    operating_since = models.DateField(_("开始营运日期"), null=True, blank=True,
                                       help_text=_("保险公司查明的车辆开始从事营运的日期"))
    meant_at_inception = models.BooleanField(_("投保时已有营运意图"), default=False)
    path_basis = models.TextField(_("认定依据"), blank=True)
    path_reason = models.TextField(_("选择路径的理由"), blank=True)
    path_recorded_at = models.DateTimeField(_("路径认定时间"), null=True, blank=True)
    matter = models.CharField(_("未如实告知的事项"), max_length=200, blank=True)
    applied_on = models.DateField(_("投保日期"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("通知发出时间"), null=True, blank=True)
    notice_received_at = models.DateTimeField(_("通知送达时间"), null=True, blank=True)
    notice_contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    notice_contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    disclosure_due_at = models.DateTimeField(_("如实告知期限"), null=True, blank=True)
    disclosed_at = models.DateTimeField(_("投保人如实告知时间"), null=True, blank=True)
    decision = models.CharField(_("决定"), max_length=30, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    # the message behind a reason the platform wrote (apps.core.notifications.stored), shown in the reader's
    # language; empty when a user typed it and on rows older than it (``decision_reason`` shows). Issue 16.
    decision_reason_msg = models.JSONField(blank=True, default=dict)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_recorded_at = models.DateTimeField(_("决定登记时间"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("解除权消灭登记时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=30, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("合同解除案件")
        verbose_name_plural = _("合同解除案件")
        ordering = ["deadline_at", "id"]
        # Rule M12: a case opened by the insurer's receipt of information (a penalty, a confirmed lead, a
        # screening finding) is opened by the platform on the insurer's behalf, never by a person.
        permissions = [("open_on_receipt", _("因保险公司收到非法营运信息而立案"))]
        constraints = [
            *range_constraints(
                "rescission",
                dates=("applied_on", "operating_since"),
                instants=("known_at", "deadline_at", "notice_sent_at", "notice_received_at", "disclosure_due_at", "disclosed_at", "decided_at", "decision_recorded_at", "lapsed_at", "path_recorded_at", "created_at", "updated_at"),
            ),
            # Idempotent opening: the same vehicle, policy and trigger (+ reference) never makes two cases.
            models.UniqueConstraint(fields=["vehicle", "policy", "trigger", "trigger_ref"], name="rescission_case_once"),
            models.CheckConstraint(condition=Q(deadline_at__gt=models.F("known_at")), name="rescission_deadline_after_known"),
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(decision="conditions_not_met") | ~Q(decision_reason=""),
                name="rescission_conditions_not_met_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["insurer", "status", "deadline_at"], name="rescission_insurer_open"),
            models.Index(fields=["status", "deadline_at"], name="rescission_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"RC{self.pk:06d}" if self.pk else "RC(new)"

    @property
    def number(self) -> str:
        return str(self)

    @property
    def display_decision_reason(self) -> str:
        """The decision's reason in the active language (a typed reason as typed)."""

        return shown(self.decision_reason, self.decision_reason_msg)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def policy_list(self) -> list:
        """The policies the case covers, the first one opened first."""
        return [link.policy for link in self.case_policies.select_related("policy").order_by("id")]

    @property
    def status_css(self) -> str:
        if self.status == Status.LAPSED:
            return "bad"
        return "ok" if self.status in DECIDED_STATUSES else ""

    @property
    def decided_in_time(self) -> bool | None:
        if self.status in OPEN_STATUSES:
            return None
        return bool(self.decided_at and self.decision_recorded_at and self.decision_recorded_at <= self.deadline_at)


class CasePolicy(models.Model):
    """One policy a case covers, with what became of it (a case may cover a policyholder's 交强险 and commercial
    policies: each follows the path its kind allows)."""

    case = models.ForeignKey(RescissionCase, verbose_name=_("案件"), on_delete=models.PROTECT,
                             related_name="case_policies")
    policy = models.ForeignKey("policies.Policy", verbose_name=_("保单"), on_delete=models.PROTECT,
                               related_name="rescission_case_links")
    outcome = models.CharField(_("处理结果"), max_length=30, choices=Decision.choices, blank=True)
    outcome_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    endorsement_ref = models.CharField(_("批改单号"), max_length=60, blank=True)
    added_at = models.DateTimeField(_("纳入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件涉及的保单")
        verbose_name_plural = _("案件涉及的保单")
        ordering = ["case", "id"]
        constraints = [
            *range_constraints("rescission_case_policy", instants=("outcome_at", "added_at")),
            models.UniqueConstraint(fields=["case", "policy"], name="rescission_case_policy_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.policy}"

    @property
    def compulsory(self) -> bool:
        return self.policy.kind == "compulsory"


class EventKind(models.TextChoices):
    OPENED = "opened", _("立案（收到非法营运信息）")
    DUPLICATE = "duplicate", _("重复收到同一信息")
    NOTICE_SENT = "notice_sent", _("发出未履行如实告知义务通知书（附件三）")
    NOTICE_RECEIVED = "notice_received", _("投保人收到通知")
    DISCLOSED = "disclosed", _("投保人履行如实告知义务")
    DISCLOSURE_EXPIRED = "disclosure_expired", _("如实告知期限届满")
    RESCINDED = "rescinded", _("解除合同")
    NOT_RESCINDED = "not_rescinded", _("不得解除合同")
    CONDITIONS_NOT_MET = "conditions_not_met", _("认定不符合解除条件")
    LAPSED = "lapsed", _("超过 30 日，解除权消灭")
    NOTICE_ISSUED = "notice_issued", _("出具文书")
    REMINDER = "reminder", _("期限提醒")
    CORRECTION = "correction", _("更正")
    PATH_RECORDED = "path_recorded", _("认定处理路径")
    POLICY_ADDED = "policy_added", _("纳入同一投保人的保单")
    ENDORSED = "endorsed", _("批改保单")


class RescissionEvent(models.Model):
    """One step of a case, never edited: ``at`` is when it happened, ``recorded_at`` when it was recorded."""

    case = models.ForeignKey(RescissionCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("发生时间"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("parties.Organization", verbose_name=_("操作单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    note_msg = models.JSONField(blank=True, default=dict)  # as ``RescissionCase.decision_reason_msg`` (issue 16)
    corrects = models.ForeignKey("self", verbose_name=_("更正的事项"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件事项")
        verbose_name_plural = _("案件事项")
        ordering = ["recorded_at", "id"]
        constraints = [
            *range_constraints("rescission_event", instants=("at", "recorded_at")),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(note=""), name="rescission_event_correction_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_note(self) -> str:
        """The note in the active language (a typed note as typed)."""

        return shown(self.note, self.note_msg)


def _notice_path(instance: RescissionNotice, filename: str) -> str:
    return f"rescissions/{instance.case_id}/{filename}"


class RescissionNotice(models.Model):
    """A notice issued for the case, as the PDF that was printed and sent. Never replaced: a re-issue is a new row."""

    case = models.ForeignKey(RescissionCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("文书"), max_length=30, choices=NoticeKind.choices)
    doc_no = models.CharField(_("文书编号"), max_length=40, unique=True)
    issued_on = models.DateField(_("出具日期"))
    file = models.FileField(_("PDF 文件"), upload_to=_notice_path, max_length=300)
    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = range_constraints("rescission_notice", dates=("issued_on",), instants=("created_at",))
        verbose_name = _("解除文书")
        verbose_name_plural = _("解除文书")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "kind"], name="rescission_notice_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.doc_no}"
