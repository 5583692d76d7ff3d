"""Tell users something: an in-app notification, and an e-mail when the user has an address and mail is set up."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification


def notify_users(*, users, title: str, body: str = "", link: str = "", kind: str = "", dedup_key: str = "") -> int:
    """Create one notification per user; with ``dedup_key`` a user never gets the same one twice."""
    created = 0
    emails = []
    for user in users:
        fields = {"title": title, "body": body, "link": link, "kind": kind}
        if dedup_key:
            _obj, was_created = Notification.objects.get_or_create(user=user, dedup_key=dedup_key, defaults=fields)
        else:
            Notification.objects.create(user=user, **fields)
            was_created = True
        if was_created:
            created += 1
            if user.email:
                emails.append(user.email)
    if emails and getattr(settings, "NOTIFY_BY_EMAIL", True):
        transaction.on_commit(lambda: send_mail(title, f"{body}\n\n{link}", None, emails, fail_silently=True))
    return created


def notify_organization(*, organization, **kwargs) -> int:
    users = organization.users.filter(is_active=True, is_system=False)
    return notify_users(users=users, **kwargs)
