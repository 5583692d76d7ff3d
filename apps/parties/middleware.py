"""A signed-in session lasts only while its user and the user's organisation are active.

API keys are refused for a deactivated user or organisation at every request (``authentication.py``); web
sessions are checked here the same way, so deactivating an organisation (or a user) ends its existing sessions
on their next request instead of leaving them working until they expire.
"""

from __future__ import annotations

from django.contrib.auth import logout


def account_is_active(user) -> bool:
    """The user is active and, when it belongs to an organisation, that organisation is active too."""
    if not user.is_active:
        return False
    return user.organization_id is None or user.organization.is_active


class ActiveAccountMiddleware:
    """After ``AuthenticationMiddleware``: a session whose user or organisation was deactivated is signed out
    (session flushed) before the view runs, so the request goes on as an anonymous one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not account_is_active(user):
            logout(request)
        return self.get_response(request)
