"""A person with a whole follow-up in municipality A, registered API clients and a token helper.

Tokens come from the local development issuer (oppfolging.fhir.dev_issuer), so the whole path —
signature, JWKS, issuer, audience, expiry, scopes, client registry, access policy — runs here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from oppfolging.assessments.models import Assessment, IplosScore, MedicalAssessment, PsfsActivity
from oppfolging.fhir import dev_issuer
from oppfolging.fhir.auth import jwks_cache
from oppfolging.fhir.models import ApiClient
from oppfolging.meetings.models import ActionItem, Invitation, Meeting
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.portal.models import Message, PsfsSelfScore
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

FHIR = "/fhir/R4"
ALL_READ = " ".join(f"{ctx}/*.read" for ctx in ("user", "system"))
ALL = "user/*.* system/*.*"


@dataclass
class Follow:
    team: Team
    plan: IndividualPlan
    goals: list[Goal]
    measure: Measure
    meeting: Meeting
    action: ActionItem
    assessment: Assessment
    medical: MedicalAssessment
    referral: Referral
    consent: Consent
    message: Message
    self_score: PsfsSelfScore
    membership: TeamMembership


@pytest.fixture(autouse=True)
def _fresh_jwks(settings: Any, tmp_path: Any) -> Any:
    settings.FHIR_DEV_ISSUER_KEY_FILE = str(tmp_path / "dev-key.pem")
    settings.FHIR_JWKS_URL = ""
    jwks_cache.clear()
    yield
    jwks_cache.clear()


@pytest.fixture
def follow(cast: Any) -> Follow:
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    referral = Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="Petra",
        subject_family_name="Person", source="gp", channel="in_app", reporter_name="Lars Lege",
        observations="Faller mye.", consent="given", deadline=dt.date(2030, 1, 1), receipt_code="FHIRKODE",
    )
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu)
    membership = TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service,
                                               role_in_team="Hjemmesykepleier", added_by=cast.cu)
    consent = Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu,
                                         what_matters="Å klare meg selv hjemme")
    goals = [Goal.objects.create(plan=plan, text=f"Mål {n}", author_kind="person", position=n,
                                 next_evaluation_on=dt.date(2030, 1, n)) for n in range(1, 4)]
    measure = Measure.objects.create(goal=goals[0], description="Trening to ganger i uka",
                                     responsible_membership=membership, extent="2 timer i uka")
    meeting = Meeting.objects.create(team=team, starts_at=dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC),
                                     location="Rådhuset", created_by=cast.cu)
    Invitation.objects.create(meeting=meeting, kind="professional", membership=membership,
                              user=cast.colleague, name=cast.colleague.full_name)
    action = ActionItem.objects.create(team=team, meeting=meeting, description="Søke om trygghetsalarm",
                                       due_on=dt.date(2030, 2, 1), created_by=cast.cu, owner_user=cast.colleague)
    assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu, referral=referral)
    PsfsActivity.objects.create(assessment=assessment, position=1, activity="Gå tur", score=4)
    IplosScore.objects.create(assessment=assessment, variable="social_participation", score=3)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp,
                                               question="Hvordan er hjertesvikten?", requested_by=cast.cu)
    message = Message.objects.create(person=cast.person, sender_user=cast.cu, sender_kind="professional",
                                     body="Hei Petra")
    self_score = PsfsSelfScore.objects.create(person=cast.person, activity="Gå tur", score=5)
    return Follow(team, plan, goals, measure, meeting, action, assessment, medical, referral, consent,
                  message, self_score, membership)


@pytest.fixture
def clients(cast: Any) -> dict[str, ApiClient]:
    """A municipality system for A and one for B, and a GP's record system (users only)."""
    return {
        "system_a": ApiClient.objects.create(client_id="journal-a", name="Journal A", municipality=cast.municipality,
                                             scopes=ALL),
        "system_b": ApiClient.objects.create(client_id="journal-b", name="Journal B",
                                             municipality=cast.other_municipality, scopes=ALL),
        "ehr": ApiClient.objects.create(client_id="gp-ehr", name="Legekontorets journal", scopes="user/*.*"),
    }


def token(client_id: str, scopes: str = ALL, **kwargs: Any) -> str:
    return dev_issuer.mint(client_id=client_id, scopes=scopes, **kwargs)


def api(bearer: str | None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    return Client(**headers)
