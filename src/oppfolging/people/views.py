"""The person register: list, read, register and change persons and their next of kin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.shortcuts import (
    active_municipality,
    get_person_for_user,
    get_staff_grant,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.lib.versioning import conflict_rows, save_form_versioned
from oppfolging.people import services
from oppfolging.people.forms import PersonForm, PersonSearchForm, RelatedPersonForm
from oppfolging.people.models import RelatedPerson
from oppfolging.submissions.once import AlreadySubmitted, once


def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the persons the user serves, with a search."""
    municipality = active_municipality(request)
    user: User = request.user
    persons = policy.persons_visible_to(user=user, municipality=municipality)
    form = PersonSearchForm(request.GET or None)
    query = ""
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"].strip()
        digits = query.replace(" ", "")
        if digits.isdigit():
            persons = persons.filter(identity_number__startswith=digits)
        else:
            for word in query.split():
                persons = persons.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    persons = persons.select_related("gp").order_by("family_name", "given_name")[:200]
    audit_record(
        actor=user,
        action=Action.SEARCH if query else Action.LIST,
        resource="person_list",
        municipality=municipality,
        purpose=_("Søk i personregisteret") if query else _("Liste over personer"),
        ip=client_ip(request),
    )
    return render(
        request,
        "people/person_list.html",
        {
            "persons": persons,
            "form": form,
            "can_create": policy.can_create_person(user, municipality),
        },
    )


def person_detail(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Show one person's register data and the people around them."""
    grant = get_person_for_user(request, person_id)
    return render(
        request,
        "people/person_detail.html",
        {
            "grant": grant,
            "person": grant.person,
            "related_persons": grant.person.related_persons.all(),
        },
    )


def person_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register a new person (the coordinating unit)."""
    grant = get_staff_grant(request, policy.can_create_person)
    form = PersonForm(request.POST or None, municipality=grant.municipality)
    registered = None
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                person = services.person_create(grant=grant, **form.model_fields())
                submission.created(person)
        except AlreadySubmitted as earlier:
            # A double click: the person was registered once; show them (if this user may see them).
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("people:detail", person_id=earlier.object_id) if earlier.object_id else redirect(
                "people:create")
        except services.PersonAlreadyRegistered as error:
            # Registered before, or by a colleague a moment ago: lead to them (the page checks access).
            form.add_error(None, error)
            registered = error.person
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s er registrert.") % {"name": person.full_name})
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None, "registered": registered})


def person_edit(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Change a person's register data; a stale edit is refused and shown beside the newer one."""
    grant = get_person_for_user(request, person_id, write=True)
    person = grant.person
    form = PersonForm(request.POST or None, instance=person, municipality=person.municipality)
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, lambda version, fields: services.person_update(
            grant=grant, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Endringene er lagret."))
            return redirect("people:detail", person_id=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person, "conflict": conflict,
         "conflict_rows": conflict_rows(form, conflict) if conflict else []},
    )


def _related_for(grant: policy.PersonGrant, related_id: int) -> RelatedPerson:
    related = grant.person.related_persons.filter(pk=related_id).first()
    if related is None:
        raise Http404
    return related


def related_create(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Add a next of kin, guardian or parent."""
    grant = get_person_for_user(request, person_id, write=True)
    form = RelatedPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.related_person_create(grant=grant, **form.model_fields()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("people:detail", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pårørende er lagt til."))
            return redirect("people:detail", person_id=person_id)
    return render(
        request, "people/related_form.html", {"form": form, "person": grant.person, "related": None}
    )


def related_edit(request: AuthenticatedHttpRequest, person_id: int, related_id: int) -> HttpResponse:
    """Change a related person, refusing a stale edit."""
    grant = get_person_for_user(request, person_id, write=True)
    related = _related_for(grant, related_id)
    form = RelatedPersonForm(request.POST or None, instance=related)
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, lambda version, fields: services.related_person_update(
            grant=grant, related=related, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Endringene er lagret."))
            return redirect("people:detail", person_id=person_id)
    return render(
        request,
        "people/related_form.html",
        {"form": form, "person": grant.person, "related": related, "conflict": conflict,
         "conflict_rows": conflict_rows(form, conflict) if conflict else []},
    )


def related_delete(request: AuthenticatedHttpRequest, person_id: int, related_id: int) -> HttpResponse:
    """Remove a related person after an explicit confirmation."""
    grant = get_person_for_user(request, person_id, write=True)
    related = _related_for(grant, related_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            raise PermissionDenied
        try:
            services.related_person_delete(grant=grant, related=related)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s er fjernet.") % {"name": related.full_name})
        return redirect("people:detail", person_id=person_id)
    return render(
        request, "people/related_confirm_delete.html", {"person": grant.person, "related": related}
    )
