"""The individual plan: read it, change it, evaluate goals, see its history, print it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access.policy import PersonGrant
from oppfolging.access.shortcuts import get_person_for_user
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.assessments.models import PsfsActivity
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, client_ip
from oppfolging.home import selectors as home_selectors
from oppfolging.lib.params import id_param, number_param
from oppfolging.lib.pdf import render_pdf
from oppfolging.lib.versioning import EditConflict, conflict_rows, save_form_versioned
from oppfolging.plans import selectors, services
from oppfolging.plans.forms import EvaluationForm, GoalForm, MeasureForm, PlanForm
from oppfolging.plans.history import field_labels, plan_as_of
from oppfolging.plans.models import AuthorKind, Goal, IndividualPlan, Measure, MeasureStatus
from oppfolging.portal.models import ProposalStatus, ScoredBy
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams.models import Consent


def _plan_or_none(grant: PersonGrant) -> IndividualPlan | None:
    return (
        IndividualPlan.objects.filter(person=grant.person)
        .select_related("team", "person")
        .prefetch_related("goals__measures__responsible_membership__user",
                          "goals__measures__responsible_service", "goals__evaluations__evaluated_by",
                          "goals__psfs_activity",
                          "team__memberships__user", "team__memberships__service",
                          "team__memberships__related_person", "team__coordinator_assignments__coordinator")
        .first()
    )


def _plan(grant: PersonGrant) -> IndividualPlan:
    plan = _plan_or_none(grant)
    if plan is None:
        raise Http404("No plan.")
    return plan


def plan_context(plan: IndividualPlan) -> dict[str, Any]:
    """Return what the plan page and the PDF show."""
    goals = list(plan.goals.all())
    top = [g for g in goals if g.parent_id is None]
    for goal in top:
        goal.children = [s for s in goals if s.parent_id == goal.pk]
    return {
        "plan": plan,
        "person": plan.person,
        "goals": sorted(top, key=lambda g: (not g.is_open, g.position, g.pk)),
        "missing": selectors.plan_missing_items(plan),
        "team": plan.team,
        "coordinator": plan.team.current_coordinator_assignment if plan.team else None,
        "members": [m for m in plan.team.memberships.all() if m.left_on is None] if plan.team else [],
        "consents": Consent.objects.active().filter(person=plan.person).select_related("service", "related_person"),
        "proposals": plan.person.goal_proposals.filter(status=ProposalStatus.PROPOSED),
        "self_scores": plan.person.psfs_self_scores.filter(scored_by_kind=ScoredBy.PERSON)[:10],
        "proxy_scores": plan.person.psfs_self_scores.exclude(scored_by_kind=ScoredBy.PERSON)[:10],
        "psfs_suggestions": selectors.psfs_goal_suggestions(plan),
        "today": timezone.localdate(),
        "measure_statuses": MeasureStatus.choices,
    }


def plan_detail(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, resource="individual_plan")
    plan = _plan_or_none(grant)  # one read of the plan, with what the page shows of it
    if plan is None:
        return render(request, "plans/no_plan.html", {
            "grant": grant, "person": grant.person,
            "next_step": home_selectors.next_step(grant.person) if grant.can_write else None})
    return render(request, "plans/detail.html", {
        "grant": grant, **plan_context(plan),
        "next_step": home_selectors.next_step(grant.person) if grant.can_write else None})


def _versioned_edit(request: AuthenticatedHttpRequest, grant: PersonGrant, form: Any, save: Any, template: str,
                    context: dict[str, Any], done: str) -> HttpResponse:
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, save)
        if saved:
            messages.success(request, done)
            return redirect("plans:detail", person_id=grant.person.pk)
    return render(request, template, {
        "form": form, "person": grant.person, "conflict": conflict,
        "conflict_rows": conflict_rows(form, conflict) if conflict else [], **context,
    })


def plan_edit(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    form = PlanForm(request.POST or None, instance=plan)

    def save(version: int, fields: dict[str, Any]) -> None:
        services.plan_update(grant=grant, plan=plan, expected_version=version, **fields)

    return _versioned_edit(request, grant, form, save, "plans/plan_form.html", {"plan": plan},
                           _("Planen er lagret."))


def goal_add(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    initial: dict[str, Any] = {"author_kind": AuthorKind.PERSON, "parent": request.GET.get("parent")}
    if (activity_id := id_param(request.GET.get("psfs_activity"))) is not None:
        activity = PsfsActivity.objects.filter(pk=activity_id, assessment__person=grant.person).first()
        if activity is not None:
            initial |= {"psfs_activity": activity.pk, "text": activity.activity}
    form = GoalForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.goal_create(grant=grant, plan=plan, **form.model_fields()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("plans:detail", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Målet er lagt til."))
            return redirect("plans:detail", person_id=person_id)
    return render(request, "plans/goal_form.html", {"form": form, "person": grant.person, "goal": None})


def _goal(plan: IndividualPlan, goal_id: int) -> Goal:
    goal = plan.goals.filter(pk=goal_id).first()
    if goal is None:
        raise Http404
    return goal


def goal_edit(request: AuthenticatedHttpRequest, person_id: int, goal_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    goal = _goal(plan, goal_id)
    form = GoalForm(request.POST or None, instance=goal, plan=plan)

    def save(version: int, fields: dict[str, Any]) -> None:
        services.goal_update(grant=grant, goal=goal, expected_version=version, **fields)

    return _versioned_edit(request, grant, form, save, "plans/goal_form.html", {"goal": goal},
                           _("Målet er lagret."))


def goal_evaluate(request: AuthenticatedHttpRequest, person_id: int, goal_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    goal = _goal(plan, goal_id)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.goal_evaluate(grant=grant, goal=goal, **form.data_without_token()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("plans:detail", person_id=person_id)
        except EditConflict:
            form.add_error(None, _("Noen andre evaluerte eller endret målet samtidig. Se planen før du lagrer igjen."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Evalueringen er lagret i planen."))
            return redirect("plans:detail", person_id=person_id)
    return render(request, "plans/evaluate.html", {"form": form, "person": grant.person, "goal": goal,
                                                   "psfs_scores": selectors.psfs_scores_of_goal(goal)})


def measure_add(request: AuthenticatedHttpRequest, person_id: int, goal_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    goal = _goal(plan, goal_id)
    form = MeasureForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.measure_create(grant=grant, goal=goal, **form.model_fields()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("plans:detail", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Tiltaket er lagt til."))
            return redirect("plans:detail", person_id=person_id)
    return render(request, "plans/measure_form.html", {"form": form, "person": grant.person, "goal": goal, "measure": None})


def measure_edit(request: AuthenticatedHttpRequest, person_id: int, measure_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    plan = _plan(grant)
    measure = Measure.objects.filter(pk=measure_id, goal__plan=plan).select_related("goal").first()
    if measure is None:
        raise Http404
    form = MeasureForm(request.POST or None, instance=measure, plan=plan)

    def save(version: int, fields: dict[str, Any]) -> None:
        services.measure_update(grant=grant, measure=measure, expected_version=version, **fields)

    return _versioned_edit(request, grant, form, save, "plans/measure_form.html",
                           {"goal": measure.goal, "measure": measure}, _("Tiltaket er lagret."))


def plan_history(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Every change: who changed what and when, with a link to read each earlier version."""
    grant = get_person_for_user(request, person_id, resource="individual_plan_history")
    plan = _plan(grant)
    changes = list(plan.changes.select_related("actor")[:500])
    for change in changes:
        change.field_labels = field_labels(change)
    return render(request, "plans/history.html", {"person": grant.person, "plan": plan, "changes": changes})


def plan_version(request: AuthenticatedHttpRequest, person_id: int, change_id: int) -> HttpResponse:
    """Show the plan as it read right after one change in its history."""
    grant = get_person_for_user(request, person_id, resource="individual_plan_history")
    plan = _plan(grant)
    change = plan.changes.filter(pk=change_id).first()
    if change is None:
        raise Http404
    return render(request, "plans/version.html", {
        "person": grant.person, "change": change, "version": plan_as_of(plan, change.at),
    })


def plan_pdf(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The plan as a PDF the person can read and print, in plain Norwegian."""
    grant = get_person_for_user(request, person_id, resource="individual_plan_pdf", log_read=False)
    plan = _plan(grant)
    html = render_to_string("plans/pdf.html", plan_context(plan), request=request)
    pdf = render_pdf(html, base_url=request.build_absolute_uri("/"))
    audit_grant(grant=grant, action=Action.EXPORT, resource="individual_plan_pdf",
                resource_id=plan.pk, ip=client_ip(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(
        as_attachment=False, filename=f"individuell-plan-{slugify(plan.person.family_name)}.pdf")
    assert disposition is not None  # there is a file name
    response["Content-Disposition"] = disposition
    return response


@require_POST
def measure_status(request: AuthenticatedHttpRequest, person_id: int, measure_id: int) -> HttpResponse:
    """The responsible member reports a measure's progress (planned, ongoing, done, stopped)."""
    grant = get_person_for_user(request, person_id, resource="individual_plan")
    plan = _plan(grant)
    measure = Measure.objects.filter(pk=measure_id, goal__plan=plan).select_related(
        "goal__plan", "responsible_membership").first()
    if measure is None:
        raise Http404
    try:
        # A report without the version it was made on is refused as stale (versions start at 1).
        services.measure_report(grant=grant, measure=measure, status=request.POST.get("status", ""),
                                expected_version=number_param(request.POST.get("version")) or 0)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except EditConflict as conflict:
        messages.error(request, _(
            "Noen andre oppdaterte status for tiltaket mens du hadde siden oppe. Nå står det: «%(status)s». "
            "Statusen du valgte, er ikke lagret; velg igjen hvis den skal gjelde.")
            % {"status": conflict.current.get_status_display()})
    else:
        messages.success(request, _("Status for tiltaket er oppdatert."))
    return redirect(f"{reverse('plans:detail', args=[person_id])}#goal-{measure.goal_id}")
