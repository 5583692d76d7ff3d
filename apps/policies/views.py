"""Pages of the policy register, the coverage standard (M10), the premium calculator and underwriting flags."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from apps.core.deadlines import SHANGHAI
from apps.core.documents import pdf_response
from apps.core.errors import ApplicationError
from apps.parties import access, rights
from apps.parties.scoping import ScopedPageMixin
from apps.vehicles.forms import apply_service_errors
from apps.vehicles.timeline import TimelineItem
from apps.vehicles.views import RegisterListView, _reveal_json, _usage_filter

from . import endorsement_document, services
from .access import may_reveal_policyholder
from .forms import (
    CancellationForm,
    CarrierCalcForm,
    CommercialCalcForm,
    CompulsoryCalcForm,
    EndorsementForm,
    ExtensionForm,
    PolicyFilterForm,
    PolicyForm,
    StandardForm,
    UnderwritingFilterForm,
)
from .models import Cancellation, CoverageStandard, Policy
from .premiums_api import quote_carrier, quote_commercial, quote_compulsory
from .rows import POLICY_ROWS
from .underwriting import RULES, FlaggedPaginator, flagged_policies, policy_flags

# --- list and detail ---------------------------------------------------------------------------------------------


class PolicyListView(RegisterListView):
    queryset = (Policy.objects.select_related("insurer", "vehicle").prefetch_related("coverages")
                .order_by("-starts_at", "-id"))
    required_perms = ("policies.view_policy",)
    template_name = "policies/policy_list.html"
    filter_form_class = PolicyFilterForm
    export_spec = POLICY_ROWS
    export_basename = "保单"

    def get_filter_form(self):
        return PolicyFilterForm(self.request.GET or None, user=self.request.user)

    def filter_queryset(self, qs, data):
        if data.get("q"):
            text = data["q"].strip().upper()
            qs = qs.filter(Q(number=text) | Q(vehicle__plate=text) | Q(vehicle__vin=text)
                           | Q(number__startswith=text))
        if data.get("insurer"):
            qs = qs.filter(insurer=data["insurer"])
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("usage"):
            qs = qs.filter(_usage_filter(data["usage"], "usage_nature_insured"))
        now = timezone.now()
        if data.get("in_force") == "1":
            qs = qs.filter(Policy.in_force_q(now))
        elif data.get("in_force") == "0":
            qs = qs.exclude(Policy.in_force_q(now))
        return qs

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(**kwargs, now=timezone.now(),
                                        may_create=rights.may(user, "policies.add_policy"))


class PolicyDetailView(ScopedPageMixin, DetailView):
    queryset = Policy.objects.select_related("insurer", "vehicle", "vehicle__company").prefetch_related("coverages")
    required_perms = ("policies.view_policy",)
    template_name = "policies/policy_detail.html"
    context_object_name = "policy"

    def get_context_data(self, **kwargs):
        user, policy = self.request.user, self.object
        mine = user.is_superuser or policy.insurer_id == user.organization_id
        active = policy.status == Policy.Status.ACTIVE
        return super().get_context_data(
            endorsements=access.visible(user, policy.endorsements.select_related("actor")).order_by("effective_on", "id"),
            status_changes=access.visible(user, policy.status_changes.select_related("actor")).order_by("at", "id"),
            cancellation=access.visible(user, Cancellation.objects.filter(policy=policy)).first(),
            may_endorse=active and mine and rights.may(user, "policies.add_endorsement"),
            may_cancel=active and mine and rights.may(user, "policies.cancel_policy"),
            may_extend=(active and mine and rights.may(user, "policies.extend_policy")
                        and policy.kind == "compulsory" and policy.laid_up_extension_months is None
                        and policy.usage_class == "operating"),
            **kwargs, flags=policy_flags(policy), now=timezone.now(), in_force=policy.in_force_at(timezone.now()),
            may_reveal=may_reveal_policyholder(user, policy),
            may_edit=rights.may(user, "policies.change_policy") and policy.insurer_id == user.organization_id,
            vehicle_visible=access.is_visible(user, policy.vehicle),
        )


@login_required
def endorsement_pdf(request, pk: int, endorsement_pk: int):
    """The endorsement's form (批改单, rules J8, J9, J13) as the insurer signed it, for those who read the policy and
    may reveal its policyholder's name (the form names them); others 403/404 as for the policy."""
    content, name = endorsement_document.for_reader(request.user, policy_pk=pk, endorsement_pk=endorsement_pk)
    return pdf_response(content, name)


@login_required
@require_POST
def policy_reveal(request, pk: int, field: str):
    policy = access.get_for_user(request.user, Policy, pk=pk)
    return _reveal_json(request, policy, field, {"policyholder_name"}, may_reveal_policyholder(request.user, policy))


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)


def _end(day: dt.date) -> dt.datetime:
    """24时 of the last day (J3 periods: 0时 of the first day to 24时 of the last)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def _coverage_line(data: dict) -> list[dict] | None:
    if data.get("limit") is None and data.get("per_seat_limit") is None:
        return None
    return [{"kind": data["kind"], "limit": data.get("limit"), "per_seat_limit": data.get("per_seat_limit"),
             "seats": data.get("cover_seats")}]


@login_required
def policy_form(request, pk: int | None = None):
    """An insurer registers or corrects one of its own policies (the services refuse anything else)."""
    user = request.user
    policy = access.get_for_user(user, Policy.objects.select_related("vehicle"), pk=pk) if pk else None
    rights.require(user, "policies.change_policy" if policy else "policies.add_policy",
                   _("您没有修改保单的权限。") if policy else _("您没有登记保单的权限。"))
    initial = None
    if policy is not None:
        line = next((c for c in policy.coverages.all() if c.kind == policy.kind), None)
        initial = {"number": policy.number, "kind": policy.kind, "vin": policy.vehicle.vin,
                   "plate": policy.vehicle.plate, "usage_nature_insured": policy.usage_nature_insured,
                   "starts_on": timezone.localtime(policy.starts_at).date(),
                   "ends_on": (timezone.localtime(policy.ends_at) - dt.timedelta(microseconds=1)).date(),
                   "premium": policy.premium, "limit": line.limit if line else None,
                   "per_seat_limit": line.per_seat_limit if line else None, "cover_seats": line.seats if line else None}
    form = PolicyForm(request.POST or None, editing=policy is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if policy is None:
                if Policy.objects.filter(insurer_id=user.organization_id, number=data["number"].strip()).exists():
                    raise ValidationError({"number": _("本公司已有保单号为“%(n)s”的保单。") % {"n": data["number"]}})
                saved, _outcome = services.policy_upsert(
                    actor=user, number=data["number"], vin=data["vin"], plate=data["plate"] or None,
                    kind=data["kind"], usage_nature_insured=data["usage_nature_insured"],
                    starts_at=_start(data["starts_on"]), ends_at=_end(data["ends_on"]), premium=data["premium"],
                    policyholder_name=data["policyholder_name"], coverages=_coverage_line(data),
                    vehicle_fields={"seats": data.get("seats")} if data.get("seats") else None)
            else:
                # the period and the usage nature are not the edit's to change (disabled fields: the current values)
                saved = services.policy_update(
                    actor=user, policy=policy, kind=data["kind"], premium=data["premium"],
                    policyholder_name=data["policyholder_name"] or None, coverages=_coverage_line(data))
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc, field_map={"starts_at": "starts_on", "ends_at": "ends_on",
                                                       "coverages": "limit", "vehicle": "vin"})
        else:
            messages.success(request, _("保单已保存。"))
            return redirect("policies:detail", pk=saved.pk)
    return render(request, "policies/policy_form.html", {"form": form, "policy": policy},
                  status=400 if request.method == "POST" else 200)


def policies_on_vehicle_timeline(user, vehicle):
    """The vehicle timeline's policy events (only the policies the user may see)."""
    now = timezone.now()
    for p in access.visible(user, Policy.objects.filter(vehicle=vehicle)).select_related("insurer"):
        url = reverse("policies:detail", args=[p.pk])
        label = f"{p.get_kind_display()} {p.number} · {p.insurer} · {p.get_usage_nature_insured_display()}"
        css = "" if p.usage_class == "operating" or vehicle.usage_class != "operating" else "bad"
        yield TimelineItem(p.starts_at, "policy", _("保险起期"), label, url=url, css=css)
        if p.rescinded_at:
            yield TimelineItem(p.rescinded_at, "policy", _("保险合同解除"), label, url=url, css="bad")
        elif p.cancelled_at:
            yield TimelineItem(p.cancelled_at, "policy", _("退保"), label, url=url, css="warn")
        else:
            yield TimelineItem(p.ends_at, "policy", _("保险止期"), label, url=url, future=p.ends_at > now)


# --- lifecycle: endorsement, cancellation, laid-up extension (rules J6–J10, C5) -----------------------------------


def _lifecycle_policy(request, pk: int, perm: str, message: str) -> Policy:
    policy = access.get_for_user(request.user, Policy.objects.select_related("vehicle", "insurer"), pk=pk)
    rights.require(request.user, perm, message)
    return policy


def _lifecycle_page(request, policy, form, template: str, *, title: str, extra=None):
    return render(request, template, {"form": form, "policy": policy, "title": title, **(extra or {})},
                  status=400 if request.method == "POST" else 200)


@login_required
def policy_endorse(request, pk: int):
    """The issuing insurer records an endorsement (批改) of the usage nature (rules J8, J9)."""
    policy = _lifecycle_policy(request, pk, "policies.add_endorsement", _("您没有办理保单批改的权限。"))
    form = EndorsementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endorsement = services.policy_endorse(
                actor=request.user, policy=policy, usage_nature=data["usage_nature"],
                effective_on=data["effective_on"], premium_mode=data["premium_mode"], reason=data["reason"],
                new_premium=data["new_premium"])
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已批改：使用性质自 %(d)s 起为“%(u)s”，保费增减 %(delta)s 元。") % {
                "d": endorsement.effective_on, "u": endorsement.get_usage_nature_to_display(),
                "delta": endorsement.premium_delta})
            return redirect("policies:detail", pk=policy.pk)
    return _lifecycle_page(request, policy, form, "policies/lifecycle_form.html", title=_("批改保单"))


@login_required
def policy_cancel(request, pk: int):
    """The issuing insurer cancels (退保) on an enumerated ground with its evidence (rules J6, J7, C5)."""
    policy = _lifecycle_policy(request, pk, "policies.cancel_policy", _("您没有办理退保的权限。"))
    form = CancellationForm(request.POST or None, grounds=services.allowed_grounds(policy))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.policy_cancel(
                actor=request.user, policy=policy, ground=data["ground"], evidence=data["evidence"],
                at=data["at"], evidence_ref=data.get("evidence_ref") or "", refund=data.get("refund"),
                laid_up_from=data.get("laid_up_from"), laid_up_to=data.get("laid_up_to"))
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc, field_map={"cancelled_at": "at"})
        else:
            messages.success(request, _("已办理退保。"))
            return redirect("policies:detail", pk=policy.pk)
    return _lifecycle_page(request, policy, form, "policies/lifecycle_form.html", title=_("退保"))


@login_required
def policy_extend(request, pk: int):
    """Rule J10: the laid-up extension of a compulsory policy of an operating vehicle (once, 1–4 months)."""
    policy = _lifecycle_policy(request, pk, "policies.extend_policy", _("您没有办理保险期间顺延的权限。"))
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_extend_laid_up(actor=request.user, policy=policy, months=form.cleaned_data["months"],
                                           evidence=form.cleaned_data["evidence"])
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已办理停驶顺延。"))
            return redirect("policies:detail", pk=policy.pk)
    return _lifecycle_page(request, policy, form, "policies/lifecycle_form.html", title=_("停驶顺延（规则 J10）"))


# --- coverage standard (rule M10) ----------------------------------------------------------------------------------


@login_required
def standard(request):
    """The standard in force and its history; association staff publish a new version with an effective date."""
    user = request.user
    rights.require(user, "policies.view_coveragestandard", _("您没有查看保障标准的权限。"))
    standards = access.visible(user, CoverageStandard.objects.prefetch_related("requirements")
                               .select_related("published_by")).order_by("-effective_from", "-id")
    current = services.coverage_standard_in_force(timezone.now())
    may_publish = rights.may(user, "policies.add_coveragestandard")
    form = None
    if may_publish:
        form = StandardForm(request.POST or None, current=current)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                published = services.coverage_standard_propose(
                    actor=user, name=data["name"], effective_from=data["effective_from"],
                    effective_to=data["effective_to"], basis=data["basis"], requirements=form.requirements())
            except (ValidationError, ApplicationError) as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已提议保障标准“%(n)s”（自 %(d)s 起），待另一协会审核通过后生效。") % {
                    "n": published.name, "d": published.effective_from})
                return redirect("policies:standard")
    elif request.method == "POST":
        rights.require(user, "policies.add_coveragestandard", _("只有保险行业协会、出租汽车行业协会可以发布保障标准。"))
    return render(request, "policies/standard.html", {
        "standards": standards, "current": current, "form": form, "today": timezone.localdate(),
        "may_decide": rights.may(user, "policies.approve_coveragestandard"),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def standard_decide(request, pk: int):
    """Rule M10: the other association approves (then it is in force) or rejects (with a reason) a proposal."""
    user = request.user
    rights.require(user, "policies.approve_coveragestandard", _("只有另一协会可以审核提议的保障标准。"))
    standard = access.get_for_user(user, CoverageStandard, pk=pk)
    approve = request.POST.get("approve")
    if approve not in ("0", "1"):
        messages.error(request, _("请选择“审核通过”或“不予通过”。"))
        return redirect("policies:standard")
    try:
        services.coverage_standard_decide(actor=user, standard=standard, approve=approve == "1",
                                          reason=request.POST.get("reason", ""))
    except (ValidationError, ApplicationError) as exc:
        text = exc.message if isinstance(exc, ApplicationError) else "；".join(
            m for ms in exc.message_dict.values() for m in ms)
        messages.error(request, text)
    else:
        messages.success(request, _("已审核保障标准“%(n)s”。") % {"n": standard.name})
    return redirect("policies:standard")


# --- premium calculator --------------------------------------------------------------------------------------------


@login_required
def calculator(request):
    """Compulsory (J4, J12), carrier liability (C1–C3) and commercial (P1) premiums; the same functions as the API."""
    which = request.GET.get("calc")
    forms = {
        "compulsory": CompulsoryCalcForm(request.GET if which == "compulsory" else None),
        "carrier": CarrierCalcForm(request.GET if which == "carrier" else None),
        "commercial": CommercialCalcForm(request.GET if which == "commercial" else None),
    }
    quoters = {"compulsory": quote_compulsory, "carrier": quote_carrier, "commercial": quote_commercial}
    result = None
    if which in forms and forms[which].is_valid():
        try:
            result = quoters[which](forms[which].cleaned_data)
        except ApplicationError as exc:
            forms[which].add_error(None, exc.message)
    return render(request, "policies/calculator.html", {"forms": forms, "which": which, "result": result})


# --- underwriting flags ------------------------------------------------------------------------------------------


@login_required
def underwriting(request):
    """Policy records breaking underwriting rules (C2, P3, M11): the regulator and the insurance association see
    every insurer's; an insurer its own."""
    user = request.user
    rights.require(user, "policies.review_underwriting", _("您没有查看核保规则检查的权限。"))
    form = UnderwritingFilterForm(request.GET or None, user=user)
    qs = access.visible(user, Policy.objects.select_related("insurer", "vehicle").prefetch_related("coverages"))
    rule = None
    scope = "in_force"
    if form.is_bound and form.is_valid():
        rule = form.cleaned_data.get("rule") or None
        scope = form.cleaned_data.get("scope") or "in_force"
        if form.cleaned_data.get("insurer"):
            qs = qs.filter(insurer=form.cleaned_data["insurer"])
    if scope == "in_force":
        qs = qs.filter(Policy.in_force_q(timezone.now()))
    qs = flagged_policies(qs, rule).order_by("-starts_at", "-id")
    page = FlaggedPaginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"policy": p, "flags": [f for f in policy_flags(p) if rule is None or f.code == rule]} for p in page]
    return render(request, "policies/underwriting.html", {"form": form, "page": page, "rows": rows, "rules": RULES})
