"""System-to-system clients: ``Authorization: Api-Key <prefix>.<secret>``, per organisation, revocable."""

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .middleware import account_is_active
from .models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        raw = header[len(self.keyword) + 1 :].strip()
        prefix, _sep, secret = raw.partition(".")
        key = ApiKey.objects.select_related("user__organization").filter(prefix=prefix).first()
        if key is None or not secret or not hmac.compare_digest(key.digest, ApiKey.hash(secret)):
            raise exceptions.AuthenticationFailed(_("API 密钥无效。"))
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("API 密钥已被吊销。"))
        if not account_is_active(key.user):
            raise exceptions.AuthenticationFailed(_("该系统账号已停用。"))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.user, key

    def authenticate_header(self, request):
        return self.keyword
