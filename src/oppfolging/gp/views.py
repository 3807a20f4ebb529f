"""The GP's risk list: upload an extract, watch it being scored, review each patient, refer."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.grants import StaffGrant
from oppfolging.access.shortcuts import get_staff_grant
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.gp import selectors, services
from oppfolging.gp.forms import AuthoriseForm, GpReferralForm, ReviewForm, UploadForm
from oppfolging.gp.models import ListStatus, ReviewDecision, RiskEntry, RiskList
from oppfolging.lib import identity
from oppfolging.lib.uploads import SizeLimitedUploadHandler
from oppfolging.referrals.models import ConsentToReport, Referral, Urgency
from oppfolging.submissions.once import AlreadySubmitted, once

FILTERS = {
    "new": ("Nye først", {}),
    "not_followed_up": ("Høy risiko uten oppfølging", {"not_followed_up": True}),
    "rising": ("Økende risiko", {"rising": True}),
    "high": ("Høyeste 5 %", {"is_high": True}),
    "unreviewed": ("Ikke gjennomgått", {"review__isnull": True}),
}
PAGE_SIZE = 50


def _list_for(request: AuthenticatedHttpRequest, list_id: int) -> RiskList:
    risk_list = policy.risk_lists_visible_to(user=request.user).filter(pk=list_id).first()
    if risk_list is None:
        raise Http404
    return risk_list


def _grant(request: AuthenticatedHttpRequest, risk_list: RiskList) -> StaffGrant:
    """Return the user's grant in the list's municipality; 403 when they hold no role there."""
    grant = policy.staff_grant(user=request.user, municipality=risk_list.municipality)
    if grant is None:
        raise PermissionDenied
    return grant


def _entry_for(risk_list: RiskList, entry_id: int) -> RiskEntry:
    entry = risk_list.entries.filter(pk=entry_id).select_related("review").first()
    if entry is None:
        raise Http404
    return entry


@csrf_exempt
def risk_lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My risk lists, and a form to upload a new extract (stopped at the size limit as it streams in)."""
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.GP_EXTRACT_MAX_MB * 1024 * 1024, files=2)
    if request.method == "POST":
        request.upload_handlers.insert(0, handler)
    return _risk_lists(request, handler)


@csrf_protect
def _risk_lists(request: AuthenticatedHttpRequest, handler: SizeLimitedUploadHandler) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_upload_risk_list)
    form = UploadForm(request.POST or None, request.FILES or None)
    if handler.too_large:
        form = UploadForm(request.POST, request.FILES)
        form.is_valid()
        form.errors.pop("extract", None)
        form.add_error("extract", UploadForm.too_large_message())
    elif request.method == "POST" and form.is_valid():
        try:
            risk_list = services.risk_list_upload(
                grant=grant, extract=form.cleaned_data["extract"],
                previous=form.cleaned_data["previous"], keep_files=form.cleaned_data["keep_files"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("gp:detail", list_id=risk_list.pk)
    lists = policy.risk_lists_visible_to(user=request.user).select_related("gp")
    return render(request, "gp/lists.html", {"form": form, "lists": lists}, status=413 if handler.too_large else 200)


def risk_list_detail(request: AuthenticatedHttpRequest, list_id: int) -> HttpResponse:
    """The list, ordered by what is new, with reasons and flags; progress while it is scored."""
    risk_list = _list_for(request, list_id)
    if risk_list.status != ListStatus.DONE:
        template = "gp/_progress.html" if request.headers.get("HX-Request") else "gp/progress.html"
        return render(request, template, {"risk_list": risk_list})
    key = request.GET.get("vis", "new")
    if key not in FILTERS:
        key = "new"
    label, condition = FILTERS[key]
    entries = risk_list.entries.filter(**condition).select_related("review", "review__referral")
    if key == "new":
        # Patients the GP decided about on an earlier list are not new: they follow the rest,
        # each part by what is new.
        carried = Case(When(review__carried=True, then=Value(1)), default=Value(0))
        entries = entries.annotate(carried=carried).order_by("carried", "new_priority")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("side"))
    audit_record(actor=request.user, action=Action.LIST, resource="risk_list", resource_id=risk_list.pk,
                 municipality=risk_list.municipality, role=Role.GP,
                 purpose=_("Fastlegens risikoliste, side %(page)s") % {"page": page.number},
                 ip=client_ip(request))
    return render(request, "gp/detail.html", {
        "risk_list": risk_list, "entries": page.object_list, "page": page, "filters": FILTERS, "current": key,
        "summary": selectors.review_summary(risk_list), "review_form": ReviewForm(),
        "authorise_form": AuthoriseForm(municipality=risk_list.municipality, gp=risk_list.gp,
                                        initial={"users": risk_list.authorised.all()}),
    })


@require_POST
def entry_review(request: AuthenticatedHttpRequest, list_id: int, entry_id: int) -> HttpResponse:
    risk_list = _list_for(request, list_id)
    entry = _entry_for(risk_list, entry_id)
    form = ReviewForm(request.POST)
    refused = ""
    if form.is_valid():
        if form.cleaned_data["decision"] == ReviewDecision.REFER:
            target = reverse("gp:refer", args=[list_id, entry_id])
            if request.headers.get("HX-Request"):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return redirect(target)
        try:
            services.entry_review(grant=_grant(request, risk_list), entry=entry, first=True, **form.cleaned_data)
        except ValidationError as refusal:
            refused = " ".join(refusal.messages)
            if not request.headers.get("HX-Request"):
                messages.error(request, refused)
        entry = _entry_for(risk_list, entry_id)
        form = ReviewForm()
    elif not request.headers.get("HX-Request"):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    if request.headers.get("HX-Request"):
        # The row keeps the number it had in the list as shown.
        number = request.POST.get("number", "")
        return render(request, "gp/_entry.html", {
            "entry": entry, "risk_list": risk_list, "review_form": form, "refused": refused,
            "number": int(number) if re.fullmatch(r"[0-9]{1,7}", number) else None})
    return redirect("gp:detail", list_id=list_id)


def _reported_already(request: AuthenticatedHttpRequest, sent: Referral, list_id: int) -> HttpResponse:
    messages.info(request, _("Pasienten er allerede meldt til koordinerende enhet (kvittering %(code)s).")
                  % {"code": sent.receipt_code})
    return redirect("gp:detail", list_id=list_id)


def entry_refer(request: AuthenticatedHttpRequest, list_id: int, entry_id: int) -> HttpResponse:
    """Report the patient's need to the coordinating unit, prefilled from the list."""
    risk_list = _list_for(request, list_id)
    entry = _entry_for(risk_list, entry_id)
    grant = _grant(request, risk_list)
    initial: dict[str, Any] = {
        "subject_identity_number": entry.national_id,
        "observations": _("Fra risikolisten (plass %(rank)s av %(n)s): %(reasons)s") % {
            "rank": entry.rank, "n": risk_list.patient_count, "reasons": entry.reasons},
        "urgency": Urgency.NORMAL, "consent": ConsentToReport.GIVEN,
    }
    if entry.national_id:
        try:
            initial["subject_birth_date"] = identity.parse(entry.national_id, allow_synthetic=True).birth_date
        except identity.InvalidIdentityNumber:
            pass
    if (sent := selectors.entry_referral(entry)) is not None:
        # Reported already (a double click, another tab, a colleague at the office): say so, once.
        return _reported_already(request, sent, list_id)
    form = GpReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                referral = services.entry_refer(grant=grant, entry=entry, **form.data_without_token())
                submission.created(referral)
        except AlreadySubmitted:  # a double click that met the first while it was being saved
            if (sent := selectors.entry_referral(entry)) is not None:
                return _reported_already(request, sent, list_id)
            return redirect("gp:detail", list_id=list_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Meldingen er sendt til koordinerende enhet (kvittering %(code)s).") % {
                "code": referral.receipt_code})
            return redirect("gp:detail", list_id=list_id)
    # The page shows the patient's identity number and the reasons from the list: a read.
    audit_record(actor=request.user, action=Action.READ, resource="risk_entry", resource_id=entry.pk,
                 municipality=risk_list.municipality, role=Role.GP,
                 purpose=_("Melding om behov fra fastlegens risikoliste"), ip=client_ip(request))
    return render(request, "gp/refer.html", {"form": form, "entry": entry, "risk_list": risk_list})


@require_POST
def authorise(request: AuthenticatedHttpRequest, list_id: int) -> HttpResponse:
    """Let others at the GP's office see the list (only the GP who owns it)."""
    risk_list = _list_for(request, list_id)
    form = AuthoriseForm(request.POST, municipality=risk_list.municipality, gp=risk_list.gp)
    if form.is_valid():
        services.risk_list_authorise(grant=_grant(request, risk_list), risk_list=risk_list,
                                     users=form.cleaned_data["users"])
        messages.success(request, _("Tilgangen er oppdatert."))
    return redirect("gp:detail", list_id=list_id)
