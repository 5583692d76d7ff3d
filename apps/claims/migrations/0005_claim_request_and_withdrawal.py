# Rules J11 and M13/M15 (issue 14): the claim request instant (the J11 documents-list clock starts there, not at
# the accident report) and the withdrawal (撤案) with its reason. Claims closed before a decision under the old
# reading were withdrawals in substance: they are marked withdrawn, saying that no reason was recorded then.

import datetime
from django.db import migrations, models

OLD_WITHDRAWAL_REASON = "本案在撤案规则实施前以“结案”方式关闭，当时未记录撤案原因。"


def mark_old_withdrawals(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    for claim in Claim.objects.filter(closed_at__isnull=False, decision="", withdrawn_at__isnull=True):
        claim.withdrawn_at, claim.withdrawal_reason, claim.status = claim.closed_at, OLD_WITHDRAWAL_REASON, "withdrawn"
        claim.save(update_fields=["withdrawn_at", "withdrawal_reason", "status"])


def unmark_old_withdrawals(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Claim.objects.filter(withdrawal_reason=OLD_WITHDRAWAL_REASON).update(
        withdrawn_at=None, withdrawal_reason="", status="closed")


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0004_value_ranges'),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='claim_requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='收到索赔请求时间'),
        ),
        migrations.AddField(
            model_name='claim',
            name='withdrawal_reason',
            field=models.TextField(blank=True, verbose_name='撤案原因'),
        ),
        migrations.AddField(
            model_name='claim',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='撤案时间'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='status',
            field=models.CharField(choices=[('reported', '已报案'), ('dispatched', '已调度查勘'), ('documents_requested', '已告知所需材料'), ('documents_complete', '材料已齐全'), ('decided', '已核定'), ('agreed', '已达成赔偿协议'), ('paid', '已赔付'), ('closed', '已结案'), ('withdrawn', '已撤案')], db_index=True, default='reported', max_length=24, verbose_name='状态'),
        ),
        migrations.RunPython(mark_old_withdrawals, unmark_old_withdrawals),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('claim_requested_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('claim_requested_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='claim_claim_requested_at_range'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('withdrawn_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('withdrawn_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='claim_withdrawn_at_range'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('withdrawn_at__isnull', True), models.Q(('closed_at', models.F('withdrawn_at')), models.Q(('withdrawal_reason', ''), _negated=True)), _connector='OR'), name='claim_withdrawal_reasoned'),
        ),
    ]
