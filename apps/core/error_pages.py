"""The page a refused form submission (CSRF failure) gets: in the user's language, inside the usual frame (the
top bar, the language switch, a way back), instead of Django's bare English page. The other error pages are the
templates ``403.html``, ``404.html`` and ``500.html`` that Django's default handlers render."""

from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def csrf_failure(request, reason=""):
    from django.http import HttpResponseForbidden

    # ``reason`` is Django's English diagnosis; it goes to the log (django.security.csrf), not to the page
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", {}, request))
