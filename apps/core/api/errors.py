"""Every API error has one shape: ``{"error": {"code", "message", "fields"}}``."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError, ErrorCode


def _body(code: ErrorCode | str, message: str, fields=None, extra=None) -> dict:
    error = {"code": str(code), "message": message, "fields": fields or {}}
    if extra:
        error["extra"] = extra
    return {"error": error}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, extra=exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_body(ErrorCode.INVALID, _("提交的数据有误。"), fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = _body(ErrorCode.INVALID, _("提交的数据有误。"), data)
    else:
        # DRF's own codes (not_authenticated, throttled …) are kernel members; any other is the generic "error"
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        code = ErrorCode(codes) if isinstance(codes, str) and codes in ErrorCode.values else ErrorCode.ERROR
        response.data = _body(code, str(getattr(exc, "detail", exc)))
    return response


@csrf_exempt  # it changes nothing: a POST to an unknown URL is a 404 in the shape, not the CSRF failure page
def api_not_found(request, *args, **kwargs):
    """Unknown URLs under /api/v1/ answer 404 in the error shape, not Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse(_body(ErrorCode.NOT_FOUND, _("未找到。")), status=404, json_dumps_params={"ensure_ascii": False})
