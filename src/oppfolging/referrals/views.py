"""Reporting a need (public form and in-app) and the coordinating unit's triage queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.grants import StaffGrant
from oppfolging.access.shortcuts import (
    active_municipality,
    get_referral_for_user,
    get_staff_grant,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.lib import identity
from oppfolging.lib.params import id_param, number_param
from oppfolging.lib.versioning import EditConflict
from oppfolging.people import selectors as people_selectors
from oppfolging.people.models import Person
from oppfolging.referrals import services
from oppfolging.referrals.forms import (
    AssignForm,
    DeadlineForm,
    InAppReferralForm,
    LinkPersonForm,
    PublicReferralForm,
    QueueFilterForm,
    ReasonForm,
    RegisterPersonForm,
)
from oppfolging.referrals.models import OPEN_STATUSES, Referral, Source, Status, Urgency
from oppfolging.submissions.once import AlreadySubmitted, once

RECEIPTS_SESSION_KEY = "referral_receipts"


@login_not_required
def public_start(request: HttpRequest) -> HttpResponse:
    """Let anyone choose the municipality to report a need to."""
    return render(
        request, "referrals/public_start.html", {"municipalities": Municipality.objects.all()}
    )


@login_not_required
def public_form(request: HttpRequest, number: str) -> HttpResponse:
    """The public report-of-need form: no sign-in, rate-limited, nothing typed is ever lost."""
    municipality = Municipality.objects.filter(number=number).first()
    if municipality is None:
        raise Http404
    form = PublicReferralForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        valid = form.is_valid()
        limited = services.public_form_rate_limited(ip=ip)
        earlier: Referral | None = None
        if valid and not limited:
            # The token is spent with the report, in one transaction.
            try:
                referral = services.referral_create_public(
                    municipality=municipality, ip=ip, nonce=form.token_nonce, **form.referral_fields()
                )
            except services.PublicFormAlreadySent as sent:
                fresh, earlier = False, sent.referral
            else:
                return _receipt_redirect(request, referral)
        else:
            # Every token that passed the time check is spent, sent through or not: one token, one
            # try (the form shown again carries a new one).
            fresh = not form.token_nonce or services.public_form_token_spend(nonce=form.token_nonce)
        mine = earlier is not None and earlier.receipt_code in request.session.get(RECEIPTS_SESSION_KEY, [])
        if mine and earlier is not None and form.referral_fields().get("observations") == earlier.observations:
            # A double click or "back and send again" of the same report: show the report made.
            messages.info(request, _("Meldingen var allerede sendt. Her er kvitteringen."))
            return redirect("public_referral_receipt", code=earlier.receipt_code)
        if limited:
            form.add_error(
                None,
                _("Det er sendt mange meldinger fra denne adressen den siste timen. Vent litt og "
                  "prøv igjen, eller ring koordinerende enhet. Det du skrev er tatt vare på."),
            )
            form.renew_token()
        elif not fresh:
            if mine and earlier is not None:
                form.add_error(None, _("Dette skjemaet er allerede sendt, og meldingen er mottatt med "
                                       "kvitteringskoden %(code)s. Hvis du vil sende en ny melding i tillegg, "
                                       "send skjemaet på nytt – det du skrev er tatt vare på.")
                               % {"code": earlier.receipt_code})
            else:
                form.add_error(None, _("Dette skjemaet er allerede sendt. Hvis du vil sende en ny melding, "
                                       "send skjemaet på nytt – det du skrev er tatt vare på."))
            form.renew_token()
    return render(
        request, "referrals/public_form.html", {"form": form, "municipality": municipality}
    )


def _receipt_redirect(request: HttpRequest, referral: Referral) -> HttpResponse:
    """Remember the receipt in this browser session and show it."""
    request.session[RECEIPTS_SESSION_KEY] = [
        *request.session.get(RECEIPTS_SESSION_KEY, []), referral.receipt_code
    ][-10:]
    return redirect("public_referral_receipt", code=referral.receipt_code)


@login_not_required
def public_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """Show the receipt, only in the browser session that sent the report."""
    if code not in request.session.get(RECEIPTS_SESSION_KEY, []):
        raise Http404
    referral = Referral.objects.select_related("municipality").get(receipt_code=code)
    return render(request, "referrals/public_receipt.html", {"referral": referral})


def referral_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinating unit's queue: every urgent report first, then overdue ones, by deadline."""
    municipality = active_municipality(request)
    user: User = request.user
    if not (policy.can_triage(user, municipality) or policy.can_report_need(user, municipality)):
        raise Http404
    referrals = policy.referrals_visible_to(user=user, municipality=municipality)
    form = QueueFilterForm(request.GET or None)
    status = "open"
    if form.is_valid():
        status = form.cleaned_data["status"] or "open"
        if form.cleaned_data["mine"]:
            referrals = referrals.filter(assigned_to=user)
        if form.cleaned_data["overdue"]:
            referrals = referrals.filter(deadline__lt=timezone.localdate(), status__in=OPEN_STATUSES)
    if status == "open":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        referrals = referrals.filter(status=status)
    today = timezone.localdate()
    referrals = (
        referrals.select_related("assigned_to", "person")
        .annotate(
            overdue=Case(
                When(Q(deadline__lt=today) & Q(status__in=OPEN_STATUSES), then=Value(0)),
                default=Value(1), output_field=IntegerField(),
            ),
            urgency_rank=Case(
                When(urgency=Urgency.URGENT, then=Value(0)), When(urgency=Urgency.SOON, then=Value(1)),
                default=Value(2), output_field=IntegerField(),
            ),
        )
        .order_by("urgency_rank", "overdue", "deadline", "received_at")[:300]
    )
    audit_record(
        actor=user, action=Action.LIST, resource="referral_queue", municipality=municipality,
        purpose=_("Kø av meldinger om behov"), ip=client_ip(request),
    )
    return render(
        request, "referrals/queue.html",
        {"referrals": referrals, "form": form, "can_triage": policy.can_triage(user, municipality)},
    )


PICKER_SIZE = 20


def referral_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A professional reports a need from inside the app."""
    grant = get_staff_grant(request, policy.can_report_need)
    municipality = grant.municipality
    user: User = request.user
    persons = policy.persons_visible_to(user=user, municipality=municipality).order_by(
        "family_name", "given_name"
    )
    default_source = Source.GP if Role.GP in request.roles else Source.MUNICIPAL_SERVICE
    initial: dict[str, Any] = {"source": default_source}
    if (person_id := id_param(request.GET.get("person"))) is not None:
        initial["person"] = persons.filter(pk=person_id).first()
    form = InAppReferralForm(request.POST or None, persons=persons, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.data_without_token()
        person = data.pop("person")
        try:
            with once(form.submission, user=user) as submission:
                referral = services.referral_create(
                    grant=grant, person=person, reporter_name=user.full_name,
                    reporter_email=user.email, reporter_phone=user.phone,
                    reporter_organisation=", ".join(
                        a.service.name for a in policy.role_assignments(user)
                        if a.municipality_id == municipality.pk and a.service
                    )[:200],
                    **data,
                )
                submission.created(referral)
        except AlreadySubmitted as earlier:
            # A double click or "back and send again": the report was sent once; show its receipt.
            sent = Referral.objects.filter(pk=earlier.object_id or 0, reporter_user=user).first()
            if sent is not None:
                messages.info(request, _("Meldingen var allerede sendt. Kvitteringsnummer: %(code)s")
                              % {"code": sent.receipt_code})
            return redirect("home:start")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Meldingen er sendt til koordinerende enhet. Kvitteringsnummer: %(code)s")
                % {"code": referral.receipt_code},
            )
            return redirect("home:start")
    # The form lists no one (the picker searches, and logs each search); a person chosen already,
    # from their own page, is shown by name: a read in the log.
    if isinstance(chosen := initial.get("person"), Person):
        audit_record(actor=user, action=Action.READ, resource="person", person=chosen, municipality=municipality,
                     purpose=_("Velge person til en melding om behov"), ip=client_ip(request))
    return render(request, "referrals/create.html", {"form": form})


def person_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Answer the new report's person picker: the visible persons matching what is typed, a few."""
    grant = get_staff_grant(request, policy.can_report_need)
    user: User = request.user
    query = request.GET.get("person_q", "").strip()[:100]
    persons: list[Person] = []
    if len(query) >= 2:
        visible = policy.persons_visible_to(user=user, municipality=grant.municipality)
        persons = list(people_selectors.matching(visible, query).order_by("family_name", "given_name")[:PICKER_SIZE])
        audit_record(
            actor=user, action=Action.SEARCH, resource="person_list", municipality=grant.municipality,
            purpose=_("Søk etter person til en melding om behov"), ip=client_ip(request),
        )
    return render(request, "referrals/_person_choices.html", {
        "persons": persons, "query": query, "name": "person", "more": len(persons) == PICKER_SIZE,
    })


def referral_detail(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """One report: what was reported, and the triage actions."""
    return _render_detail(request, get_referral_for_user(request, referral_id))


def _render_detail(request: AuthenticatedHttpRequest, referral: Referral, *, reason_form: ReasonForm | None = None,
                   status: int = 200) -> HttpResponse:
    user: User = request.user
    matches: QuerySet[Person] | list[Person] = []
    can_triage = policy.can_triage(user, referral.municipality)
    if can_triage and referral.person is None:
        # The unit confirms the match itself: by the number the reporter gave, or by birth date
        # and family name.
        same = Q(pk__in=[])
        if referral.subject_identity_number:
            same |= Q(identity_number=referral.subject_identity_number)
        if referral.subject_birth_date:
            same |= Q(birth_date=referral.subject_birth_date, family_name__iexact=referral.subject_family_name)
        matches = Person.objects.filter(same, municipality=referral.municipality)
    return render(request, "referrals/detail.html", {
        "referral": referral,
        "assign_form": AssignForm(
            municipality=referral.municipality, initial={"assignee": referral.assigned_to}
        ),
        "reason_form": reason_form or ReasonForm(),
        "deadline_form": DeadlineForm(initial={"deadline": referral.deadline}),
        "link_form": LinkPersonForm(),
        "register_form": RegisterPersonForm.from_referral(referral),
        "matches": matches,
        "can_triage": can_triage,
    }, status=status)


def _version(request: AuthenticatedHttpRequest) -> int:
    """Return the version of the report the user saw, so a stale page cannot overwrite a change.

    A request without one is refused as stale (versions start at 1): it cannot say what it saw.
    """
    return number_param(request.POST.get("version")) or 0


def _act(request: AuthenticatedHttpRequest, referral_id: int, action) -> HttpResponse:  # noqa: ANN001
    referral = get_referral_for_user(request, referral_id)
    grant = policy.staff_grant(user=request.user, municipality=referral.municipality)
    if grant is None or not policy.can_triage(request.user, referral.municipality):
        raise PermissionDenied
    try:
        message = action(grant, referral)
    except EditConflict as conflict:
        messages.error(request, _("Noen andre endret meldingen mens du hadde den oppe. Se over og prøv igjen."))
        if "reason" in request.POST:
            # A reason takes writing: show the report as it is now with what the user wrote kept.
            return _render_detail(request, conflict.current, reason_form=ReasonForm(request.POST), status=409)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if message:
            messages.success(request, message)
    return redirect("referrals:detail", referral_id=referral.pk)


@require_POST
def referral_assign(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    def action(grant: StaffGrant, referral: Referral) -> str:
        form = AssignForm(request.POST, municipality=referral.municipality)
        if not form.is_valid():
            raise ValidationError(_("Velg en saksbehandler i kommunen."))
        services.referral_assign(grant=grant, referral=referral, assignee=form.cleaned_data["assignee"],
                                 expected_version=_version(request))
        return _("Saksbehandler er oppdatert.")

    return _act(request, referral_id, action)


@require_POST
def referral_link_person(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    def action(grant: StaffGrant, referral: Referral) -> str:
        form = LinkPersonForm(request.POST)
        form.is_valid()
        number = identity.compact(form.cleaned_data.get("identity_number", ""))
        person = None
        if number:
            person = Person.objects.filter(municipality=referral.municipality, identity_number=number).first()
            if person is None:
                raise ValidationError(_("Fant ingen person med dette nummeret i kommunen."))
        elif (pk := id_param(request.POST.get("person"))) is not None:
            person = Person.objects.filter(municipality=referral.municipality, pk=pk).first()
        services.referral_link_person(grant=grant, referral=referral, person=person)
        return _("Meldingen er koblet til personregisteret.")

    return _act(request, referral_id, action)


@require_POST
def referral_register_person(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Register the person from the report in one step (identity number optional), and link them."""
    def action(grant: StaffGrant, referral: Referral) -> str:
        form = RegisterPersonForm(request.POST)
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        person = services.referral_register_person(grant=grant, referral=referral, **form.cleaned_data)
        if person.identity_missing:
            return _("%(name)s er registrert uten fødselsnummer og er merket til nummeret er lagt inn.") % {
                "name": person.full_name}
        return _("%(name)s er registrert og koblet til meldingen.") % {"name": person.full_name}

    return _act(request, referral_id, action)


@require_POST
def referral_deadline(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    def action(grant: StaffGrant, referral: Referral) -> str:
        form = DeadlineForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Oppgi en gyldig dato."))
        services.referral_set_deadline(grant=grant, referral=referral, deadline=form.cleaned_data["deadline"],
                                       expected_version=_version(request))
        return _("Fristen er endret.")

    return _act(request, referral_id, action)


def _close(request: AuthenticatedHttpRequest, referral_id: int, status: str) -> HttpResponse:
    def action(grant: StaffGrant, referral: Referral) -> str:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Skriv en begrunnelse på minst 10 tegn."))
        services.referral_close(grant=grant, referral=referral, status=status,
                                reason=form.cleaned_data["reason"], expected_version=_version(request))
        if status == Status.WITHDRAWN:
            return _("Meldingen er trukket.")
        if referral.reporter_user_id:
            return _("Meldingen er avslått, og melderen har fått beskjed i innboksen sin.")
        return _("Meldingen er avslått. Melderen får ikke beskjed automatisk; ring om de skal vite det.")

    return _act(request, referral_id, action)


@require_POST
def referral_decline(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Decline the report with a reason; the reporter is told."""
    return _close(request, referral_id, Status.DECLINED)


@require_POST
def referral_withdraw(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Close the report because the reporter or the person withdrew it."""
    return _close(request, referral_id, Status.WITHDRAWN)
