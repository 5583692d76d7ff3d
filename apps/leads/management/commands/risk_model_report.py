"""``manage.py risk_model_report [--since YYYY-MM-DD]``: how good the risk identification model's leads were
(rule M8) — precision against risk-model leads later confirmed or dismissed by the offline check, recall against
every confirmed lead whose vehicle the model had flagged before the check."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.deadlines import SHANGHAI
from apps.leads.models import Lead, RiskModelWeights, Source
from apps.leads.risk import precision_recall


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "风险识别模型效果：精确率（模型线索中经核查确认的比例）和召回率（确认的非法营运车辆中模型事先识别的比例）。"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="只统计该日期（含）之后核查的线索，格式 YYYY-MM-DD")

    def handle(self, *args, since=None, **options):
        since_at = None
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
            since_at = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
        r = precision_recall(since=since_at)
        self.stdout.write(f"风险识别模型效果（截至 {timezone.localtime():%Y-%m-%d %H:%M}{'，自 ' + since if since else ''}）")
        self.stdout.write(f"  已核查的模型线索: {r['checked']}（确认 {r['confirmed']}，排除 {r['dismissed']}）")
        self.stdout.write(f"  精确率 precision: {_pct(r['precision'])}")
        self.stdout.write(f"  已确认非法营运的车辆: {r['confirmed_vehicles']}，其中模型事先识别: {r['flagged_before_check']}")
        self.stdout.write(f"  召回率 recall: {_pct(r['recall'])}")
        pending = Lead.objects.filter(source=Source.RISK_MODEL, outcome="").count()
        self.stdout.write(f"  尚未核查的模型线索: {pending}")
        latest = RiskModelWeights.objects.order_by("-version").first()
        if latest:
            self.stdout.write(f"  当前权重版本: v{latest.version}，阈值 {latest.threshold}")
