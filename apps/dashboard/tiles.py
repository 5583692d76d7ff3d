"""The big numbers at the top of the home page: what the user's organisation must act on today, each linking to the
list that shows exactly those items. Which numbers a role gets follows what it may open (a number never links to a
page that would refuse the user)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from apps.claims.models import FocusedCheck
from apps.claims.selectors import breaches_this_month, claims_for_user
from apps.complaints.models import Complaint
from apps.complaints.models import Status as ComplaintStatus
from apps.core.models import Notification
from apps.credit.models import SupervisoryAction
from apps.leads.selectors import inbox_counts, worklist_open_count
from apps.parties import access
from apps.parties.models import OrganizationKind
from apps.policies.onboarding import company_worklist_count
from apps.rescissions.models import OPEN_STATUSES, RescissionCase
from apps.rescissions.models import Status as CaseStatus
from apps.rescissions.selectors import case_list, row_css

from . import selectors


@dataclass
class Tile:
    key: str
    label: str
    value: int
    url: str
    css: str = ""  # "bad" / "warn" when the number is a problem, only if it is not zero
    hint: str = ""


def _url(name: str, **query) -> str:
    url = reverse(name)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _deadline_tiles(user) -> list[Tile]:
    counts = selectors.deadline_counts(user)
    tiles = [
        Tile("deadlines-breached", _("本单位已超期时限"), counts["breached"],
             _url("dashboard:deadlines", when="breached"), "bad", _("已过到期时间、尚未完成")),
        Tile("deadlines-today", _("今日到期"), counts["today"], _url("dashboard:deadlines", when="today"), "warn",
             _("今天结束前到期")),
        Tile("deadlines-soon", _("近期到期"), counts["soon"], _url("dashboard:deadlines", when="soon"), "",
             _("%(n)d 日内到期") % {"n": _due_soon_days()}),
    ]
    if user.is_superuser or user.kind in {OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION}:
        tiles.append(Tile("deadlines-watched", _("各单位超期时限"), counts["others_breached"],
                          _url("dashboard:deadlines", when="breached", scope="others"), "bad",
                          _("其他单位负责、本单位监督的时限")))
    return tiles


def _due_soon_days() -> int:
    from . import conf

    return conf.due_soon_days()


def _lead_tiles(user) -> list[Tile]:
    counts = inbox_counts(user=user)
    return [
        Tile("leads-verified", _("待线下核查线索"), counts["verified"], _url("leads:inbox", status="verified"), "warn",
             _("已收到并完成保险核验")),
        Tile("leads-checking", _("线下核查中"), counts["offline_check"], _url("leads:inbox", status="offline_check")),
        Tile("leads-to-dispose", _("待处置线索"), counts["confirmed"] + counts["dismissed"],
             _url("leads:inbox", status="confirmed"), "warn", _("已确认或排除，待闭环处置")),
        Tile("leads-drafts", _("未推送的线索"), counts["drafts"], _url("leads:outbox", status="new")),
    ]


def _worklist_tile(user) -> list[Tile]:
    return [Tile("worklist-open", _("待答复核查清单"), worklist_open_count(user=user),
                 _url("leads:worklist", state="open"), "warn", _("线索、清单比对和处罚通报"))]


def _rescission_tiles(user) -> list[Tile]:
    if user.kind == OrganizationKind.INSURER:
        cases = list(case_list(user, state="open")[:500])
        urgent = sum(1 for c in cases if row_css(c) == "bad")
        return [
            Tile("rescissions-open", _("办理中的解除案件"), len(cases), _url("rescissions:list", state="open")),
            Tile("rescissions-urgent", _("解除案件临近失权"), urgent, _url("rescissions:list", state="open"), "bad",
                 _("剩余 2 日内或已过最后通知日")),
        ]
    visible = access.visible(user, RescissionCase)
    return [
        Tile("rescissions-open", _("办理中的解除案件"), visible.filter(status__in=OPEN_STATUSES).count(),
             _url("rescissions:list", state="open")),
        Tile("rescissions-lapsed", _("超期失权案件"), visible.filter(status=CaseStatus.LAPSED).count(),
             _url("rescissions:list", state="all", status=CaseStatus.LAPSED), "bad"),
    ]


def _claim_tiles(user) -> list[Tile]:
    tiles = []
    if user.kind == OrganizationKind.INSURER:
        tiles.append(Tile("claims-open", _("未结案理赔"), claims_for_user(user, open_only=True).count(),
                          _url("claims-list", view="open")))
    total, _ranked = breaches_this_month(user)
    tiles.append(Tile("claims-breaches", _("本月理赔时限超期"), total, _url("claims-sla"), "bad"))
    return tiles


def _complaint_tiles(user) -> list[Tile]:
    open_qs = access.visible(user, Complaint).exclude(status=ComplaintStatus.FEEDBACK_GIVEN)
    return [
        Tile("complaints-new", _("待承办举报"),
             open_qs.filter(status__in=[ComplaintStatus.RECEIVED, ComplaintStatus.ROUTED]).count(),
             _url("complaints:staff_list", status=ComplaintStatus.ROUTED), "warn"),
        Tile("complaints-open", _("未反馈举报"), open_qs.count(), _url("complaints:staff_list", status="open")),
    ]


def _action_tiles(user) -> list[Tile]:
    qs = access.visible(user, SupervisoryAction).filter(status=SupervisoryAction.Status.OPEN)
    if user.kind in (OrganizationKind.INSURER, OrganizationKind.TAXI_COMPANY):
        qs = qs.filter(target_id=user.organization_id)
        return [Tile("actions-against", _("针对本单位的监管措施"), qs.count(),
                     _url("credit:actions", status=SupervisoryAction.Status.OPEN), "bad", _("执行中"))]
    return [Tile("actions-open", _("执行中的监管措施"), qs.count(),
                 _url("credit:actions", status=SupervisoryAction.Status.OPEN))]


def _company_tiles(user) -> list[Tile]:
    # one set-based statement, no vehicle verified one by one (apps.policies.onboarding.WorklistRows)
    failing = company_worklist_count(company=user.organization, include_warnings=False)
    pending = access.visible(user, FocusedCheck).filter(result=FocusedCheck.Result.PENDING).count()
    return [
        Tile("vehicles-failing", _("不符合上线要求的车辆"), failing, _url("vehicles:worklist"), "bad",
             _("保单、运输证或承保性质不符（规则 M9）")),
        Tile("focused-checks", _("待反馈重点核查"), pending, _url("claims-checks", result="pending"), "warn",
             _("理赔数据分析列入的车辆和驾驶员（规则 M14）")),
    ]


def _notification_tile(user) -> list[Tile]:
    return [Tile("notifications-unread", _("未读通知"), Notification.objects.filter(user=user, read_at__isnull=True).count(),
                 _url("notifications", show="unread"))]


K = OrganizationKind
_BY_KIND = {
    K.TRANSPORT: [_deadline_tiles, _lead_tiles, _complaint_tiles, _action_tiles],
    K.REGULATOR: [_deadline_tiles, _lead_tiles, _rescission_tiles, _claim_tiles, _complaint_tiles, _action_tiles],
    K.INSURANCE_ASSOCIATION: [_deadline_tiles, _lead_tiles, _rescission_tiles, _claim_tiles, _action_tiles],
    K.TAXI_ASSOCIATION: [_deadline_tiles, _action_tiles],
    K.TAXI_COMPANY: [_deadline_tiles, _company_tiles, _action_tiles],
    K.INSURER: [_deadline_tiles, _worklist_tile, _rescission_tiles, _claim_tiles, _complaint_tiles, _action_tiles],
}


def tiles_for(user) -> list[Tile]:
    """The role's big numbers, then the unread notifications (everyone has the notification centre)."""
    if not user.is_authenticated or not user.organization_id:
        return _notification_tile(user) if user.is_authenticated else []
    tiles: list[Tile] = []
    for fn in _BY_KIND.get(user.kind, [_deadline_tiles]):
        tiles.extend(fn(user))
    tiles.extend(_notification_tile(user))
    for tile in tiles:
        if not tile.value:
            tile.css = ""
    return tiles
