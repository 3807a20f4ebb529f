"""The samarbeidslogg under the person's plan (…/notater/), and its shared part in «Min plan»."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oppfolging.access.grants import PersonGrant
from oppfolging.access.shortcuts import get_person_for_user, get_portal_grant
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.documents.selectors import default_visibility, shareable_services
from oppfolging.lib.params import id_param
from oppfolging.lib.versioning import EditConflict, conflict_rows, keep_input_at_current_version
from oppfolging.notes import selectors, services
from oppfolging.notes.forms import NoteEditForm, NoteForm
from oppfolging.notes.models import Note
from oppfolging.plans.models import IndividualPlan
from oppfolging.submissions.once import AlreadySubmitted, once


def _plan(grant: PersonGrant) -> IndividualPlan:
    plan = IndividualPlan.objects.filter(person=grant.person).first()
    if plan is None:
        raise Http404("No plan.")
    return plan


def _note(grant: PersonGrant, note_id: int) -> Note:
    note = selectors.note_visible(grant=grant, note_id=note_id)
    if note is None:
        raise Http404("No such note.")
    return note


def _form(grant: PersonGrant, plan: IndividualPlan, data: Any = None, initial: dict[str, Any] | None = None) -> NoteForm:
    visibility, service_ids = default_visibility(grant=grant)
    return NoteForm(data, plan=plan, services=shareable_services(grant=grant),
                    initial={"visibility": visibility, "services": service_ids, **(initial or {})})


def _save(request: AuthenticatedHttpRequest, grant: PersonGrant, plan: IndividualPlan, form: NoteForm,
          corrects: Note | None = None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        with once(form.submission, user=request.user) as submission:
            submission.created(services.note_add(
                grant=grant, plan=plan, text=data["text"], goal=data["goal"], noted_on=data["noted_on"],
                visibility=data["visibility"], services=data.get("services") or [], corrects=corrects))
    except AlreadySubmitted:
        return True  # a double click: the note is in the log once, and the log is shown
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


def note_list(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The plan's timeline: log notes with meetings, evaluations, messages and documents; write a note."""
    grant = get_person_for_user(request, person_id, resource="log_notes")
    plan = _plan(grant)
    form = None
    if grant.serves:
        form = _form(grant, plan, request.POST if request.method == "POST" else None)
        if request.method == "POST" and _save(request, grant, plan, form):
            messages.success(request, _("Notatet er lagt i samarbeidsloggen."))
            return redirect("notes:list", person_id=person_id)
    elif request.method == "POST":
        raise PermissionDenied
    goal_id = id_param(request.GET.get("mal"))
    goal = plan.goals.filter(pk=goal_id).first() if goal_id is not None else None
    return render(request, "notes/list.html", {
        "grant": grant, "person": grant.person, "plan": plan, "form": form, "goal": goal,
        "entries": selectors.timeline(grant=grant, goal_id=goal.pk if goal else None),
        "user_id": request.user.pk,
    }, status=400 if form is not None and form.is_bound else 200)


def note_edit(request: AuthenticatedHttpRequest, person_id: int, note_id: int) -> HttpResponse:
    """Correct the wording of one's own note during the grace period."""
    grant = get_person_for_user(request, person_id, resource="log_note")
    note = _note(grant, note_id)
    form = NoteEditForm(request.POST or None, initial={"text": note.text, "version": note.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.note_edit(grant=grant, note=note, text=form.cleaned_data["text"],
                               expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as error:
            # Changed in another tab: nothing is overwritten, and the text typed here is kept.
            conflict = error
            keep_input_at_current_version(form, error)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("notes:correct", person_id=person_id, note_id=note_id)
        else:
            messages.success(request, _("Notatet er endret."))
            return redirect("notes:list", person_id=person_id)
    return render(request, "notes/edit.html", {
        "person": grant.person, "note": note, "form": form, "conflict": conflict,
        "conflict_rows": conflict_rows(form, conflict) if conflict else []}, status=409 if conflict else 200)


def note_correct(request: AuthenticatedHttpRequest, person_id: int, note_id: int) -> HttpResponse:
    """Write a correction: a new note that refers to the one it corrects, which stays as it was."""
    grant = get_person_for_user(request, person_id, resource="log_note")
    plan = _plan(grant)
    note = _note(grant, note_id)
    if not grant.serves:
        raise PermissionDenied
    form = _form(grant, plan, request.POST or None,
                 initial={"goal": note.goal_id, "visibility": note.visibility,
                          "services": list(note.services.values_list("pk", flat=True))})
    if request.method == "POST" and _save(request, grant, plan, form, corrects=note):
        messages.success(request, _("Rettingen er lagt i samarbeidsloggen."))
        return redirect("notes:list", person_id=person_id)
    return render(request, "notes/correct.html", {"person": grant.person, "note": note, "form": form})


def portal_timeline(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """What the team has shared in the log, with meetings, evaluations and messages, in «Min plan»."""
    grant = get_portal_grant(request, person_id, resource="log_notes")
    return render(request, "notes/portal_timeline.html", {
        "grant": grant, "person": grant.person,
        "entries": selectors.timeline(grant=grant.as_person_grant()),
    })
