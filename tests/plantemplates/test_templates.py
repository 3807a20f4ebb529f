"""Plan templates: a plan starts from a version with its sections and suggestions; a later
change to the template is a new version and never changes a plan already started."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from oppfolging.access import policy
from oppfolging.accounts.models import Role
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.plantemplates import services
from oppfolging.plantemplates.models import TemplateVersion, VersionIsImmutable
from oppfolging.plantemplates.services import TemplateContent


def _content(world, sections=None) -> TemplateContent:
    return TemplateContent(
        sections=sections or [("Hverdagen hjemme", "Måltider, medisiner"), ("Pårørende", "")],
        goal_areas=[("Klare seg selv hjemme", ["Trygghetsalarm", "Hverdagsrehabilitering"])],
        services=[world.cast.service], meeting_interval_weeks=8)


@pytest.fixture
def template(world):
    grant = policy.staff_grant(user=world.cast.cu, municipality=world.cast.municipality)
    return services.template_create(grant=grant, name="Eldre som bor hjemme", content=_content(world))


def _without_plan(w) -> None:
    """Remove the world's plan (goals and measures first: history refuses a cascade)."""
    Measure.objects.filter(goal__plan=w.plan).delete()
    Goal.objects.filter(plan=w.plan).delete()
    w.plan.delete()


def test_it_starts_a_plan_from_a_template_with_its_sections_and_suggestions(world, template):
    w = world
    _without_plan(w)
    version = template.current_version
    seen = w.team.version  # a meeting-interval form opened before the plan was started from the template
    plan = services.plan_start_from_template(grant=w.grant(w.cast.cu), version=version, team=w.team)
    plan = IndividualPlan.objects.get(pk=plan.pk)
    assert plan.template_version == version
    assert [(s.title, s.guidance) for s in plan.sections.all()] == [("Hverdagen hjemme", "Måltider, medisiner"),
                                                                    ("Pårørende", "")]
    assert [(a.area, [m.text for m in a.measures.all()]) for a in plan.template_version.goal_areas.all()] == [
        ("Klare seg selv hjemme", ["Trygghetsalarm", "Hverdagsrehabilitering"])]
    w.team.refresh_from_db()
    assert w.team.meeting_interval_weeks == 8
    assert w.team.version == seen + 1  # #13.6: that form's save is refused, not applied over the 8 weeks
    page = w.client(w.cast.cu).get(reverse("plans:detail", args=[w.cast.person.pk])).content.decode()
    assert "Hverdagen hjemme" in page and "Trygghetsalarm" in page and "Forslag fra malen" in page


def test_changing_the_template_later_never_changes_a_plan_already_started(world, template):
    w = world
    _without_plan(w)
    first = template.current_version
    plan = services.plan_start_from_template(grant=w.grant(w.cast.cu), version=first, team=w.team)
    grant = policy.staff_grant(user=w.cast.cu, municipality=w.cast.municipality)
    second = services.template_revise(grant=grant, template=template, change_note="Ny del om skole",
                                      content=_content(w, sections=[("Skole", "PPT")]))
    assert (second.number, template.current_version) == (2, second)
    plan = IndividualPlan.objects.get(pk=plan.pk)
    assert plan.template_version == first
    assert [s.title for s in plan.sections.all()] == ["Hverdagen hjemme", "Pårørende"]
    assert [s.title for s in first.sections.all()] == ["Hverdagen hjemme", "Pårørende"]
    with pytest.raises(VersionIsImmutable):
        TemplateVersion.objects.get(pk=first.pk).save()
    # Nor can a part of it be changed in place: what the plan shows as suggestions stays as it was.
    for part in (first.sections.first(), first.goal_areas.first(), first.goal_areas.first().measures.first()):
        with pytest.raises(VersionIsImmutable):
            part.save()
    assert [m.text for m in plan.template_version.goal_areas.get().measures.all()] == [
        "Trygghetsalarm", "Hverdagsrehabilitering"]


def test_only_the_coordinating_unit_keeps_templates_and_a_plan_never_starts_from_another_municipalitys(world, template):
    w = world
    with pytest.raises(PermissionDenied):
        services.template_create(grant=policy.StaffGrant(w.cast.leader, w.cast.municipality, frozenset({Role.LEADER})),
                                 name="X", content=_content(w))
    stranger_grant = policy.staff_grant(user=w.cast.stranger, municipality=w.cast.other_municipality)
    with pytest.raises(PermissionDenied):
        services.template_revise(grant=stranger_grant, template=template, content=_content(w))


def test_the_template_pages_answer_404_to_outsiders_and_403_to_non_unit_staff(world, template):
    assert world.client(world.cast.stranger).get(reverse("plantemplates:detail", args=[template.pk])).status_code == 404
    assert world.client(world.cast.colleague).get(reverse("plantemplates:revise", args=[template.pk])).status_code == 403
    assert world.client(world.cast.gp).post(reverse("plantemplates:plan_from_template",
                                                    args=[world.cast.person.pk])).status_code == 403


def test_a_plan_starts_from_a_template_on_the_page(world, template):
    _without_plan(world)
    response = world.client(world.cast.cu).post(reverse("plantemplates:plan_from_template", args=[world.cast.person.pk]),
                                                {"version": template.current_version.pk})
    assert response.status_code == 302
    assert IndividualPlan.objects.get(person=world.cast.person).template_version == template.current_version


def test_the_unit_revises_a_template_on_the_page(world, template):
    response = world.client(world.cast.cu).post(reverse("plantemplates:revise", args=[template.pk]), {
        "description": "Eldre", "sections": "Hverdagen: Hva fungerer\nHelse",
        "goal_areas": "Trygghet: Trygghetsalarm; Nattpatrulje", "services": [world.cast.service.pk],
        "meeting_interval_weeks": "6", "change_note": "Nattpatrulje", "is_active": "on"})
    assert response.status_code == 302
    version = template.current_version
    assert [(s.title, s.guidance) for s in version.sections.all()] == [("Hverdagen", "Hva fungerer"), ("Helse", "")]
    assert [m.text for m in version.goal_areas.get().measures.all()] == ["Trygghetsalarm", "Nattpatrulje"]
    assert (version.number, version.meeting_interval_weeks, version.change_note) == (2, 6, "Nattpatrulje")


def _template_form(**changes):
    return {"name": "Barn med sammensatte behov", "description": "Barn", "sections": "Skole: Hva fungerer",
            "goal_areas": "", "meeting_interval_weeks": "", **changes}


def test_a_double_click_creates_a_template_once(world):
    """#13.4: the new-template form carries a one-time token; a repeat shows the template made."""
    import re

    from oppfolging.plantemplates.models import PlanTemplate

    client = world.client(world.cast.cu)
    url = reverse("plantemplates:create")
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    assert client.post(url, _template_form(submission_token=token)).status_code == 302
    repeat = client.post(url, _template_form(submission_token=token), follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert "Barn med sammensatte behov" in repeat.content.decode()
    assert PlanTemplate.objects.filter(name="Barn med sammensatte behov").count() == 1


def test_the_loser_of_a_race_to_name_a_template_gets_a_form_error(world, monkeypatch):
    """#13.5: a colleague creates a template by the same name between the check and the save."""
    from oppfolging.plantemplates.models import PlanTemplate

    real_create = PlanTemplate.objects.create

    # (Here the other insert shares the request's transaction and is rolled back with it; in real
    # life it is the other user's committed row.)
    def a_colleague_creates_first(**fields):
        real_create(municipality=fields["municipality"], name=fields["name"], created_by=world.cast.cu)
        return real_create(**fields)

    monkeypatch.setattr(PlanTemplate.objects, "create", a_colleague_creates_first)
    response = world.client(world.cast.cu).post(reverse("plantemplates:create"), _template_form())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det finnes allerede en mal med dette navnet." in html and "Skole: Hva fungerer</textarea>" in html
