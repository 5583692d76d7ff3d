"""Language: Chinese unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, so an officer whose browser happens to be
English would get English pages. Here the language comes only from the user's explicit choice (the language
cookie set by the switcher in the top bar) and otherwise is settings.LANGUAGE_CODE (zh-hans).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionDeniedErrorMiddleware:
    """A page whose service refused the actor (``PermissionDeniedError``, see ``apps.parties.rights``) answers
    403 with the service's message, the same status the API gives; the role checks stay in the services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.views.defaults import permission_denied

        from .errors import PermissionDeniedError

        if isinstance(exception, PermissionDeniedError):
            return permission_denied(request, PermissionDenied(exception.message))
        return None


class CalendarMemoMiddleware:
    """One request reads each year of the working-day calendar once, however many clocks its pages show
    (apps/core/calendar.py ``memoized``; a write through the calendar clears it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import calendar

        with calendar.memoized():
            return self.get_response(request)
