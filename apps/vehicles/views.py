"""Pages of the vehicle, permit and driver registers, the onboarding check and the company worklist (rule M9).

Lists and detail pages take their rows from the access module only (``ScopedPageMixin``: 404 outside the
audience); forms call the same services as the API, and show the services' messages on the fields.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from apps.core.audit import reveal
from apps.core.crypto import blind_index, mask_id_no, mask_name
from apps.core.errors import ApplicationError
from apps.core.exports import Column, export_response
from apps.core.pagination import BoundedListMixin, BoundedPaginator
from apps.core.redirects import safe_next
from apps.core.throttles import personal_data_rate, personal_search
from apps.parties import access, rights
from apps.parties.scoping import ScopedPageMixin

from . import conf, selectors, services
from .access import may_reveal_driver, may_reveal_vehicle_owner, may_search_personal
from .cover import cover
from .forms import (
    DriverFilterForm,
    DriverForm,
    OnboardingForm,
    PermitFilterForm,
    PermitForm,
    VehicleFilterForm,
    VehicleForm,
    apply_service_errors,
)
from .models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle
from .rows import DRIVER_ROWS, PERMIT_ROWS, VEHICLE_ROWS
from .timeline import vehicle_timeline
from .usage import NON_OPERATING_NATURES, OPERATING_NATURES, UsageClass
from .worklist import sections_for as worklist_sections

EXPIRING_DAYS = 30


def spec_columns(spec) -> list[Column]:
    """Export columns = the import template's columns, so an exported file re-imports without changes (personal
    fields are exported masked and a masked cell means "unchanged" on import)."""
    return [Column(c.header, (lambda obj, c=c: c.export(obj)) if c.export else c.field) for c in spec.columns]


class RegisterListView(ScopedPageMixin, BoundedListMixin, ListView):
    """A searchable, filterable, paginated list with CSV/XLSX export of exactly the filtered rows."""

    paginate_by = 50
    # counts at most 10,000 rows; past them "下一页" moves by keyset (apps.core.pagination.BoundedListMixin)
    filter_form_class = None
    export_spec = None
    export_basename = ""

    def filter_queryset(self, qs, data: dict):
        return qs

    def get_filter_form(self):
        return self.filter_form_class(self.request.GET or None)

    def get(self, request, *args, **kwargs):
        self.form = self.get_filter_form()
        qs = self.get_queryset()
        status = 200
        if self.form.is_bound and self.form.is_valid():
            try:
                qs = self.filter_queryset(qs, self.form.cleaned_data)
            except ApplicationError as exc:  # e.g. a search by a personal field the user may not run
                messages.error(request, exc.message)
                qs, status = qs.none(), exc.status_code
        self.object_list = qs
        fmt = request.GET.get("export")
        if fmt and status == 200:
            filters = {k: v for k, v in request.GET.items() if k not in ("export", "page") and v}
            try:
                return export_response(user=request.user, queryset=qs, columns=spec_columns(self.export_spec),
                                       basename=self.export_basename, fmt=fmt, filters=filters)
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return self.render_to_response(self.get_context_data(form=self.form), status=status)


def _usage_filter(value: str, field: str) -> Q:
    if value == f"class:{UsageClass.OPERATING}":
        return Q(**{f"{field}__in": OPERATING_NATURES})
    if value == f"class:{UsageClass.NON_OPERATING}":
        return Q(**{f"{field}__in": NON_OPERATING_NATURES})
    return Q(**{field: value})


# --- vehicles ----------------------------------------------------------------------------------------------------


class VehicleListView(RegisterListView):
    queryset = Vehicle.objects.select_related("company").order_by("plate", "id")
    required_perms = ("vehicles.view_vehicle",)
    template_name = "vehicles/vehicle_list.html"
    filter_form_class = VehicleFilterForm
    export_spec = VEHICLE_ROWS
    export_basename = "车辆"

    def filter_queryset(self, qs, data):
        if data.get("q"):
            text = data["q"].strip().upper()
            qs = qs.filter(Q(plate__contains=text) | Q(vin__contains=text))
        if data.get("company"):
            qs = qs.filter(company=data["company"])
        if data.get("usage"):
            qs = qs.filter(_usage_filter(data["usage"], "usage_nature"))
        if data.get("online") in ("0", "1"):
            qs = qs.filter(online=data["online"] == "1")
        if data.get("scope") == "in":
            qs = qs.filter(seats__lte=7)
        elif data.get("scope") == "out":
            qs = qs.filter(seats__gt=7)
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, may_create=rights.may(self.request.user, "vehicles.add_vehicle"))


def _verification(user, vehicle: Vehicle, at: dt.datetime) -> dict | None:
    """The verification result as this user may see it (supervisors and the owning company in full; an insurer
    its own policies), or None for those who read no policies (the taxi association; a company, but for a vehicle
    of its own ledger)."""
    if not (rights.may(user, "policies.view_policy") or _own_ledger(user, vehicle)):
        return None
    data = verification_display(cover("verification")(user, vehicle, at))  # registered by policies
    # A company sees the policies on its own vehicles here, but may not open a policy's page: no link then.
    data["may_open_policies"] = rights.may(user, "policies.view_policy")
    return data


def _own_ledger(user, vehicle: Vehicle) -> bool:
    """The vehicle is in the ledger of the user's own company (only a taxi company keeps a ledger)."""
    return vehicle.company_id is not None and vehicle.company_id == user.organization_id


def verification_display(data: dict) -> dict:
    """Labels for the template: policy kind, insured usage nature and its class, the instant in local time."""
    from apps.vehicles.usage import nature_label, usage_class

    kind_label = cover("policy_kind_label")  # registered by apps.policies (above vehicles)
    for p in data.get("policies", []):
        p["kind_label"] = kind_label(p.get("kind")) or p.get("kind")
        p["usage_label"] = nature_label(p.get("usage_nature"))
        p["usage_class"] = usage_class(p.get("usage_nature"))
    at = data.get("at")
    if isinstance(at, str):
        data["at_display"] = timezone.localtime(dt.datetime.fromisoformat(at)).strftime("%Y-%m-%d %H:%M")
    return data


class VehicleDetailView(ScopedPageMixin, DetailView):
    """The vehicle's whole picture: particulars, insurance verification now, permits, drivers, onboarding checks,
    and one timeline to which later apps add their sections (``apps.vehicles.timeline``)."""

    queryset = Vehicle.objects.select_related("company")
    required_perms = ("vehicles.view_vehicle",)
    template_name = "vehicles/vehicle_detail.html"
    context_object_name = "vehicle"

    def get_context_data(self, **kwargs):
        user, vehicle = self.request.user, self.object
        now = timezone.now()
        permits = access.visible(user, OperatingPermit.objects.filter(vehicle=vehicle)).order_by("-valid_to")
        assignments = (access.visible(user, DriverAssignment.objects.filter(vehicle=vehicle, ended_on__isnull=True))
                       .select_related("driver"))
        checks = selectors.onboarding_checks_of_vehicle(user=user, vehicle=vehicle)[:10]
        own_company = _own_ledger(user, vehicle)
        return super().get_context_data(
            **kwargs, now=now, verification=_verification(user, vehicle, now), permits=permits,
            assignments=assignments, checks=checks, timeline=vehicle_timeline(user, vehicle),
            may_reveal=may_reveal_vehicle_owner(user, vehicle),
            may_edit=services.may_change_vehicle(user, vehicle),
            own_company=own_company, today=timezone.localdate(),
        )


def _vehicle_service_call(request, form: VehicleForm, vehicle: Vehicle | None):
    data = form.cleaned_data
    common = {
        "engine_no": data["engine_no"], "vehicle_type": data["vehicle_type"], "make_model": data["make_model"],
        "seats": data["seats"], "usage_nature": data["usage_nature"], "registered_on": data["registered_on"],
        "status": data["status"],
    }
    if vehicle is None:
        kwargs = {**common, "vin": data["vin"], "plate": data["plate"] or None, "vin_override": data["vin_override"],
                  "owner_name": data["owner_name"], "owner_id_no": data["owner_id_no"]}
        if "company" in form.fields:
            kwargs["company"] = data["company"]
        return services.vehicle_create(actor=request.user, **kwargs)
    kwargs = {**common, "vin": data["vin"], "plate": data["plate"], "vin_override": data["vin_override"],
              "owner_name": data["owner_name"] or None, "owner_id_no": data["owner_id_no"] or None}
    if "company" in form.fields:
        kwargs["company"] = data["company"]
    return services.vehicle_update(actor=request.user, vehicle=vehicle, **kwargs)


@login_required
def vehicle_form(request, pk: int | None = None):
    user = request.user
    vehicle = access.get_for_user(user, Vehicle, pk=pk) if pk else None
    rights.require(user, "vehicles.change_vehicle" if vehicle else "vehicles.add_vehicle",
                   _("您没有修改车辆信息的权限。") if vehicle else _("您没有登记车辆的权限。"))
    initial = None
    if vehicle is not None:
        initial = {f: getattr(vehicle, f) for f in ("plate", "vin", "vin_override", "engine_no", "vehicle_type",
                                                     "make_model", "seats", "usage_nature", "registered_on",
                                                     "status")}
        initial["company"] = vehicle.company_id
    form = VehicleForm(request.POST or None, user=user, editing=vehicle is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _vehicle_service_call(request, form, vehicle)
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("车辆信息已保存。"))
            return redirect("vehicles:detail", pk=saved.pk)
    return render(request, "vehicles/vehicle_form.html", {"form": form, "vehicle": vehicle},
                  status=400 if request.method == "POST" else 200)


def _reveal_json(request, obj, field: str, allowed: set[str], entitled: bool):
    if field not in allowed:
        raise Http404
    if not entitled:
        return JsonResponse({"error": _("您无权查看该个人信息明文。")}, status=403)
    try:
        personal_data_rate(request)
        value = reveal(actor=request.user, obj=obj, field=field, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:  # no reason given, or too many reveals
        return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status_code)
    return JsonResponse({"field": field, "value": value})


@login_required
@require_POST
def vehicle_reveal(request, pk: int, field: str):
    """The audited reveal of the registered owner's name or ID number (the page shows them masked)."""
    vehicle = access.get_for_user(request.user, Vehicle, pk=pk)
    return _reveal_json(request, vehicle, field, {"owner_name", "owner_id_no"},
                        may_reveal_vehicle_owner(request.user, vehicle))


@login_required
@require_POST
def vehicle_online(request):
    """Mark a vehicle online (from a passing onboarding check) or offline in the company's ledger (rule M9)."""
    online = request.POST.get("online") == "1"
    if online:
        check = access.get_for_user(request.user, OnboardingCheck.objects.select_related("vehicle"),
                                    pk=request.POST.get("check"))
        vehicle = check.vehicle
    else:
        vehicle = access.get_for_user(request.user, Vehicle, pk=request.POST.get("vehicle"))
    try:
        services.vehicle_set_online(actor=request.user, vehicle=vehicle, online=online)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, reverse("vehicles:onboarding")))
    messages.success(request, _("车辆 %(v)s 已上线。") % {"v": vehicle} if online else _("车辆 %(v)s 已下线。") % {
        "v": vehicle})
    return redirect("vehicles:detail", pk=vehicle.pk)


# --- permits -----------------------------------------------------------------------------------------------------


class PermitListView(RegisterListView):
    queryset = OperatingPermit.objects.select_related("vehicle", "vehicle__company").order_by("-valid_to", "id")
    required_perms = ("vehicles.view_operatingpermit",)
    template_name = "vehicles/permit_list.html"
    filter_form_class = PermitFilterForm
    export_spec = PERMIT_ROWS
    export_basename = "运输证"

    def filter_queryset(self, qs, data):
        today = timezone.localdate()
        if data.get("q"):
            text = data["q"].strip().upper()
            qs = qs.filter(Q(number__contains=text) | Q(vehicle__plate__contains=text) | Q(vehicle__vin__contains=text))
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        validity = data.get("validity")
        if validity == "valid":
            qs = qs.filter(valid_from__lte=today, valid_to__gte=today, revoked_at__isnull=True)
        elif validity == "expiring":
            qs = qs.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=EXPIRING_DAYS),
                           revoked_at__isnull=True)
        elif validity == "expired":
            qs = qs.filter(valid_to__lt=today)
        elif validity == "revoked":
            qs = qs.filter(revoked_at__isnull=False)
        if data.get("company"):
            qs = qs.filter(vehicle__company=data["company"])
        return qs

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(**kwargs, today=today, soon=today + dt.timedelta(days=EXPIRING_DAYS),
                                        may_create=rights.may(self.request.user, "vehicles.add_operatingpermit"))


def _vehicle_from_text(text: str) -> Vehicle:
    try:
        return services.vehicle_lookup(text)
    except ApplicationError as exc:
        raise ValidationError({"vehicle": exc.message}) from None


@login_required
def permit_form(request, pk: int | None = None):
    user = request.user
    permit = access.get_for_user(user, OperatingPermit.objects.select_related("vehicle"), pk=pk) if pk else None
    rights.require(user, "vehicles.change_operatingpermit" if permit else "vehicles.add_operatingpermit",
                   _("只有交通运输部门可以登记或修改运输证。"))
    initial = None
    if permit is not None:
        initial = {"vehicle": permit.vehicle.plate or permit.vehicle.vin, "number": permit.number, "kind": permit.kind,
                   "valid_from": permit.valid_from, "valid_to": permit.valid_to, "issued_by": permit.issued_by}
    form = PermitForm(request.POST or None, editing=permit is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if permit is None:
                saved = services.permit_create(
                    actor=user, vehicle=_vehicle_from_text(data["vehicle"]), number=data["number"], kind=data["kind"],
                    valid_from=data["valid_from"], valid_to=data["valid_to"], issued_by=data["issued_by"])
            else:
                saved = services.permit_update(actor=user, permit=permit, kind=data["kind"],
                                               valid_from=data["valid_from"], valid_to=data["valid_to"],
                                               issued_by=data["issued_by"])
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("运输证已保存。"))
            return redirect("vehicles:detail", pk=saved.vehicle_id)
    return render(request, "vehicles/permit_form.html", {"form": form, "permit": permit},
                  status=400 if request.method == "POST" else 200)


# --- drivers -----------------------------------------------------------------------------------------------------


class DriverListView(RegisterListView):
    queryset = Driver.objects.select_related("company").order_by("-created_at", "id")
    required_perms = ("vehicles.view_driver",)
    template_name = "vehicles/driver_list.html"
    filter_form_class = DriverFilterForm
    export_spec = DRIVER_ROWS
    export_basename = "驾驶员"

    def filter_queryset(self, qs, data):
        # personal fields are encrypted: exact search through the blind index only, and only for a role that may
        # reveal them (a search confirms a guess), throttled and audited with the value masked
        request = self.request
        if data.get("id_no"):
            value = data["id_no"].strip().upper()
            personal_search(request, model=Driver, field="id_no", label=_("身份证号码"), value=value,
                            entitled=may_search_personal(request.user), mask=mask_id_no)
            qs = qs.filter(id_no_bidx=blind_index(value))
        if data.get("name"):
            value = data["name"].strip()
            personal_search(request, model=Driver, field="name", label=_("姓名"), value=value,
                            entitled=may_search_personal(request.user), mask=mask_name)
            qs = qs.filter(name_bidx=blind_index(value))
        if data.get("qualification_no"):
            qs = qs.filter(qualification_no=data["qualification_no"].strip().upper())
        if data.get("company"):
            qs = qs.filter(company=data["company"])
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        drivers = list(context["page_obj"].object_list) if context.get("page_obj") else []
        plates = dict(DriverAssignment.objects.filter(driver__in=drivers, ended_on__isnull=True)
                      .values_list("driver_id", "vehicle__plate"))
        for driver in drivers:
            driver.current_plate = plates.get(driver.pk, "")
        context["drivers"] = drivers
        context["may_create"] = rights.may(self.request.user, "vehicles.add_driver")
        return context


class DriverDetailView(ScopedPageMixin, DetailView):
    queryset = Driver.objects.select_related("company")
    required_perms = ("vehicles.view_driver",)
    template_name = "vehicles/driver_detail.html"
    context_object_name = "driver"

    def get_context_data(self, **kwargs):
        user, driver = self.request.user, self.object
        assignments = access.visible(user, DriverAssignment.objects.filter(driver=driver)).select_related("vehicle")
        return super().get_context_data(
            **kwargs, assignments=assignments, may_reveal=may_reveal_driver(user, driver),
            may_edit=services.may_change_driver(user, driver),
        )


@login_required
def driver_form(request, pk: int | None = None):
    user = request.user
    driver = access.get_for_user(user, Driver, pk=pk) if pk else None
    rights.require(user, "vehicles.change_driver" if driver else "vehicles.add_driver",
                   _("您没有修改驾驶员信息的权限。") if driver else _("您没有登记驾驶员的权限。"))
    initial = {"qualification_no": driver.qualification_no} if driver else None
    form = DriverForm(request.POST or None, editing=driver is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vehicle = _vehicle_from_text(data["vehicle"]) if data["vehicle"] else None
            if driver is None:
                saved = services.driver_create(actor=user, name=data["name"], id_no=data["id_no"],
                                               phone=data["phone"], licence_no=data["licence_no"],
                                               qualification_no=data["qualification_no"])
            else:
                saved = services.driver_update(
                    actor=user, driver=driver, name=data["name"] or None, id_no=data["id_no"] or None,
                    phone=data["phone"] or None, licence_no=data["licence_no"] or None,
                    qualification_no=data["qualification_no"])
            if vehicle is not None and not saved.assignments.filter(vehicle=vehicle, ended_on__isnull=True).exists():
                services.driver_assign(actor=user, driver=saved, vehicle=vehicle)
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("驾驶员信息已保存。"))
            return redirect("vehicles:driver", pk=saved.pk)
    return render(request, "vehicles/driver_form.html", {"form": form, "driver": driver},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def driver_reveal(request, pk: int, field: str):
    driver = access.get_for_user(request.user, Driver, pk=pk)
    return _reveal_json(request, driver, field, {"name", "id_no", "phone", "licence_no"},
                        may_reveal_driver(request.user, driver))


# --- onboarding (rule M9) ----------------------------------------------------------------------------------------


def _company_only(user) -> None:
    """The onboarding page and the worklist are a company's own working tools (rule M9): whoever may not check a
    vehicle before it goes online is told they do not exist (404, as before)."""
    if not rights.may(user, "vehicles.add_onboardingcheck"):
        raise Http404


@login_required
def onboarding(request):
    """A company enters a plate or VIN and gets pass/fail with reasons; the check is recorded; a passing check
    lets it mark the vehicle online."""
    user = request.user
    _company_only(user)
    form = OnboardingForm(request.POST or None)
    check = None
    if request.method == "POST" and form.is_valid():
        try:
            check = services.onboarding_check_run(actor=user, query=form.cleaned_data["query"],
                                                  permit_kind=form.cleaned_data["permit_kind"])
        except ApplicationError as exc:
            form.add_error("query", exc.message)
    elif request.GET.get("check"):
        check = access.get_for_user(user, OnboardingCheck.objects.select_related("vehicle"), pk=request.GET["check"])
    recent = access.visible(user, OnboardingCheck).select_related("vehicle", "checked_by").order_by("-checked_at")[:20]
    return render(request, "vehicles/onboarding.html", {
        "form": form, "check": check, "recent": recent,
        "valid_days": conf.onboarding_check_valid_days(),
    }, status=400 if request.method == "POST" and check is None else 200)


@login_required
def worklist(request):
    """The company's online vehicles that no longer pass (policy expired, permit lapsed, insured as non-operating,
    coverage gap) and those about to stop passing."""
    user = request.user
    _company_only(user)
    # a page at a time: which vehicles are listed from one set-based statement, reasons for the page's 50 only
    page = BoundedPaginator(cover("worklist_rows")(company=user.organization), 50).get_page(request.GET.get("page"))
    online = Vehicle.objects.filter(company_id=user.organization_id, online=True).count()
    # the sections other apps register (rule M9: ride-hailing's vehicles online that never passed the check)
    return render(request, "vehicles/worklist.html", {"items": page.object_list, "page": page, "online": online,
                                                      "sections": worklist_sections(user.organization)})

