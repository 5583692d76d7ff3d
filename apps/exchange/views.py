"""Pages of the exchange: the batch monitor, a batch with its trail and receipt, the evidence download."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.json import KT
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from apps.core.errors import ApplicationError, ConflictError
from apps.core.pagination import BoundedListMixin
from apps.parties import access
from apps.parties.scoping import ScopedPageMixin

from . import crypto, selectors, services
from .forms import BatchFilterForm
from .models import Batch, OrganizationKey


class BatchListView(ScopedPageMixin, BoundedListMixin, ListView):
    """The batch monitor: every batch in the user's audience with its state, retries and receipt time."""

    # who held the receipt's signing key, as the signed receipt says (平台托管密钥 / 本方密钥), without loading it
    queryset = (Batch.objects.select_related("sender", "recipient").defer(*selectors.LIST_FIELDS_DEFERRED)
                .annotate(receipt_custody=KT("receipt__recipient_key_custody")))
    required_perms = ("exchange.view_batch",)
    template_name = "exchange/batch_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        whole_flow = self.request.user.kind in selectors.WHOLE_FLOW or self.request.user.is_superuser
        form = BatchFilterForm(self.request.GET or None, whole_flow=whole_flow)
        filtered = selectors.batch_filter(self.object_list, user=self.request.user, **form.filters())
        context = super().get_context_data(object_list=filtered.order_by("-created_at"), **kwargs)
        counts = selectors.batch_state_counts(self.object_list)
        context.update(
            form=form, page=context["page_obj"], whole_flow=whole_flow, now=timezone.now(),
            state_counts=[
                (value, label, counts.get(value, 0)) for value, label in Batch.State.choices
            ],
        )
        return context


class BatchDetailView(ScopedPageMixin, DetailView):
    queryset = Batch.objects.select_related("sender", "recipient", "created_by")
    required_perms = ("exchange.view_batch",)
    template_name = "exchange/batch_detail.html"
    context_object_name = "batch"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        user = self.request.user
        context.update(
            events=selectors.batch_events(batch=batch),
            verdict=selectors.batch_verify(batch=batch) if batch.receipt else None,
            receipt_time=selectors.batch_receipt_time(batch),
            header_json=json.dumps(batch.header, ensure_ascii=False, indent=2, sort_keys=True),
            receipt_json=json.dumps(batch.receipt, ensure_ascii=False, indent=2, sort_keys=True) if batch.receipt else "",
            may_retry=batch.state in {Batch.State.FAILED, Batch.State.PENDING} and services.batch_may_retry(user, batch),
        )
        # who held the signing keys (平台托管密钥 custodial / 本方密钥 the party's own): the key registry says
        custody = selectors.key_custody(batch)
        sender_custody = custody.get((batch.header or {}).get("sender_key_id"))
        receipt_custody = custody.get((batch.receipt or {}).get("recipient_key_id"))
        signed_at = (batch.receipt or {}).get("signed_at")
        context.update(
            sender_custody_label=selectors.custody_label(sender_custody),
            sender_custodial=(sender_custody or OrganizationKey.Custody.PLATFORM) == OrganizationKey.Custody.PLATFORM,
            receipt_custody_label=selectors.custody_label(receipt_custody),
            receipt_custodial=(receipt_custody or OrganizationKey.Custody.PLATFORM) == OrganizationKey.Custody.PLATFORM,
            receipt_signed_at=crypto.parse_utc_stamp(signed_at) if signed_at else None,
        )
        return context


@login_required
def batch_archive_download(request, pk):
    """The evidence archive (sealed batch + signed receipt + public keys), verifiable offline."""
    batch = access.get_for_user(request.user, Batch.objects.select_related("sender", "recipient"), pk=pk)
    try:
        archive = services.batch_archive_export(actor=request.user, batch=batch, via="web")
    except ConflictError as exc:  # no receipt yet
        messages.error(request, exc.message)
        return redirect("exchange-batch-detail", pk=batch.pk)
    response = HttpResponse(
        json.dumps(archive, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="exchange-evidence-{batch.pk}.json"'
    return response


@login_required
@require_POST
def batch_retry(request, pk):
    batch = access.get_for_user(request.user, Batch, pk=pk)
    try:
        services.batch_retry(batch=batch, actor=request.user)
        messages.success(request, _("已重新安排投递。"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("exchange-batch-detail", pk=batch.pk)
