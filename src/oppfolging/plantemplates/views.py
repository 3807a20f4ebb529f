"""Plan templates: the coordinating unit keeps them; a coordinator starts a plan from one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.shortcuts import (
    get_person_for_user,
    get_staff_grant,
    require_in_municipality,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.lib.params import id_param
from oppfolging.lib.versioning import EditConflict
from oppfolging.plans.models import IndividualPlan
from oppfolging.plantemplates import services
from oppfolging.plantemplates.forms import SectionForm, TemplateForm
from oppfolging.plantemplates.models import PlanSection, PlanTemplate, TemplateVersion
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams.models import Team, TeamStatus


def _template(request: AuthenticatedHttpRequest, template_id: int) -> PlanTemplate:
    municipality = require_in_municipality(request, policy.can_list_persons)
    template = PlanTemplate.objects.filter(pk=template_id, municipality=municipality).first()
    if template is None:
        raise Http404("No such template.")
    return template


def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The municipality's templates; the coordinating unit may add and change them."""
    municipality = require_in_municipality(request, policy.can_list_persons)
    return render(request, "plantemplates/list.html", {
        "templates": PlanTemplate.objects.filter(municipality=municipality).prefetch_related("versions"),
        "can_edit": policy.can_triage(request.user, municipality),
    })


def template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_triage)
    form = TemplateForm(request.POST or None, municipality=grant.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                template = services.template_create(grant=grant, name=form.cleaned_data["name"],
                                                    description=form.cleaned_data["description"],
                                                    content=form.content())
                submission.created(template)
        except AlreadySubmitted as earlier:
            # A double click: one template, shown as the first click would have.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("plantemplates:detail", template_id=earlier.object_id) if earlier.object_id else redirect(
                "plantemplates:list")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Planmalen er lagret."))
            return redirect("plantemplates:detail", template_id=template.pk)
    return render(request, "plantemplates/form.html", {"form": form, "template": None})


def template_detail(request: AuthenticatedHttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    version = template.current_version
    return render(request, "plantemplates/detail.html", {
        "template": template, "version": version, "versions": template.versions.all(),
        "can_edit": policy.can_triage(request.user, template.municipality),
        "plan_count": IndividualPlan.objects.filter(template_version__template=template).count(),
    })


def template_version(request: AuthenticatedHttpRequest, template_id: int, number: int) -> HttpResponse:
    template = _template(request, template_id)
    version = template.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return render(request, "plantemplates/detail.html", {
        "template": template, "version": version, "versions": template.versions.all(), "can_edit": False,
        "plan_count": version.plans.count(),
    })


def template_revise(request: AuthenticatedHttpRequest, template_id: int) -> HttpResponse:
    """Save a new version; plans started from earlier versions keep what they started with."""
    grant = get_staff_grant(request, policy.can_triage)
    template = _template(request, template_id)
    current = template.current_version
    form = TemplateForm(request.POST or None, municipality=grant.municipality, revising=True,
                        initial=TemplateForm.initial_for(current) if current else {"name": template.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_revise(grant=grant, template=template, content=form.content(),
                                     change_note=form.cleaned_data["change_note"],
                                     description=form.cleaned_data["description"],
                                     is_active=form.cleaned_data["is_active"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Ny versjon av malen er lagret. Planer som er startet fra tidligere versjoner, endres ikke."))
            return redirect("plantemplates:detail", template_id=template.pk)
    return render(request, "plantemplates/form.html", {"form": form, "template": template})


def plan_from_template(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Choose a template and start the person's plan from its current version."""
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    if IndividualPlan.objects.filter(person=grant.person).exists():
        return redirect("plans:detail", person_id=person_id)
    templates = PlanTemplate.objects.filter(municipality=grant.person.municipality, is_active=True)
    if request.method == "POST":
        version = TemplateVersion.objects.filter(
            pk=id_param(request.POST.get("version")) or 0, template__in=templates).select_related("template").first()
        if version is None:
            messages.error(request, _("Velg en mal."))
        else:
            team = Team.objects.filter(person=grant.person, status=TeamStatus.ACTIVE).first()
            try:
                services.plan_start_from_template(grant=grant, version=version, team=team)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Individuell plan er opprettet fra malen «%(name)s».") % {
                    "name": version.template.name})
                return redirect("plans:detail", person_id=person_id)
    choices = [(t, t.current_version) for t in templates if t.current_version is not None]
    return render(request, "plantemplates/choose.html", {"person": grant.person, "choices": choices})


def section_edit(request: AuthenticatedHttpRequest, person_id: int, section_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="individual_plan")
    section = PlanSection.objects.filter(pk=section_id, plan__person=grant.person).select_related("plan").first()
    if section is None:
        raise Http404
    form = SectionForm(request.POST or None, initial={"text": section.text, "version": section.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_section_update(grant=grant, section=section, text=form.cleaned_data["text"],
                                         expected_version=form.cleaned_data["version"])
        except EditConflict as error:
            conflict = error.current
            form = SectionForm(initial={"text": form.cleaned_data["text"], "version": conflict.version})
        else:
            messages.success(request, _("Delen er lagret."))
            return redirect("plans:detail", person_id=person_id)
    return render(request, "plantemplates/section_form.html", {
        "form": form, "person": grant.person, "section": section, "conflict": conflict})
