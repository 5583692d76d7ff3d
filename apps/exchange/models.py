"""Key pairs of the organisations, the outbox of sealed batches, the recipients' inbox and the event trail.

Rule M3 (data sharing under data-security rules): every push between the parties is a signed, encrypted batch
with a signed receipt; see ``crypto.py`` for the exact bytes and docs/exchange.md for the flow.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.notifications import shown

from . import crypto


class OrganizationKey(models.Model):
    """One key of an organisation — the registry entry the verifier trusts. Keys are never deleted: a rotated
    key is retired, a compromised one revoked (with a reason), so what they signed still verifies (or is reported
    as signed after the revocation).

    * **custodial** (``custody = platform``): the platform generated the pair and holds the private half, sealed
      under ``PLATFORM_KEY``; every signature made with it is marked custodial (the platform signed in the party's
      name). Parties that use only the web pages have such keys.
    * **registered** (``custody = party``): the party's own system generated the pair and registered the public
      half with a proof of possession (its signature over a platform-issued challenge); the platform stores no
      private half (``private_key_sealed`` is NULL, a database constraint) and so cannot sign with it.

    Append-only in the database (migration 0007): only ``retired_at`` (once, from empty) and the revocation fields
    (once, with a reason) may ever be written after the row is created; DELETE is refused."""

    class Purpose(models.TextChoices):
        SIGNING = "signing", _("签名")
        ENCRYPTION = "encryption", _("加密")

    class Custody(models.TextChoices):
        PLATFORM = "platform", _("平台托管密钥")
        PARTY = "party", _("本方密钥")

    # purpose -> algorithm, per suite family (the 国密 family uses SM2 for both)
    ALGORITHM_FOR_PURPOSE = {Purpose.SIGNING: crypto.ED25519, Purpose.ENCRYPTION: crypto.X25519}
    ALGORITHMS = {
        crypto.FAMILY_INTL: {Purpose.SIGNING: crypto.ED25519, Purpose.ENCRYPTION: crypto.X25519},
        crypto.FAMILY_SM: {Purpose.SIGNING: crypto.SM2, Purpose.ENCRYPTION: crypto.SM2},
    }

    key_id = models.CharField(_("密钥编号"), max_length=80, unique=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="exchange_keys"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    algorithm = models.CharField(_("算法"), max_length=20)
    public_key = models.CharField(_("公钥（Base64）"), max_length=100)
    custody = models.CharField(_("私钥保管"), max_length=10, choices=Custody.choices, default=Custody.PLATFORM)
    private_key_sealed = models.BinaryField(_("私钥（平台密钥加密）"), editable=False, null=True)
    valid_from = models.DateTimeField(_("启用时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revocation_reason = models.TextField(_("吊销原因"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("吊销人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    proof = models.JSONField(_("私钥持有证明"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("交换密钥")
        verbose_name_plural = _("交换密钥")
        ordering = ["organization_id", "purpose", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "purpose", "algorithm"], condition=Q(retired_at__isnull=True),
                name="exchange_one_current_key_per_purpose_algorithm",
            ),
            # a registered key has no private half on the platform; a custodial key always has one
            models.CheckConstraint(
                condition=(Q(custody="party", private_key_sealed__isnull=True)
                           | Q(custody="platform", private_key_sealed__isnull=False)),
                name="exchange_key_custody_private_half",
            ),
            models.CheckConstraint(condition=Q(custody="platform") | Q(purpose="signing"),
                                   name="exchange_registered_keys_sign"),
            models.CheckConstraint(condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                                   name="exchange_key_revocation_has_reason"),
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def public_raw(self) -> bytes:
        return crypto.b64d(self.public_key)

    def valid_at(self, instant) -> bool:
        return (self.valid_from <= instant and (self.retired_at is None or instant < self.retired_at)
                and (self.revoked_at is None or instant < self.revoked_at))

    @property
    def custodial(self) -> bool:
        return self.custody == self.Custody.PLATFORM


class KeyChallenge(models.Model):
    """A nonce the platform issues to a party for one key registration: the party's system signs the challenge
    message (naming the nonce, the party and the public key) with the private key it registers — its proof of
    possession. Used once; expires (``EXCHANGE_KEY_CHALLENGE_SECONDS``). Append-only but for ``used_at`` (once)."""

    nonce = models.CharField(_("挑战值"), max_length=64, unique=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("密钥登记挑战")
        verbose_name_plural = _("密钥登记挑战")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.nonce


class ExchangeProfile(models.Model):
    """How one party exchanges: its algorithm suite (empty = the deployment's ``EXCHANGE_SUITE``).

    A batch uses the 国密 suite when the sender's or the recipient's effective suite is 国密 (a party assessed for
    commercial cryptography never receives or sends anything else); otherwise the international one."""

    class Suite(models.TextChoices):
        DEFAULT = "", _("按平台默认")
        INTL = crypto.FAMILY_INTL, _("国际算法（Ed25519、X25519、AES-256-GCM、SHA-256）")
        SM = crypto.FAMILY_SM, _("国密算法（SM2、SM4、SM3）")

    organization = models.OneToOneField(
        "parties.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="exchange_profile"
    )
    suite = models.CharField(_("算法套件"), max_length=10, choices=Suite.choices, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("交换配置")
        verbose_name_plural = _("交换配置")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.suite or '-'}"


class Batch(models.Model):
    """The outbox row — the truth about a push, whatever the queue says."""

    class State(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERING = "delivering", _("投递中")
        DELIVERED = "delivered", _("已送达")
        REJECTED = "rejected", _("已拒收")
        FAILED = "failed", _("投递失败")
        AWAITING_SIGNATURE = "awaiting_signature", _("待发送方系统签名")
        RECEIPT_PENDING = "receipt_pending", _("已入库，待接收方系统签署回执")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类别"), max_length=40, db_index=True)
    sender = models.ForeignKey(
        "parties.Organization", verbose_name=_("发送方"), on_delete=models.PROTECT, related_name="exchange_sent"
    )
    recipient = models.ForeignKey(
        "parties.Organization", verbose_name=_("接收方"), on_delete=models.PROTECT, related_name="exchange_received"
    )
    refs = models.JSONField(_("业务编号"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("条数"), default=0)
    header = models.JSONField(_("批次头"))
    ciphertext = models.BinaryField(_("密文"))
    signature = models.BinaryField(_("发送方签名"))
    sealed_sha256 = models.CharField(_("批次摘要（SHA-256 或 SM3）"), max_length=64)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("投递次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次投递"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近投递"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    last_error_msg = models.JSONField(_("最近错误（消息）"), default=dict, blank=True,
                                      help_text=_("平台写下的错误（投递中断）的消息编号与参数，按读者的语言显示"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    receipt_at = models.DateTimeField(_("回执时间（接收方知悉时间）"), null=True, blank=True, db_index=True)
    receipt = models.JSONField(_("回执"), null=True, blank=True)
    receipt_signature = models.BinaryField(_("回执签名"), null=True, blank=True)
    # the receipt body a party with its own keys must sign (its system fetches it through the API); the platform
    # cannot sign it. Becomes ``receipt`` once the party's signature verifies.
    receipt_pending = models.JSONField(_("待签回执"), null=True, blank=True)
    rejection_code = models.CharField(_("拒收代码"), max_length=40, blank=True)
    rejected_reason = models.TextField(_("拒收原因"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("交换批次")
        verbose_name_plural = _("交换批次")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="exchange_batch_due_idx"),
            models.Index(fields=["sender", "-created_at"], name="exchange_batch_sender_idx"),
            models.Index(fields=["recipient", "-created_at"], name="exchange_batch_recipient_idx"),
            GinIndex(fields=["refs"], name="exchange_batch_refs_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def display_last_error(self) -> str:
        """The last error in the reader's language when the platform wrote it (a delivery interrupted by a dead
        worker, issue 16); an error as raised, or an older row, as stored."""

        return shown(self.last_error, self.last_error_msg)

    @property
    def header_bytes(self) -> bytes:
        return crypto.canonical_json(self.header)

    @property
    def kind_label(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)

    @property
    def is_final(self) -> bool:
        return self.state in {self.State.DELIVERED, self.State.REJECTED, self.State.RECEIPT_PENDING}

    @property
    def gave_up(self) -> bool:
        return self.state == self.State.FAILED and self.next_attempt_at is None

    @property
    def state_css(self) -> str:
        if self.state == self.State.DELIVERED:
            return "ok"
        if self.state == self.State.REJECTED or self.gave_up:
            return "bad"
        if self.state in {self.State.FAILED, self.State.AWAITING_SIGNATURE, self.State.RECEIPT_PENDING}:
            return "warn"
        return ""


class InboxEntry(models.Model):
    """The recipient's record of a batch it accepted: its id and nonce are consumed here once and for all."""

    batch = models.OneToOneField(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="inbox_entry")
    recipient = models.ForeignKey(
        "parties.Organization", verbose_name=_("接收方"), on_delete=models.PROTECT, related_name="exchange_inbox"
    )
    claimed_batch_id = models.UUIDField(_("批次头中的批次号"), unique=True)
    nonce = models.CharField(_("随机数"), max_length=64, unique=True)
    sealed_sha256 = models.CharField(_("批次摘要（SHA-256 或 SM3）"), max_length=64)
    received_at = models.DateTimeField(_("接收时间"))
    ingested_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    case_refs = models.JSONField(_("案件编号"), default=list, blank=True)

    class Meta:
        verbose_name = _("收件记录")
        verbose_name_plural = _("收件记录")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.recipient_id} ← {self.claimed_batch_id}"


class BatchEvent(models.Model):
    """Append-only trail of a batch (the database refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("已签名加密并写入发件箱")
        ENQUEUED = "enqueued", _("已排入投递队列")
        ENQUEUE_FAILED = "enqueue_failed", _("排队失败（消息队列不可用），等待补发")
        ATTEMPT = "attempt", _("开始投递")
        RECEIVED = "received", _("接收方已收到")
        VERIFIED = "verified", _("签名与完整性校验通过")
        REJECTED = "rejected", _("已拒收")
        INGESTED = "ingested", _("已入库")
        RECEIPT_ISSUED = "receipt_issued", _("接收方已签发回执")
        DUPLICATE = "duplicate", _("重复投递，已忽略")
        FAILED = "failed", _("投递出错，将重试")
        GAVE_UP = "gave_up", _("重试次数用尽，需人工处理")
        RECLAIMED = "reclaimed", _("投递中断（工作进程退出），已收回待重投")
        REQUEUED = "requeued", _("补发至投递队列")
        RETRIED = "retried", _("人工重新投递")
        SIGNED = "signed", _("发送方系统已签名")
        RECEIPT_REQUESTED = "receipt_requested", _("已入库，等待接收方系统签署回执")

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("执行方"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    attempt = models.PositiveSmallIntegerField(_("第几次投递"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("批次事件")
        verbose_name_plural = _("批次事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"

    @property
    def css(self) -> str:
        if self.kind in {self.Kind.REJECTED, self.Kind.GAVE_UP}:
            return "bad"
        if self.kind in {self.Kind.FAILED, self.Kind.ENQUEUE_FAILED, self.Kind.RECLAIMED}:
            return "warn"
        if self.kind in {self.Kind.RECEIPT_ISSUED, self.Kind.INGESTED, self.Kind.VERIFIED, self.Kind.SIGNED}:
            return "ok"
        return ""


class LogEntry(models.Model):
    """One entry of the transparency log (RFC 9162 manner): the hash of a batch, a receipt or a notice, at a fixed
    position. Append-only: the database refuses UPDATE and DELETE (migration 0006)."""

    class Kind(models.TextChoices):
        BATCH = "batch", _("交换批次")
        RECEIPT = "receipt", _("接收回执")
        NOTICE = "notice", _("文书")
        KEY = "key", _("本方签名密钥登记")
        KEY_REVOCATION = "key_revocation", _("签名密钥吊销")

    index = models.BigIntegerField(_("序号"), primary_key=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    ref = models.CharField(_("对象"), max_length=120)
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    data = models.JSONField(_("登记内容"))
    leaf_hash = models.CharField(_("叶子哈希"), max_length=64)
    appended_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("透明日志条目")
        verbose_name_plural = _("透明日志条目")
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="exchange_log_entry_once")]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind} {self.ref}"


class TreeHead(models.Model):
    """A tree head of the transparency log signed by the platform root (append-only, migration 0006)."""

    class Trigger(models.TextChoices):
        BATCH = "batch", _("批次之后")
        INTERVAL = "interval", _("定时")
        COMMAND = "command", _("命令")

    tree_size = models.BigIntegerField(_("条目数"))
    root_hash = models.CharField(_("根哈希"), max_length=64)
    body = models.JSONField(_("树头"))
    signature = models.BinaryField(_("平台签名"))
    trigger = models.CharField(_("签署时机"), max_length=20, choices=Trigger.choices)
    signed_at = models.DateTimeField(_("签署时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("签名树头")
        verbose_name_plural = _("签名树头")
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"STH {self.tree_size} {self.root_hash[:12]}"


class LogNode(models.Model):
    """A complete subtree of the transparency log of level ≥ 1 (level 0 is ``LogEntry.leaf_hash``): it covers the
    leaves ``[index·2^level, (index+1)·2^level)`` and never changes once written (append-only, migration 0010), so
    an append and a proof read O(log n) of them instead of every leaf."""

    level = models.PositiveSmallIntegerField(_("层"))
    index = models.BigIntegerField(_("位置"))
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("透明日志子树")
        verbose_name_plural = _("透明日志子树")
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="exchange_log_node_once")]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class LogState(models.Model):
    """The one row an append locks (``SELECT … FOR UPDATE``): the tree size, its root and its frontier (the
    right-edge complete subtrees, largest first, hex)."""

    tree_size = models.BigIntegerField(_("条目数"), default=0)
    root_hash = models.CharField(_("根哈希"), max_length=64, blank=True)
    frontier = models.JSONField(_("右缘子树"), default=list)

    class Meta:
        verbose_name = _("透明日志状态")
        verbose_name_plural = _("透明日志状态")

    def __str__(self) -> str:
        return f"log {self.tree_size}"


class TreeHeadToken(models.Model):
    """An RFC 3161 timestamp token (the TSA's ``TimeStampResp``, DER) over a signed tree head — its imprint is
    SHA-256 of the head's signature (``tsa.imprint``) — from the timestamp authority named in settings. Append-only
    (migration 0010); a head without one is still valid."""

    head = models.OneToOneField(TreeHead, verbose_name=_("签名树头"), on_delete=models.PROTECT,
                                related_name="timestamp_token")
    token = models.BinaryField(_("时间戳令牌"))
    tsa_url = models.CharField(_("时间戳服务"), max_length=300)
    gen_time = models.DateTimeField(_("时间戳时间"))
    obtained_at = models.DateTimeField(_("取得时间"), default=timezone.now)

    class Meta:
        verbose_name = _("树头时间戳")
        verbose_name_plural = _("树头时间戳")

    def __str__(self) -> str:
        return f"TST {self.head_id}"


class DocumentCertificate(models.Model):
    """An X.509 certificate for signing PDF documents (PAdES), with its ECDSA P-256 key. ``organization`` empty:
    the platform document CA (self-signed, the trust anchor of the verify page); otherwise a party's
    document-signing certificate issued by that CA — custodial (``custody`` platform: the key sealed under
    ``PLATFORM_KEY`` like the exchange keys, subject OU “平台托管”, policy ``pdfsign.CUSTODIAL_POLICY_OID``) or for a
    key the party holds itself (``custody`` party: no private key here, registered with its proof of possession,
    subject OU “本方持有密钥”, policy ``pdfsign.PARTY_POLICY_OID``). See ``apps/exchange/pdfsign.py``."""

    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="document_certificates")
    key_id = models.CharField(_("密钥编号"), max_length=80, unique=True)
    custody = models.CharField(_("私钥保管"), max_length=10, choices=OrganizationKey.Custody.choices,
                               default=OrganizationKey.Custody.PLATFORM)
    private_key_sealed = models.BinaryField(_("私钥（密封）"), null=True, blank=True)
    proof = models.JSONField(_("私钥持有证明"), default=dict, blank=True,
                             help_text=_("本方密钥：登记时的挑战值与签名（平台托管密钥为空）"))
    certificate = models.TextField(_("证书（PEM）"))
    serial = models.CharField(_("证书序列号"), max_length=64)
    not_before = models.DateTimeField(_("有效期起"))
    not_after = models.DateTimeField(_("有效期止"))
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文书签名证书")
        verbose_name_plural = _("文书签名证书")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.organization or _('平台文书 CA')} {self.serial[:12]}"


class SignedDocument(models.Model):
    """A formal document as the issuing party signed it (PAdES): the signed PDF's bytes (encrypted at rest, it may
    name a policyholder), their SHA-256 (the verify page finds the record by it, the transparency log carries it),
    who signed, when, and the platform record it belongs to (``source``, e.g. ``rescission-notice:12``)."""

    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64, unique=True)
    source = models.CharField(_("来源记录"), max_length=80, unique=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(DocumentCertificate, verbose_name=_("签名证书"), on_delete=models.PROTECT,
                                    related_name="documents")
    title = models.CharField(_("文书名称"), max_length=80)
    doc_no = models.CharField(_("文书编号"), max_length=80)
    case_ref = models.CharField(_("案件编号"), max_length=60, blank=True, db_index=True)
    content_sealed = models.BinaryField(_("已签名 PDF（加密）"))
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    signed_at = models.DateTimeField(_("签署时间"))

    class Meta:
        verbose_name = _("已签名文书")
        verbose_name_plural = _("已签名文书")
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.doc_no}"


class PendingDocument(models.Model):
    """A formal document issued in the name of a party that holds its own key (``ownkeys.self_signing``): the
    platform does not sign it; it keeps the unsigned PDF exactly as issued (encrypted at rest, it may name a
    policyholder) until the party's system fetches it, signs it with the key of its document certificate
    (``DocumentCertificate`` custody party) and uploads the signed file, which becomes the ``SignedDocument``
    (``signed``). See ``pdfsign.party_signed_accept``."""

    source = models.CharField(_("来源记录"), max_length=80, unique=True)
    organization = models.ForeignKey(
        "parties.Organization", verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("文书名称"), max_length=80)
    doc_no = models.CharField(_("文书编号"), max_length=80)
    case_ref = models.CharField(_("案件编号"), max_length=60, blank=True)
    sha256 = models.CharField(_("未签名文件摘要（SHA-256）"), max_length=64)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    content_sealed = models.BinaryField(_("未签名 PDF（加密）"))
    created_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    signed = models.OneToOneField(SignedDocument, verbose_name=_("已签名文书"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="pending")

    class Meta:
        verbose_name = _("待本方签名文书")
        verbose_name_plural = _("待本方签名文书")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.doc_no}"
