"""Pages: the feeds and their deliveries, and one delivery with the result of each record (transport, the
regulator; a company sees its own). Objects come through the access module (outside the audience: 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from apps.parties import access, rights

from . import metrics, partitions, selectors
from .models import Delivery, Outcome

PAGE_SIZE = 50


@login_required
def feed_list(request):
    rights.require(request.user, "ridehailing.view_delivery")
    deliveries = selectors.deliveries_for(request.user).order_by("-received_at", "-id")
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    feeds = selectors.feeds_for(request.user).order_by("name")
    return render(request, "ridehailing/feed_list.html", {
        "feeds": feeds, "page": page, "retention_days": partitions.retention_days(),
        "quality": metrics.feed_quality(feeds), "quality_days": metrics.QUALITY_DAYS,
    })


@login_required
def delivery_detail(request, number: str):
    rights.require(request.user, "ridehailing.view_deliveryrecord")
    delivery = access.get_for_user(request.user, selectors.deliveries_for(request.user), number=number)
    records = delivery.records.order_by("index")
    if request.GET.get("only") == "rejected":
        records = records.filter(outcome=Outcome.REJECTED)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.shown_errors = selectors.errors_shown(record.errors)
    return render(request, "ridehailing/delivery_detail.html", {
        "delivery": delivery, "page": page, "only_rejected": request.GET.get("only") == "rejected",
        "rejected": Outcome.REJECTED, "source_file": delivery.source == Delivery.Source.FILE,
    })
