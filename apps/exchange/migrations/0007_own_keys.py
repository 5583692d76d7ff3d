"""A party's own signing keys (issue “Own keys”): custody, revocation, proof of possession, challenges; batches a
party's own system signs and receipts it signs.

The key registry is append-only in the database, like the batch trail: DELETE is refused, and after a row is
written only ``retired_at`` (once, from empty) and the revocation (``revoked_at``/``revocation_reason``/
``revoked_by``, once, with a reason) may change. A challenge may only be marked used, once. The sealed-batch guard
of 0002 now lets a batch left ``awaiting_signature`` receive its sender's signature once (signature and digest
from empty), and nothing else.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SQL = """
CREATE OR REPLACE FUNCTION exchange_key_guarded() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'exchange keys are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.organization_id IS DISTINCT FROM OLD.organization_id
       OR NEW.purpose IS DISTINCT FROM OLD.purpose OR NEW.algorithm IS DISTINCT FROM OLD.algorithm
       OR NEW.public_key IS DISTINCT FROM OLD.public_key OR NEW.custody IS DISTINCT FROM OLD.custody
       OR NEW.private_key_sealed IS DISTINCT FROM OLD.private_key_sealed
       OR NEW.valid_from IS DISTINCT FROM OLD.valid_from OR NEW.proof IS DISTINCT FROM OLD.proof
       OR NEW.registered_by_id IS DISTINCT FROM OLD.registered_by_id OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.retired_at IS NOT NULL AND NEW.retired_at IS DISTINCT FROM OLD.retired_at)
       OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
           OR NEW.revocation_reason IS DISTINCT FROM OLD.revocation_reason
           OR NEW.revoked_by_id IS DISTINCT FROM OLD.revoked_by_id)) THEN
        RAISE EXCEPTION 'an exchange key entry cannot be rewritten (only retired or revoked, once)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_organizationkey_guarded BEFORE UPDATE OR DELETE ON exchange_organizationkey
    FOR EACH ROW EXECUTE FUNCTION exchange_key_guarded();

CREATE OR REPLACE FUNCTION exchange_challenge_guarded() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.nonce IS DISTINCT FROM OLD.nonce
       OR NEW.organization_id IS DISTINCT FROM OLD.organization_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
       OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
       OR (OLD.used_at IS NOT NULL AND NEW.used_at IS DISTINCT FROM OLD.used_at) THEN
        RAISE EXCEPTION 'a key challenge can only be used, once' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_keychallenge_guarded BEFORE UPDATE OR DELETE ON exchange_keychallenge
    FOR EACH ROW EXECUTE FUNCTION exchange_challenge_guarded();

CREATE OR REPLACE FUNCTION exchange_batch_sealed() RETURNS trigger AS $$
DECLARE
    signing_once boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'exchange_batch rows are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- a batch its sender's own system signs: signature and digest are written once, from empty
    signing_once := OLD.state = 'awaiting_signature' AND OLD.signature = ''::bytea AND OLD.sealed_sha256 = ''
                    AND NEW.signature <> ''::bytea AND NEW.sealed_sha256 <> '';
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.sender_id IS DISTINCT FROM OLD.sender_id OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id
       OR NEW.header IS DISTINCT FROM OLD.header OR NEW.ciphertext IS DISTINCT FROM OLD.ciphertext
       OR (NOT signing_once AND (NEW.signature IS DISTINCT FROM OLD.signature
                                 OR NEW.sealed_sha256 IS DISTINCT FROM OLD.sealed_sha256))
       OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.refs IS DISTINCT FROM OLD.refs
       OR NEW.row_count IS DISTINCT FROM OLD.row_count THEN
        RAISE EXCEPTION 'a sealed exchange batch cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.receipt IS NOT NULL AND (NEW.receipt IS DISTINCT FROM OLD.receipt
       OR NEW.receipt_signature IS DISTINCT FROM OLD.receipt_signature
       OR NEW.receipt_at IS DISTINCT FROM OLD.receipt_at) THEN
        RAISE EXCEPTION 'an exchange receipt cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.receipt_pending IS NOT NULL AND NEW.receipt_pending IS DISTINCT FROM OLD.receipt_pending THEN
        RAISE EXCEPTION 'a receipt awaiting its signature cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
DROP TRIGGER IF EXISTS exchange_keychallenge_guarded ON exchange_keychallenge;
DROP FUNCTION IF EXISTS exchange_challenge_guarded();
DROP TRIGGER IF EXISTS exchange_organizationkey_guarded ON exchange_organizationkey;
DROP FUNCTION IF EXISTS exchange_key_guarded();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0006_transparency_log"),
        ("parties", "0002_role_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="organizationkey",
            name="custody",
            field=models.CharField(choices=[("platform", "平台托管密钥"), ("party", "本方密钥")], default="platform",
                                   max_length=10, verbose_name="私钥保管"),
        ),
        migrations.AlterField(
            model_name="organizationkey",
            name="private_key_sealed",
            field=models.BinaryField(editable=False, null=True, verbose_name="私钥（平台密钥加密）"),
        ),
        migrations.AddField(
            model_name="organizationkey",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="吊销时间"),
        ),
        migrations.AddField(
            model_name="organizationkey",
            name="revocation_reason",
            field=models.TextField(blank=True, verbose_name="吊销原因"),
        ),
        migrations.AddField(
            model_name="organizationkey",
            name="revoked_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="吊销人"),
        ),
        migrations.AddField(
            model_name="organizationkey",
            name="registered_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="登记人"),
        ),
        migrations.AddField(
            model_name="organizationkey",
            name="proof",
            field=models.JSONField(blank=True, default=dict, verbose_name="私钥持有证明"),
        ),
        migrations.AddConstraint(
            model_name="organizationkey",
            constraint=models.CheckConstraint(
                condition=(models.Q(("custody", "party"), ("private_key_sealed__isnull", True))
                           | models.Q(("custody", "platform"), ("private_key_sealed__isnull", False))),
                name="exchange_key_custody_private_half"),
        ),
        migrations.AddConstraint(
            model_name="organizationkey",
            constraint=models.CheckConstraint(
                condition=models.Q(("custody", "platform"), ("purpose", "signing"), _connector="OR"),
                name="exchange_registered_keys_sign"),
        ),
        migrations.AddConstraint(
            model_name="organizationkey",
            constraint=models.CheckConstraint(
                condition=models.Q(("revoked_at__isnull", True), models.Q(("revocation_reason", ""), _negated=True),
                                   _connector="OR"),
                name="exchange_key_revocation_has_reason"),
        ),
        migrations.CreateModel(
            name="KeyChallenge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("nonce", models.CharField(max_length=64, unique=True, verbose_name="挑战值")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="签发时间")),
                ("expires_at", models.DateTimeField(verbose_name="失效时间")),
                ("used_at", models.DateTimeField(blank=True, null=True, verbose_name="使用时间")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                 related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="申请人")),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="parties.organization", verbose_name="单位")),
            ],
            options={"verbose_name": "密钥登记挑战", "verbose_name_plural": "密钥登记挑战", "ordering": ["-created_at"]},
        ),
        migrations.AddField(
            model_name="batch",
            name="receipt_pending",
            field=models.JSONField(blank=True, null=True, verbose_name="待签回执"),
        ),
        migrations.AlterField(
            model_name="batch",
            name="state",
            field=models.CharField(choices=[("pending", "待投递"), ("delivering", "投递中"), ("delivered", "已送达"),
                                            ("rejected", "已拒收"), ("failed", "投递失败"),
                                            ("awaiting_signature", "待发送方系统签名"),
                                            ("receipt_pending", "已入库，待接收方系统签署回执")],
                                   db_index=True, default="pending", max_length=20, verbose_name="状态"),
        ),
        migrations.AlterField(
            model_name="batchevent",
            name="kind",
            field=models.CharField(choices=[
                ("created", "已签名加密并写入发件箱"), ("enqueued", "已排入投递队列"),
                ("enqueue_failed", "排队失败（消息队列不可用），等待补发"), ("attempt", "开始投递"),
                ("received", "接收方已收到"), ("verified", "签名与完整性校验通过"), ("rejected", "已拒收"),
                ("ingested", "已入库"), ("receipt_issued", "接收方已签发回执"), ("duplicate", "重复投递，已忽略"),
                ("failed", "投递出错，将重试"), ("gave_up", "重试次数用尽，需人工处理"),
                ("reclaimed", "投递中断（工作进程退出），已收回待重投"), ("requeued", "补发至投递队列"),
                ("retried", "人工重新投递"), ("signed", "发送方系统已签名"),
                ("receipt_requested", "已入库，等待接收方系统签署回执")], max_length=20, verbose_name="事件"),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
