"""The written notices of rule J5, worded as in seed 002 (交强险承保实务规程, 附件三/四/七), filled from case data.

* 附件三 未履行如实告知义务通知书 — to the policyholder, before rescinding (starts the 5 days);
* 附件四 机动车交通事故责任强制保险合同解除通知书 — to the policyholder, on rescission;
* 附件七 机动车交通事故责任强制保险合同解除通报书 — to the vehicle administration, on rescission.

The same Django template renders the printable HTML page and, through WeasyPrint, the PDF stored with the case.
The seed's forms are for compulsory insurance (交强险) and cite 《机动车交通事故责任强制保险条例》; for a commercial
policy the insurance name and the legal basis (《中华人民共和国保险法》第十六条, non-disclosure at inception) are
substituted (rule J13). One notice may cover several policies of one policyholder at the insurer: each policy is
listed with its kind, and the basis of each kind is cited.

A commercial policy whose risk increased after inception (usage changed later, insurer not notified) follows
Insurance Law art. 52 instead: no 附件三 and no 5 days; when the insurer terminates, the policyholder gets the
art. 52 notice (``RISK_INCREASE_TERMINATION``), worded after the statute (premium refunded pro rata).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import asdict, dataclass

from django.db import models
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from apps.core import crypto

from . import conf

logger = logging.getLogger(__name__)

class NoticeKind(models.TextChoices):
    DISCLOSURE_REQUEST = "disclosure_request", _("附件三 未履行如实告知义务通知书")
    RESCISSION = "rescission", _("附件四 合同解除通知书")
    VEHICLE_ADMIN = "vehicle_admin", _("附件七 合同解除通报书")
    RISK_INCREASE_TERMINATION = "risk_increase_termination", _("保险法第五十二条 合同解除通知书（危险程度显著增加）")


ANNEX = {
    NoticeKind.DISCLOSURE_REQUEST: "附件三",
    NoticeKind.RESCISSION: "附件四",
    NoticeKind.VEHICLE_ADMIN: "附件七",
    NoticeKind.RISK_INCREASE_TERMINATION: "",
}
TEMPLATES = {
    NoticeKind.DISCLOSURE_REQUEST: "rescissions/notices/disclosure_request.html",
    NoticeKind.RESCISSION: "rescissions/notices/rescission.html",
    NoticeKind.VEHICLE_ADMIN: "rescissions/notices/vehicle_admin.html",
    NoticeKind.RISK_INCREASE_TERMINATION: "rescissions/notices/risk_increase_termination.html",
}
COMPULSORY_NAME = "机动车交通事故责任强制保险"
COMPULSORY_LAW = "《机动车交通事故责任强制保险条例》"
INSURANCE_LAW = "《中华人民共和国保险法》"
ART16 = "《中华人民共和国保险法》第十六条"
ART52 = "《中华人民共和国保险法》第五十二条"
RISK_INCREASE_MATTER = "被保险机动车的使用性质改变（实际从事客运营运），危险程度显著增加"


@dataclass(frozen=True)
class PolicyLine:
    """One policy a notice covers."""

    number: str
    plate: str
    kind_label: str
    compulsory: bool
    applied_on: dt.date
DEFAULT_MATTER = "被保险机动车的使用性质（实际从事客运营运）"
DEFAULT_REASON = "投保人未履行如实告知义务"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one INFO line per layout step otherwise


@dataclass(frozen=True)
class NoticeData:
    """Everything a notice shows. ``issued_on`` None renders blank date lines (a preview before issuing)."""

    kind: str
    policyholder: str
    plate: str
    policy_number: str
    insurer_name: str
    applied_on: dt.date
    compulsory: bool = True
    insurance_label: str = ""
    matter: str = DEFAULT_MATTER
    issued_on: dt.date | None = None
    contact_name: str = ""
    contact_phone: str = ""
    vehicle_admin: str = ""
    reason: str = DEFAULT_REASON
    doc_no: str = ""
    policies: tuple[PolicyLine, ...] = ()

    @property
    def lines(self) -> tuple[PolicyLine, ...]:
        return self.policies or (PolicyLine(self.policy_number, self.plate, self.insurance_label, self.compulsory,
                                            self.applied_on),)

    @property
    def title(self) -> str:
        if self.kind == NoticeKind.DISCLOSURE_REQUEST:
            return "未履行如实告知义务通知书"
        if self.kind == NoticeKind.RESCISSION:
            return f"{self.insurance_name}合同解除通知书"
        if self.kind == NoticeKind.RISK_INCREASE_TERMINATION:
            return f"{self.insurance_name}合同解除通知书（危险程度显著增加）"
        return f"{self.insurance_name}合同解除通报书"

    @property
    def insurance_name(self) -> str:
        kinds = {line.compulsory for line in self.lines}
        if kinds == {True}:
            return COMPULSORY_NAME
        if len(self.lines) > 1:
            return "机动车保险"
        return self.lines[0].kind_label or self.insurance_label or "机动车保险"

    @property
    def law(self) -> str:
        """The legal basis each kind of policy has (rule J13): the compulsory-insurance regulations for 交强险,
        the Insurance Law (art. 16 for non-disclosure, art. 52 for an increased risk) for commercial policies."""
        if self.kind == NoticeKind.RISK_INCREASE_TERMINATION:
            return ART52
        kinds = {line.compulsory for line in self.lines}
        if kinds == {True, False}:
            return f"{COMPULSORY_LAW}（交强险）和{ART16}（商业保险）"
        return COMPULSORY_LAW if kinds == {True} else ART16

    @property
    def policy_document(self) -> str:
        return "交强险保险单" if {line.compulsory for line in self.lines} == {True} else "保险单"

    def context(self) -> dict:
        data = asdict(self)
        # The seed's blank reads "在＿＿公司投保": a full company name already ends in 公司 (not repeated then).
        data.update(
            title=self.title,
            annex=ANNEX[NoticeKind(self.kind)],
            insurance_name=self.insurance_name,
            law=self.law,
            policy_document=self.policy_document,
            lines=self.lines,
            several=len(self.lines) > 1,
            insurer_named_company=self.insurer_name.endswith("公司"),
            disclosure_days=conf.disclosure_days(),
            vehicle_admin=self.vehicle_admin or conf.vehicle_admin_name(),
            matter=self.matter or DEFAULT_MATTER,
            reason=self.reason or DEFAULT_REASON,
        )
        return data


def render_html(data: NoticeData, *, for_pdf: bool = False, extra: dict | None = None) -> str:
    context = {**data.context(), "for_pdf": for_pdf, **(extra or {})}
    return render_to_string(TEMPLATES[NoticeKind(data.kind)], context)


def render_pdf(data: NoticeData, *, footer_text: str = "") -> bytes:
    from weasyprint import HTML  # imported lazily: loading pango/cairo costs ~0.3 s

    html = render_html(data, for_pdf=True, extra={"footer_text": footer_text})
    return HTML(string=html).write_pdf()  # the PDF's title comes from the page's <title>


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- the PDFs at rest ------------------------------------------------------------------------------------------
# A notice PDF names the policyholder (rule M3): it is stored encrypted (Fernet under PERSONAL_DATA_KEYS, like the
# personal-data columns), readable by the owner only (0600), and decrypted when a permitted user downloads it.

ENCRYPTED_SUFFIX = ".enc"


def seal_pdf(content: bytes) -> bytes:
    return crypto.fernet().encrypt(content)


def stored_name(filename: str) -> str:
    return filename + ENCRYPTED_SUFFIX


def notice_content(notice) -> bytes:
    """The PDF of ``notice`` as issued, decrypted (files written before encryption at rest are plain PDFs).
    b"" when the file cannot be decrypted, which the caller's SHA-256 check then reports."""
    from cryptography.fernet import InvalidToken

    with notice.file.open("rb") as handle:
        raw = handle.read()
    if raw.startswith(b"%PDF"):  # written before encryption at rest (``rescission_notices_reseal`` encrypts it)
        return raw
    try:
        return crypto.fernet().decrypt(raw)
    except InvalidToken:
        logger.error("rescission notice %s cannot be decrypted with any PERSONAL_DATA_KEYS key", notice.pk)
        return b""


def reseal(notice) -> bool:
    """Rewrite the stored file of ``notice`` encrypted under the newest PERSONAL_DATA_KEYS key (plain legacy files
    included), owner-only, replacing it atomically. False (nothing written) when the content fails its SHA-256."""
    import os
    import tempfile

    content = notice_content(notice)
    if sha256(content) != notice.sha256:
        return False
    path = notice.file.path
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".reseal-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(seal_pdf(content))
        os.chmod(tmp, crypto.OWNER_ONLY)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
