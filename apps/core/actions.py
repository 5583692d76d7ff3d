"""One mechanism for an action a page submits (issues 16, 18): a refused action keeps what the user typed.

``form_action`` runs one POST action of a detail page:

- an invalid form changes nothing: the page is shown again (status 400) with the submitted form bound — the input
  kept, each error beside its field — and a message naming each field at fault by its label;
- a service refusal (``ApplicationError``) changed nothing either (the service's transaction): the page is shown
  again with the bound form, the service's message, the error on the field it concerns when the error names one
  (``ApplicationError.fields``), and the status of the error's kind — 400 invalid input, 403 a refusal of rights
  (``PermissionDeniedError``), 409 a state conflict (``ConflictError``);
- success is a message and a redirect (post/redirect/get).

An action without form fields (a bare button) passes ``form=None`` and no ``page``: a refusal is then a message and
the redirect back, as there is nothing typed to keep.

``apply_errors`` is the one way a refusal is put on a form, for the forms that are pages of their own too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import ApplicationError


def apply_errors(form, exc: ApplicationError, *, summary: bool = False) -> None:
    """Put a refusal on ``form``: each error the refusal names goes beside its field (a name the form does not have
    goes to the top of the form); a refusal that names none of the form's fields is shown at the top of the form —
    with ``summary``, always (a form that is a page of its own and shows no separate message)."""
    fields = exc.fields
    shown = False
    for name, errors in fields.items():
        if name in form.fields:
            shown = True
            for error in errors:
                form.add_error(name, error)
        else:
            for error in errors:
                if error != exc.message:
                    form.add_error(None, error)
    if summary or not shown:
        form.add_error(None, exc.message)


def refuse(request, exc: ApplicationError, form=None) -> None:
    """A refusal shown on the page: the service's message on top, its field errors on ``form`` (if any)."""
    if form is not None:
        apply_errors(form, exc)
    messages.error(request, exc.message)


def invalid_messages(request, form) -> None:
    """One message per field at fault, named by its label (as the form shows it): ``联系电话：格式不正确…``."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = "；".join(str(e) for e in errors)
        messages.error(request, f"{label}：{text}" if label else text)


Page = Callable[[Any, int], HttpResponse]


def form_action(request, form, call: Callable[[dict], Any], *, success: str | Callable[[Any], str],
                redirect_to: str | Callable[[Any], str], page: Page | None = None,
                after: Callable[[Any], None] | None = None) -> HttpResponse:
    """Run one action of a page.

    ``form``: the bound form of the action (``None``: a bare button); ``call(cleaned_data)`` calls the service and
    returns its result — or an ``HttpResponse`` of its own (a confirmation step), which is answered as it is;
    ``success``: the success message (or a function of the result); ``redirect_to``: where success goes (a URL or
    a URL name, or a function of the result); ``page(form, status)``: the page shown again with the bound form
    after a refusal — without it a refusal redirects back to ``redirect_to`` with the message; ``after(result)``:
    more messages after success (warnings)."""
    def back(result=None):
        return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)

    if form is not None and not form.is_valid():
        invalid_messages(request, form)
        return page(form, 400) if page is not None else back()
    try:
        result = call(form.cleaned_data if form is not None else {})
    except ApplicationError as exc:
        refuse(request, exc, form)
        return page(form, exc.status_code) if page is not None else back()
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, success(result) if callable(success) else success)
    if after is not None:
        after(result)
    return back(result)
