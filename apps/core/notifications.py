"""Tell users something: an in-app notification, and an e-mail when the user has an address and mail is set up.

What the platform writes is stored twice: rendered once, in the language active when it happened (for the e-mail,
for searching and for rows older than message ids), and as a message id with its parameters, rendered again in
each reader's language when it is read (``Notification.display_title`` / ``display_body``). Callers pass a
:class:`Text`::

    notify_organization(organization=insurer,
                        title=Text(gettext_noop("督促事项 %(no)s 已办结"), no=item.number),
                        body=result)   # what a user typed stays as it is

A parameter that is itself a label (a choice label, a rule's name: ``choice(obj, "kind")``, a ``gettext_lazy``
string) is stored by its message id and translated at display too; numbers, business numbers and organisation
names are data and are stored as they are.

The same mechanism serves every other text the platform writes into a record that is read later (a complaint's
trail, a policy's status history, a clock's pause or cancellation reason): the record keeps the text rendered
when it was written and, beside it, the message (``{"msgid": …, "params": …}``, from :func:`stored`); pages show
:func:`shown`, the message in the reader's language, or the stored text where there is no message (a user's own
text, a row older than messages). :func:`recognise` finds the message behind an old row's stored Chinese text
(the data migrations of issue 16).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from .models import Notification


def _msgid(lazy: Promise) -> str:
    """The message id behind a lazy translation (rendered with no catalog active)."""
    with translation.override(None):
        return str(lazy)


def _store(value):
    if isinstance(value, Text):
        return {"text": value.as_json()}
    if isinstance(value, Promise):
        return {"msgid": _msgid(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _load(value):
    if isinstance(value, dict):
        if "text" in value:
            inner = value["text"]
            return render(inner.get("msgid", ""), inner.get("params") or {})
        if "msgid" in value:
            return gettext(value["msgid"]) if value["msgid"] else ""
    return value


def render(msgid: str, params: dict) -> str:
    """``msgid`` in the active language, with its parameters (labels among them translated too)."""
    text = gettext(msgid) if msgid else ""
    if not params:
        if "%(" in msgid:
            raise KeyError(f"{msgid!r} names parameters it was not given")
        return text
    return text % {key: _load(value) for key, value in params.items()}


class Text:
    """A message the platform writes now and a user reads later, in the user's language: a message id (wrap it in
    ``gettext_noop`` so the catalogs know it) and its named parameters."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid, /, **params):
        self.msgid = _msgid(msgid) if isinstance(msgid, Promise) else str(msgid)
        self.params = {key: _store(value) for key, value in params.items()}

    def as_json(self) -> dict:
        return {"msgid": self.msgid, "params": self.params}

    @classmethod
    def from_json(cls, message: Mapping) -> Text:
        """The text a stored message (``as_json``, a record's ``…_msg``) says, e.g. to quote it in another text."""
        text = cls(message.get("msgid", ""))
        text.params = dict(message.get("params") or {})
        return text

    def __str__(self) -> str:
        return render(self.msgid, self.params)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.params!r})"


def quoted(text: str, message: Mapping | None) -> str | Text:
    """A stored text as a parameter of another: its message when it has one, else the text as stored."""
    return Text.from_json(message) if message and message.get("msgid") else text


def joined(parts: Iterable, separator: str = "；") -> str | Text:
    """Texts joined into one ("a；b；c"), each part by its message where it is a :class:`Text` (or lazy), so the
    whole reads in the reader's language while it renders, in Chinese, exactly as the parts joined by hand."""
    out: str | Text = ""
    for part in parts:
        if isinstance(part, Promise):
            part = Text(part)
        if out == "":
            out = part
        elif separator == "；":
            out = Text(gettext_noop("%(before)s；%(after)s"), before=out, after=part)
        else:
            out = Text("%(before)s" + separator.replace("%", "%%") + "%(after)s", before=out, after=part)
    return out


def quoted_whole(text: str, message: Mapping | None) -> str | Text:
    """A stored text as a notification's whole body: its message nested as the one parameter ``quoted`` (so its
    own parameters never meet the title's in the notification's one set of parameters), or the text as stored
    (a user's own text, an old row)."""
    inner = quoted(text, message)
    return Text(gettext_noop("%(quoted)s"), quoted=inner) if isinstance(inner, Text) else inner


def stored(value) -> tuple[str, dict]:
    """The two columns of a text that the platform or a user wrote: the text rendered now, and its message
    (``{"msgid", "params"}``; empty for a user's own text, which is shown as typed)."""
    if isinstance(value, Promise):
        value = Text(value)
    if isinstance(value, Text):
        return str(value), value.as_json()
    return ("" if value is None else str(value)), {}


def shown(text: str, message: Mapping | None) -> str:
    """What a reader sees of a stored text: its message in the active language, else the text as stored (a
    user's own text, an old row, or a message whose parameters no longer fit it)."""
    if not message or not message.get("msgid"):
        return text
    try:
        return render(message["msgid"], message.get("params") or {})
    except (KeyError, ValueError, TypeError):
        return text


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])|%%")


def recognise(text: str, msgids: Iterable[str], labels: Mapping[str, Iterable[str]] | None = None) -> dict:
    """The message (``{"msgid", "params"}``) whose Chinese rendering is exactly ``text``, or ``{}``.

    Each of ``msgids`` is tried as a pattern (``%(name)s`` any text, ``%(name)d`` a number); the first whose
    rendering with the parameters found gives back ``text`` exactly wins. A parameter named in ``labels`` must be
    one of its label msgids (else the message does not match) and is stored as that label (translated at display);
    other parameters are data."""
    labels = {key: set(values) for key, values in (labels or {}).items()}
    for msgid in msgids:
        if "%(" not in msgid:  # rendered without formatting (``render``)
            if msgid == text:
                return {"msgid": msgid, "params": {}}
            continue
        pattern, seen, pos = [], set(), 0
        for match in _PLACEHOLDER.finditer(msgid):
            pattern.append(re.escape(msgid[pos:match.start()]))
            name, kind = match.group(1), match.group(2)
            if name is None:
                pattern.append("%")
            elif name in seen:
                pattern.append(f"(?P={name})")
            else:
                seen.add(name)
                pattern.append(f"(?P<{name}>-?\\d+)" if kind == "d" else f"(?P<{name}>.*?)")
            pos = match.end()
        pattern.append(re.escape(msgid[pos:]))
        found = re.fullmatch("".join(pattern), text, flags=re.DOTALL)
        if found is None:
            continue
        values = {name: int(value) if f"%({name})d" in msgid else value for name, value in found.groupdict().items()}
        try:
            if msgid % values != text:
                continue
        except (KeyError, ValueError, TypeError):
            continue
        if any(name in labels and value not in labels[name] for name, value in values.items()):
            continue
        params = {name: {"msgid": value} if name in labels else value for name, value in values.items()}
        return {"msgid": msgid, "params": params}
    return {}


def choice(obj, field: str, choices=None):
    """The label of ``obj``'s choice ``field`` as declared (lazy), so a notification translates it at display;
    ``choices`` (a ``TextChoices``) for a field that declares none; an unknown value is kept as it is."""
    value = getattr(obj, field)
    labels = dict(choices.choices) if choices is not None else dict(obj._meta.get_field(field).flatchoices)
    return labels.get(value, value)


def _parts(title, body) -> dict:
    """The columns of one notification: the rendered texts, and the message ids with their parameters."""
    params: dict = {}
    fields = {"title": str(title), "body": str(body), "title_msgid": "", "body_msgid": ""}
    for name, text in (("title", title), ("body", body)):
        if isinstance(text, Text):
            fields[f"{name}_msgid"] = text.msgid
            for key, value in text.params.items():
                if key in params and params[key] != value:
                    raise ValueError(f"notification parameter {key!r} has two values in its title and body")
                params[key] = value
    fields["params"] = params
    return fields


def notify_users(*, users, title: str | Text, body: str | Text = "", link: str = "", kind: str = "",
                 dedup_key: str = "") -> int:
    """Create one notification per user; with ``dedup_key`` a user never gets the same one twice. ``title`` and
    ``body`` are a :class:`Text` when the platform wrote them, a plain string when a user did."""
    created = 0
    emails = []
    texts = _parts(title, body)
    for user in users:
        fields = {**texts, "link": link, "kind": kind}
        if dedup_key:
            _obj, was_created = Notification.objects.get_or_create(user=user, dedup_key=dedup_key, defaults=fields)
        else:
            Notification.objects.create(user=user, **fields)
            was_created = True
        if was_created:
            created += 1
            if user.email:
                emails.append(user.email)
    if emails and settings.NOTIFY_BY_EMAIL:
        subject, message = texts["title"], f"{texts['body']}\n\n{link}"
        transaction.on_commit(lambda: send_mail(subject, message, None, emails, fail_silently=True))
    return created


def notify_organization(*, organization, **kwargs) -> int:
    users = organization.users.filter(is_active=True, is_system=False)
    return notify_users(users=users, **kwargs)
