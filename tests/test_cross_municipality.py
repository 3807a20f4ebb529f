"""Walk every URL pattern of the project as a user of another municipality.

A view that touches personal data must answer 404 to them (indistinguishable from "does not
exist"), and pages without ids must not show anything of the other municipality. A new URL
parameter that this test does not know fails the test, so nobody can add a view unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from oppfolging.access.models import BreakGlassAccess
from oppfolging.assessments.models import Assessment, MedicalAssessment
from oppfolging.gp.models import RiskEntry, RiskList
from oppfolging.meetings.models import ActionItem, Meeting, MeetingDecision
from oppfolging.outcomes.models import HospitalStay, OutcomeImport
from oppfolging.plans.history import record_change
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.portal.models import GoalProposal
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Consent, Team, TeamMembership

# Views that serve everyone without signing in, or only change the session.
PUBLIC_OR_SESSION_ONLY = {
    "accounts:login", "accounts:logout", "accounts:demo_sign_in",
    "accounts:switch_municipality", "set_language",
    "public_referral_start", "public_referral_form", "public_referral_receipt",
}


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, URLPattern, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        else:
            yield f"{namespace}{entry.name}", entry, prefix + str(entry.pattern)


def project_patterns() -> list[tuple[str, URLPattern, str]]:
    return [p for p in walk(get_resolver()) if p[1].callback.__module__.startswith("oppfolging.")]


@pytest.fixture
def ids(cast):
    """Ids of municipality A's objects for every URL parameter the project uses."""
    access = BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason="Akutt behov for opplysninger om pårørende",
        expires_at="2100-01-01T00:00:00Z",
    )
    referral = Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="Petra",
        subject_family_name="Person", source="gp", channel="in_app", reporter_name="Lars Lege",
        observations="Faller mye.", consent="given", deadline="2030-01-01", receipt_code="TESTKODE",
    )
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    membership = TeamMembership.objects.create(
        team=team, user=cast.colleague, service=cast.service, added_by=cast.cu)
    consent = Consent.objects.create(
        person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu, referral=referral)
    medical = MedicalAssessment.objects.create(
        assessment=assessment, gp=cast.gp, question="Vurdering?", requested_by=cast.cu)
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)
    goal = Goal.objects.create(plan=plan, text="Hemmelig mål", author_kind="person",
                               next_evaluation_on="2030-01-01")
    measure = Measure.objects.create(goal=goal, description="Tiltak", responsible_service=cast.service)
    change = record_change(plan=plan, actor=cast.cu, item=goal, action="create", summary="Nytt mål")
    meeting = Meeting.objects.create(team=team, starts_at="2030-01-01T10:00:00Z", created_by=cast.cu)
    decision = MeetingDecision.objects.create(meeting=meeting, text="Beslutning", recorded_by=cast.cu)
    action = ActionItem.objects.create(team=team, meeting=meeting, description="Oppgave",
                                       due_on="2030-01-01", created_by=cast.cu, owner_user=cast.colleague)
    proposal = GoalProposal.objects.create(person=cast.person, text="Forslag", proposed_by_kind="person")
    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done")
    entry = RiskEntry.objects.create(risk_list=risk_list, patient_id="P1", national_id=cast.person.identity_number,
                                     risk=0.5, rank=1, new_priority=1, reasons="Hjertesvikt (K77)")
    outcome_import = OutcomeImport.objects.create(
        municipality=cast.municipality, kind="admissions_csv", file_name="innleggelser.csv",
        sha256="0" * 64, imported_by=cast.cu, period_start="2024-01-01", period_end="2024-12-31",
        covers_stays=True,
    )
    HospitalStay.objects.create(person=cast.person, admitted="2024-03-01", acute=True,
                                source=outcome_import)
    return {
        "list_id": risk_list.pk,
        "import_id": outcome_import.pk,
        "entry_id": entry.pk,
        "person_id": cast.person.pk,
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "change_id": change.pk,
        "meeting_id": meeting.pk,
        "decision_id": decision.pk,
        "item_id": action.pk,
        "proposal_id": proposal.pk,
        "number": cast.municipality.number,
        "related_id": cast.next_of_kin.pk,
        "service_id": cast.service.pk,
        "access_id": access.pk,
        "username": "ke",
        "referral_id": referral.pk,
        "membership_id": membership.pk,
        "consent_id": consent.pk,
        "assessment_id": assessment.pk,
        "medical_id": medical.pk,
    }


def fill(route: str, ids: dict[str, object]) -> str:
    import re

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in ids:
            raise AssertionError(f"URL parameter {name!r} in {route!r} is unknown to this test")
        return str(ids[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


def test_it_knows_every_project_url(cast, ids):
    names = [name for name, _p, _r in project_patterns()]
    assert len(names) >= 15


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_municipality_a_from_a_user_of_municipality_b(cast, ids, method):
    client = cast.client_for(cast.stranger)
    secrets = [cast.person.full_name, cast.person.identity_number, cast.next_of_kin.full_name,
               cast.service.name, "Hemmelig mål"]
    checked = 0
    for name, _pattern, route in project_patterns():
        if name in PUBLIC_OR_SESSION_ONLY:
            continue
        url = fill(route, ids)
        response = getattr(client, method)(url)
        body = response.content.decode(errors="replace")
        if "<" in route:
            # 405 (wrong method) is decided before any lookup, so it reveals nothing either.
            assert response.status_code in (404, 405), f"{method.upper()} {url} ({name}) gave {response.status_code}"
        else:
            assert response.status_code in (200, 302, 403, 404, 405), f"{url} ({name}) gave {response.status_code}"
        for secret in secrets:
            assert secret not in body, f"{method.upper()} {url} ({name}) shows {secret!r}"
        checked += 1
    assert checked >= 10
