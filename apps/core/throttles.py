"""Request throttling (DRF) and the guard on searches by a personal field.

A search that filters on a personal field (ID number, phone) answers "is this the number?": whoever may run it
can confirm guesses one request at a time, so it is a reveal by another name. ``personal_search`` lets only the
roles that may reveal that field run it, throttles it together with the reveals (scope ``personal_data``) and
audits it with the searched value masked. Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``; the counters
live in the default (Redis) cache under ``THROTTLE_KEY_PREFIX`` (tests give every test its own prefix).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .audit import audit_record
from .errors import ApplicationError, ErrorCode, PermissionDeniedError


class TooManyRequestsError(ApplicationError):
    status_code = 429

    def __init__(self, message: str, *, code: str = ErrorCode.THROTTLED, extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)


class _Configured:
    """Rates read from the settings when asked (not frozen at import) and keys under THROTTLE_KEY_PREFIX."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        key = super().get_cache_key(request, view)
        prefix = settings.THROTTLE_KEY_PREFIX
        return f"{prefix}{key}" if key and prefix else key


class AnonThrottle(_Configured, AnonRateThrottle):
    pass


class UserThrottle(_Configured, UserRateThrottle):
    pass


class PersonalDataThrottle(_Configured, UserRateThrottle):
    """Reveals and searches by a personal field, per user (per IP without one), pages and API together."""

    scope = "personal_data"


def personal_data_rate(request) -> None:
    """Count one reveal or personal-field search; refuse (429) past the ``personal_data`` rate."""
    throttle = PersonalDataThrottle()
    if not throttle.allow_request(request, None):
        wait = throttle.wait()
        minutes = max(int((wait or 60) // 60), 1)
        raise TooManyRequestsError(
            _("查看或按个人信息查询过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes})


def personal_search(request, *, model, field: str, label: str, value: str, entitled: bool,
                    mask: Callable[[str], str]) -> None:
    """Guard an exact search by a personal field: throttled, only for a role that may reveal the field (the
    caller passes the reveal rule's answer), audited with the value masked. Refused: 403 naming the field."""
    personal_data_rate(request)
    if not entitled:
        raise PermissionDeniedError(
            _("您无权按“%(f)s”查询：只有可以查看该个人信息明文的单位才能按其精确查询。") % {"f": label},
            code=ErrorCode.PERSONAL_SEARCH_DENIED, extra={"fields": {field: [_("无权按此字段查询")]}})
    audit_record(actor=request.user, action="personal_data.search",
                 detail={"model": model._meta.label_lower, "field": field, "value": mask(value)})
