"""Writes for plan templates: the coordinating unit saves versions; a plan starts from one.

A template's content is never changed in place: `template_create` saves version 1 and
`template_revise` saves the next version, so every plan keeps the version it started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from oppfolging.access.grants import PersonGrant, StaffGrant
from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, audit_record
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned
from oppfolging.plans.history import record_change, snapshot
from oppfolging.plans.models import ChangeAction, IndividualPlan
from oppfolging.plans.services import plan_create
from oppfolging.plantemplates.models import (
    PlanSection,
    PlanTemplate,
    SuggestedGoalArea,
    SuggestedMeasure,
    TemplateSection,
    TemplateVersion,
)
from oppfolging.teams.models import Team


@dataclass(frozen=True)
class TemplateContent:
    """What one version of a template holds."""

    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, guidance)
    goal_areas: list[tuple[str, list[str]]] = field(default_factory=list)  # (area, measures)
    services: list[Service] = field(default_factory=list)
    meeting_interval_weeks: int | None = None


def _save_version(grant: StaffGrant, template: PlanTemplate, content: TemplateContent,
                  change_note: str) -> TemplateVersion:
    if not content.sections:
        raise ValidationError({"sections": _("Malen må ha minst én del.")})
    if content.meeting_interval_weeks is not None and not 1 <= content.meeting_interval_weeks <= 52:
        raise ValidationError({"meeting_interval_weeks": _("Velg mellom 1 og 52 uker.")})
    grant.require_owns(*content.services)
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    version = TemplateVersion.objects.create(
        template=template, number=last + 1, created_by=grant.user, change_note=change_note.strip()[:300],
        meeting_interval_weeks=content.meeting_interval_weeks)
    version.suggested_services.set(content.services)
    TemplateSection.objects.bulk_create(
        TemplateSection(version=version, position=i, title=title[:150], guidance=guidance[:300])
        for i, (title, guidance) in enumerate(content.sections))
    for i, (area, measures) in enumerate(content.goal_areas):
        goal_area = SuggestedGoalArea.objects.create(version=version, position=i, area=area[:150])
        SuggestedMeasure.objects.bulk_create(
            SuggestedMeasure(goal_area=goal_area, position=j, text=text[:200]) for j, text in enumerate(measures))
    return version


@transaction.atomic
def template_create(*, grant: StaffGrant, name: str, description: str = "",
                    content: TemplateContent) -> PlanTemplate:
    """Create a template in the municipality, with its first version."""
    grant.require_role(Role.COORDINATING_UNIT)
    if not name.strip():
        raise ValidationError({"name": _("Gi malen et navn.")})
    if PlanTemplate.objects.filter(municipality=grant.municipality, name=name.strip()).exists():
        raise ValidationError({"name": _("Det finnes allerede en mal med dette navnet.")})
    try:
        with transaction.atomic():
            template = PlanTemplate.objects.create(municipality=grant.municipality, name=name.strip()[:150],
                                                   description=description.strip(), created_by=grant.user)
    except IntegrityError:
        # Someone created a template with this name since the check above.
        raise ValidationError({"name": _("Det finnes allerede en mal med dette navnet.")}) from None
    version = _save_version(grant, template, content, _("Første versjon"))
    audit_record(actor=grant.user, action=Action.CREATE, resource="plan_template", resource_id=template.pk,
                 municipality=grant.municipality, role=Role.COORDINATING_UNIT,
                 purpose=_("Planmal opprettet: %(name)s, versjon %(n)s") % {"name": template.name, "n": version.number})
    return template


@transaction.atomic
def template_revise(*, grant: StaffGrant, template: PlanTemplate, content: TemplateContent,
                    change_note: str = "", description: str | None = None,
                    is_active: bool | None = None) -> TemplateVersion:
    """Save a new version of a template; plans started from earlier versions keep theirs."""
    grant.require_role(Role.COORDINATING_UNIT)
    grant.require_owns(template)
    template = PlanTemplate.objects.select_for_update().get(pk=template.pk)
    fields = []
    if description is not None:
        template.description = description.strip()
        fields.append("description")
    if is_active is not None:
        template.is_active = is_active
        fields.append("is_active")
    if fields:
        template.save(update_fields=fields)
    version = _save_version(grant, template, content, change_note)
    audit_record(actor=grant.user, action=Action.UPDATE, resource="plan_template", resource_id=template.pk,
                 municipality=grant.municipality, role=Role.COORDINATING_UNIT,
                 purpose=_("Ny versjon av planmalen %(name)s: %(n)s") % {"name": template.name, "n": version.number})
    return version


@transaction.atomic
def plan_start_from_template(*, grant: PersonGrant, version: TemplateVersion, team: Team | None = None) -> IndividualPlan:
    """Create the person's plan from a template version: its sections, suggestions and meeting interval.

    The plan records the version; the sections are copied onto the plan for the team to write
    in; suggested goal areas, measures and services stay suggestions (goals are written in the
    person's own words). A team that has no meeting interval yet gets the template's.
    """
    grant.require_write()
    grant.require_owns(team)
    if version.template.municipality_id != grant.person.municipality_id:
        raise PermissionDenied("The template belongs to another municipality.")
    if not version.template.is_active:
        raise ValidationError(_("Malen er ikke lenger i bruk."))
    plan = plan_create(grant=grant, team=team)
    plan.template_version = version
    plan.save(update_fields=["template_version"])
    PlanSection.objects.bulk_create(
        PlanSection(plan=plan, template_section=section, position=section.position, title=section.title,
                    guidance=section.guidance)
        for section in version.sections.all())
    if team is not None and team.meeting_interval_weeks is None and version.meeting_interval_weeks:
        # Only an interval nobody has set; the team's version moves on, so a form opened before
        # is refused rather than saved over the template's interval (#13.6).
        Team.objects.filter(pk=team.pk, meeting_interval_weeks__isnull=True).update(
            meeting_interval_weeks=version.meeting_interval_weeks, version=F("version") + 1)
    record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.UPDATE,
                  summary=_("Planen startet fra malen «%(name)s», versjon %(n)s") % {
                      "name": version.template.name, "n": version.number})
    audit_grant(grant=grant, action=Action.CREATE, resource="individual_plan", resource_id=plan.pk,
                purpose=_("Plan fra mal: %(name)s v%(n)s") % {"name": version.template.name, "n": version.number})
    return plan


@transaction.atomic
def plan_section_update(*, grant: PersonGrant, section: PlanSection, text: str, expected_version: int) -> PlanSection:
    """Write the plan's text under one of its sections; a save based on an old version is refused."""
    grant.require_write()
    grant.require_owns(section)
    before: dict[str, Any] = snapshot(section.plan)
    section.text = text.strip()
    save_versioned(section, expected_version=expected_version, fields=["text"])
    record_change(plan=section.plan, actor=grant.user, item=section.plan, action=ChangeAction.UPDATE,
                  summary=_("Delen «%(title)s» er endret") % {"title": section.title[:150]}, before=before)
    audit_grant(grant=grant, action=Action.UPDATE, resource="plan_section", resource_id=section.pk)
    return section
