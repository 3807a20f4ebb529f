"""Assessment pages: history and change, start, edit, complete, GP medical assessment, decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.policy import PersonGrant
from oppfolging.access.shortcuts import get_person_for_user
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import User
from oppfolging.assessments import iplos, scoring, selectors, services
from oppfolging.assessments.forms import (
    AssessmentForm,
    DecisionForm,
    MedicalAnswerForm,
    MedicalRequestForm,
    StartForm,
)
from oppfolging.assessments.models import Assessment, MedicalAssessment
from oppfolging.home import selectors as home_selectors
from oppfolging.lib.params import id_param
from oppfolging.lib.versioning import EditConflict, conflict_rows, keep_input_at_current_version
from oppfolging.referrals.models import Referral
from oppfolging.submissions.once import AlreadySubmitted, once


def _assessment_for(grant: PersonGrant, assessment_id: int) -> Assessment:
    """Return one of the person's assessments; 404 for any other id."""
    assessment = grant.person.assessments.filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def get_assessment_for_editing(
    request: AuthenticatedHttpRequest, person_id: int, assessment_id: int
) -> tuple[PersonGrant, Assessment]:
    """Return the grant and an assessment the user may change; 404 if not theirs, 403 if read-only.

    The coordinating unit may change any open assessment; a named participant may change an open
    one even when their grant to the person is read-only.
    """
    grant = get_person_for_user(request, person_id, resource="assessment")
    assessment = _assessment_for(grant, assessment_id)
    user: User = request.user
    if not (grant.can_write or selectors.is_participant(user=user, assessment=assessment)):
        raise PermissionDenied("Read-only access to this assessment.")
    return grant, assessment


def person_assessments(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """List the person's assessments and decisions, with the change between assessments."""
    grant = get_person_for_user(request, person_id, resource="assessment_list")
    person = grant.person
    assessments = list(
        person.assessments.select_related("created_by", "referral")
        .prefetch_related("iplos_scores", "psfs_activities")
    )
    return render(request, "assessments/person_assessments.html", {
        "grant": grant,
        "person": person,
        "assessments": assessments,
        "changes": selectors.assessment_changes(assessments),
        "decisions": person.decisions.select_related("decided_by", "referral"),
        "can_decide": selectors.can_decide(grant),
        "next_step": home_selectors.next_step(person) if grant.can_write else None,
        "mdc_mean": scoring.PSFS_MDC_MEAN,
        "mdc_activity": scoring.PSFS_MDC_ACTIVITY,
    })


def assessment_start(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Start a new assessment, optionally for a report of need given as ?referral=."""
    grant = get_person_for_user(request, person_id, write=True, resource="assessment")
    person = grant.person
    referral = None
    referral_id = request.GET.get("referral") or request.POST.get("referral")
    if referral_id:
        referral_pk = id_param(referral_id)
        if referral_pk is None:
            raise Http404
        referral = Referral.objects.filter(pk=referral_pk, person=person).first()
        if referral is None:
            raise Http404("No such referral for this person.")
    previous = person.assessments.first()
    form = StartForm(
        request.POST or None,
        initial={"started_on": timezone.localdate(), "copy_psfs": previous is not None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                assessment = services.assessment_start(
                    grant=grant,
                    referral=referral,
                    started_on=form.cleaned_data["started_on"],
                    copy_psfs_from_previous=form.cleaned_data["copy_psfs"],
                    )
                submission.created(assessment)
        except AlreadySubmitted as earlier:
            # A double click: one assessment, and it is the one shown.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("assessments:edit", person_id=person.pk, assessment_id=earlier.object_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Kartleggingen er startet."))
            return redirect("assessments:edit", person_id=person.pk, assessment_id=assessment.pk)
    return render(request, "assessments/start.html", {
        "person": person, "form": form, "referral": referral, "previous": previous,
    })


def assessment_detail(request: AuthenticatedHttpRequest, person_id: int, assessment_id: int) -> HttpResponse:
    """Show one assessment read-only, with its medical assessments."""
    grant = get_person_for_user(request, person_id, resource="assessment")
    assessment = _assessment_for(grant, assessment_id)
    user: User = request.user
    scores = assessment.iplos_dict()
    iplos_rows = [
        (v, scores.get(v.code), v.levels.get(scores[v.code], "") if v.code in scores else "")
        for v in iplos.VARIABLES
    ]
    return render(request, "assessments/detail.html", {
        "grant": grant,
        "person": grant.person,
        "assessment": assessment,
        "iplos_rows": iplos_rows,
        "participants": assessment.participants.select_related("user", "service"),
        "medical_assessments": assessment.medical_assessments.select_related("gp", "requested_by"),
        "can_edit": selectors.can_edit_assessment(grant=grant, user=user, assessment=assessment),
    })


def assessment_edit(request: AuthenticatedHttpRequest, person_id: int, assessment_id: int) -> HttpResponse:
    """Fill in an open assessment on one page; a stale save is refused and the input kept."""
    grant, assessment = get_assessment_for_editing(request, person_id, assessment_id)
    if assessment.is_locked:
        messages.warning(request, _("Kartleggingen er fullført og kan ikke endres. Start en ny "
                                    "kartlegging for å vurdere på nytt."))
        return redirect("assessments:detail", person_id=person_id, assessment_id=assessment.pk)
    person = grant.person
    form = AssessmentForm(request.POST or None, instance=assessment, person=person)
    if not grant.can_write:
        # Participants fill in the assessment but do not decide who takes part.
        for name in ("participant_users", "participant_services", "participant_others"):
            form.fields[name].disabled = True
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(
                grant=grant,
                assessment=assessment,
                expected_version=form.cleaned_data["version"] or 0,
                participants=form.participants(),
                iplos_scores=form.iplos_scores(),
                psfs_activities=form.psfs_activities(),
                **form.model_fields(),
            )
        except EditConflict as error:
            conflict = error
            keep_input_at_current_version(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Kartleggingen er lagret."))
            if request.POST.get("next") == "complete" and grant.can_write:
                return redirect("assessments:complete", person_id=person_id,
                                assessment_id=assessment.pk)
            return redirect("assessments:detail", person_id=person_id, assessment_id=assessment.pk)
    return render(request, "assessments/edit.html", {
        "grant": grant, "person": person, "assessment": assessment, "form": form,
        "conflict": conflict, "conflict_rows": conflict_rows(form, conflict) if conflict else [],
    })


def assessment_complete(request: AuthenticatedHttpRequest, person_id: int, assessment_id: int) -> HttpResponse:
    """Complete an assessment after an explicit confirmation; it is read-only afterwards."""
    grant = get_person_for_user(request, person_id, write=True, resource="assessment")
    assessment = _assessment_for(grant, assessment_id)
    if assessment.is_locked:
        messages.warning(request, _("Kartleggingen er allerede fullført."))
        return redirect("assessments:detail", person_id=person_id, assessment_id=assessment.pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            raise PermissionDenied
        services.assessment_complete(
            grant=grant, assessment=assessment
        )
        messages.success(request, _("Kartleggingen er fullført og låst."))
        return redirect("assessments:person_assessments", person_id=person_id)
    return render(request, "assessments/complete.html",
                  {"person": grant.person, "assessment": assessment})


def medical_request(request: AuthenticatedHttpRequest, person_id: int, assessment_id: int) -> HttpResponse:
    """Ask the GP for a medical assessment as part of the assessment."""
    grant = get_person_for_user(request, person_id, write=True, resource="assessment")
    assessment = _assessment_for(grant, assessment_id)
    form = MedicalRequestForm(request.POST or None, person=grant.person)
    if request.method == "POST" and form.is_valid():
        try:
            services.medical_assessment_request(
                grant=grant,
                assessment=assessment,
                gp=form.cleaned_data["gp"],
                question=form.cleaned_data["question"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Forespørselen er sendt til fastlegen."))
            return redirect("assessments:detail", person_id=person_id, assessment_id=assessment.pk)
    return render(request, "assessments/medical_request.html",
                  {"person": grant.person, "assessment": assessment, "form": form})


def medical_answer(request: AuthenticatedHttpRequest, person_id: int, medical_id: int) -> HttpResponse:
    """Let the addressed GP answer a request for a medical assessment."""
    grant = get_person_for_user(request, person_id, resource="medical_assessment")
    medical = (
        MedicalAssessment.objects.select_related("assessment", "requested_by", "gp")
        .filter(pk=medical_id, assessment__person=grant.person).first()
    )
    if medical is None:
        raise Http404("No such request.")
    user: User = request.user
    if medical.gp_id != user.pk or grant.break_glass is not None:
        raise PermissionDenied("Only the addressed GP may answer.")
    form = MedicalAnswerForm(request.POST or None)
    if request.method == "POST" and not medical.is_answered and form.is_valid():
        try:
            services.medical_assessment_answer(
                grant=grant, medical=medical, answer=form.cleaned_data["answer"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Svaret er sendt til koordinerende enhet."))
            return redirect("assessments:detail", person_id=person_id,
                            assessment_id=medical.assessment_id)
    return render(request, "assessments/medical_answer.html",
                  {"person": grant.person, "medical": medical, "form": form})


def decide(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Record the decision after the assessment and inform the person and the reporter."""
    grant = get_person_for_user(request, person_id, write=True, resource="decision")
    if not selectors.can_decide(grant):
        raise PermissionDenied("Only the coordinating unit records decisions.")
    person = grant.person
    initial = {}
    latest = person.assessments.first()
    if latest is not None:
        initial["assessment"] = latest.pk
        if latest.referral_id:
            initial["referral"] = latest.referral_id
    if (referral_id := id_param(request.GET.get("referral"))) is not None:
        initial["referral"] = referral_id
    form = DecisionForm(request.POST or None, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                decision = services.decision_record(
                    grant=grant,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    referral=form.cleaned_data["referral"],
                    assessment=form.cleaned_data["assessment"],
                    )
                submission.created(decision)
        except AlreadySubmitted:
            # A double click: one decision, one message to the person.
            messages.info(request, _("Avgjørelsen var allerede registrert."))
            return redirect("assessments:person_assessments", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Avgjørelsen er registrert: %(outcome)s.")
                             % {"outcome": decision.get_outcome_display()})
            return redirect("assessments:person_assessments", person_id=person_id)
    return render(request, "assessments/decide.html", {"person": person, "form": form})
