"""The services catalogue: what the municipality offers and how to get it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.shortcuts import (
    get_service_for_user,
    get_staff_grant,
    require_in_municipality,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.catalogue import selectors, services
from oppfolging.catalogue.forms import PriceForm, ServiceForm, ServiceSearchForm
from oppfolging.catalogue.models import Service, ServicePrice
from oppfolging.lib.versioning import conflict_rows, save_form_versioned
from oppfolging.submissions.once import AlreadySubmitted, once


def _allow_all(user: object, municipality: object) -> bool:
    return True


def service_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List and search the services of the user's municipality."""
    municipality = require_in_municipality(request, _allow_all)
    services_qs = Service.objects.filter(municipality=municipality)
    can_edit = policy.can_edit_catalogue(request.user, municipality)
    if not can_edit:
        services_qs = services_qs.filter(is_active=True)
    form = ServiceSearchForm(request.GET or None)
    if form.is_valid():
        for word in form.cleaned_data["q"].split():
            services_qs = services_qs.filter(
                Q(name__icontains=word) | Q(description__icontains=word)
                | Q(target_group__icontains=word)
            )
        if form.cleaned_data["sector"]:
            services_qs = services_qs.filter(sector=form.cleaned_data["sector"])
    template = "catalogue/_results.html" if request.headers.get("HX-Request") else "catalogue/service_list.html"
    return render(request, template, {
        "services": services_qs, "form": form, "can_edit": can_edit,
        "can_edit_prices": policy.can_edit_prices(request.user, municipality),
    })


def service_detail(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = get_service_for_user(request, service_id)
    can_edit = policy.can_edit_catalogue(request.user, service.municipality)
    return render(request, "catalogue/service_detail.html", {"service": service, "can_edit": can_edit})


def service_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_edit_catalogue)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                service = services.service_create(grant=grant, **form.model_fields())
                submission.created(service)
        except AlreadySubmitted as earlier:
            # A double click: one service, shown as the first click would have.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("catalogue:detail", service_id=earlier.object_id) if earlier.object_id else redirect(
                "catalogue:list")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Tjenesten er lagt til i katalogen."))
            return redirect("catalogue:detail", service_id=service.pk)
    return render(request, "catalogue/service_form.html", {"form": form, "service": None})


def service_edit(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = get_service_for_user(request, service_id, write=True)
    grant = get_staff_grant(request, policy.can_edit_catalogue)
    form = ServiceForm(request.POST or None, instance=service)
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, lambda version, fields: services.service_update(
            grant=grant, service=service, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Endringene er lagret."))
            return redirect("catalogue:detail", service_id=service.pk)
    return render(
        request, "catalogue/service_form.html", {"form": form, "service": service, "conflict": conflict,
         "conflict_rows": conflict_rows(form, conflict) if conflict else []}
    )


def price_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the municipality's prices per service, unit and year (its leaders and the coordinating unit)."""
    municipality = require_in_municipality(request, policy.can_edit_prices)
    return render(request, "catalogue/price_list.html", {"prices": selectors.prices_for(municipality)})


def price_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_edit_prices)
    form = PriceForm(request.POST or None, services=selectors.priceable_services(grant.municipality))
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.price_create(grant=grant, **form.model_fields()))
        except AlreadySubmitted:
            # A double click: one price, and the list it leads to.
            messages.info(request, _("Prisen var allerede lagt til."))
            return redirect("catalogue:prices")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Prisen er lagt til."))
            return redirect("catalogue:prices")
    return render(request, "catalogue/price_form.html", {"form": form, "price": None})


def price_edit(request: AuthenticatedHttpRequest, price_id: int) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_edit_prices)
    price = ServicePrice.objects.filter(pk=price_id, municipality=grant.municipality).first()
    if price is None:
        raise Http404("No such price.")
    form = PriceForm(request.POST or None, instance=price,
                     services=selectors.priceable_services(grant.municipality))
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, lambda version, fields: services.price_update(
            grant=grant, price=price, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Endringene er lagret."))
            return redirect("catalogue:prices")
    return render(request, "catalogue/price_form.html", {
        "form": form, "price": price, "conflict": conflict,
        "conflict_rows": conflict_rows(form, conflict) if conflict else []})
