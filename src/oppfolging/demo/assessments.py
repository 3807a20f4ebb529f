"""Demo assessments: repeated IPLOS and PSFS over time, GP medical assessments and decisions.

Called by the demo command. Safe to run again: a person who already has an assessment is left
alone. All content is invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.assessments.models import (
    Assessment,
    AssessmentParticipant,
    AssessmentStatus,
    Decision,
    DecisionOutcome,
    IplosScore,
    MedicalAssessment,
    PsfsActivity,
    PsfsDirection,
)
from oppfolging.people.models import Person

# One story per person: what matters, life areas, then (PSFS, IPLOS) at each assessment.
# The first PSFS of Jon's story was scored on a form that runs the other way (0 = as before).
STORIES: list[dict[str, Any]] = [
    {
        "what_matters": "Å bo hjemme så lenge som mulig og klare turen til butikken selv.",
        "own_health": ("Glemmer medisinene og blir svimmel.", "Datteren ringer hver kveld."),
        "family_network": ("Alene mye etter at mannen døde.", "Pensjonistforeningen på onsdager."),
        "housing_economy": ("Trapp opp til leiligheten.", "Eier leiligheten, ingen gjeld."),
        "school_work": ("", ""),
        "rounds": [
            (PsfsDirection.HIGHER_IS_BETTER,
             [("Gå til butikken", 2), ("Lage middag", 4), ("Dusje alene", 3)],
             {"shopping": 4, "cooking": 3, "personal_hygiene": 3, "moving_outdoors": 4,
              "own_health": 4, "memory": 3, "social_participation": 3, "vision": 2,
              "hearing": 3, "toileting": 1, "eating": 1}),
            (PsfsDirection.HIGHER_IS_BETTER,
             [("Gå til butikken", 6), ("Lage middag", 5), ("Dusje alene", 7)],
             {"shopping": 3, "cooking": 3, "personal_hygiene": 2, "moving_outdoors": 3,
              "own_health": 3, "memory": 3, "social_participation": 2, "vision": 2,
              "hearing": 3, "toileting": 1, "eating": 1}),
        ],
        "decision": (DecisionOutcome.TEAM_WITH_PLAN,
                     "Trenger hjemmesykepleie, fysioterapi og oppfølging av fastlegen samtidig. "
                     "Ønsker selv en plan og en fast koordinator."),
    },
    {
        "what_matters": "Få en jobb og en egen leilighet, og slippe å flytte rundt.",
        "own_health": ("Sover dårlig, angst i perioder.", "Går til samtaler på DPS."),
        "family_network": ("Lite kontakt med familien.", "En god venn fra videregående."),
        "housing_economy": ("Bor hos venner, gjeld til inkasso.", "Har avtale med NAV-veileder."),
        "school_work": ("Sluttet på videregående.", "Liker å skru på biler."),
        "rounds": [
            (PsfsDirection.LOWER_IS_BETTER,
             [("Stå opp om morgenen", 8), ("Møte på avtaler", 7), ("Handle mat", 6)],
             {"social_participation": 4, "daily_decisions": 3, "own_behaviour": 2,
              "own_health": 3, "shopping": 3, "household_work": 3, "eating": 9,
              "dressing": 9, "vision": 1, "hearing": 1}),
            (PsfsDirection.HIGHER_IS_BETTER,
             [("Stå opp om morgenen", 5), ("Møte på avtaler", 6), ("Handle mat", 5)],
             {"social_participation": 3, "daily_decisions": 2, "own_behaviour": 2,
              "own_health": 2, "shopping": 2, "household_work": 2, "eating": 9,
              "dressing": 9, "vision": 1, "hearing": 1}),
        ],
        "decision": (DecisionOutcome.TEAM,
                     "NAV, psykisk helse og rus og boligkontoret må jobbe sammen. Personen vil "
                     "vente med individuell plan."),
    },
    {
        "what_matters": "At jeg kan være med på fotballtreningen og ha det fint på skolen.",
        "own_health": ("Astma og mye fravær.", "Helsesykepleier på skolen kjenner henne."),
        "family_network": ("Mor er alene med tre barn.", "Bestemor henter to dager i uka."),
        "housing_economy": ("Trangt i leiligheten.", ""),
        "school_work": ("Henger etter i lesing.", "Glad i matte og gym."),
        "rounds": [
            (PsfsDirection.HIGHER_IS_BETTER,
             [("Være med på fotballtrening", 3), ("Lese lekser alene", 2)],
             {"social_participation": 3, "own_health": 3, "daily_decisions": 9,
              "vision": 1, "hearing": 1}),
            (PsfsDirection.HIGHER_IS_BETTER,
             [("Være med på fotballtrening", 4), ("Lese lekser alene", 3)],
             {"social_participation": 3, "own_health": 3, "daily_decisions": 9,
              "vision": 1, "hearing": 1}),
        ],
        "decision": (DecisionOutcome.CONTACT_PERSON,
                     "Skolen og helsesykepleier følger opp; en kontaktperson på skolen er nok nå."),
    },
]

OPEN_QUESTIONS = [
    "Er det medisinske forhold som gjør at han ikke bør trene med fysioterapeut nå?",
    "Kan hukommelsesproblemene skyldes medisinene? Vi ønsker din vurdering før teammøtet.",
]


def _at(day: dt.date, hour: int = 13) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _first(staff_by_role: dict[str, list[User]], role: str) -> User | None:
    users = staff_by_role.get(role) or staff_by_role.get(str(role)) or []
    return users[0] if users else None


def _participants(assessment: Assessment, people: Sequence[User | None]) -> None:
    for user in people:
        if user is not None:
            AssessmentParticipant.objects.create(
                assessment=assessment, user=user, role_description=user.title
            )
    AssessmentParticipant.objects.create(assessment=assessment, role_description="Personen selv")


def _assessment(person: Person, story: dict, round_index: int, *, created_by: User,
                started_on: dt.date, completed: bool) -> Assessment:
    direction, psfs, iplos_scores = story["rounds"][round_index]
    assessment = Assessment.objects.create(
        person=person, created_by=created_by, started_on=started_on, psfs_direction=direction,
        status=AssessmentStatus.COMPLETED if completed else AssessmentStatus.IN_PROGRESS,
        completed_at=_at(started_on + dt.timedelta(days=14)) if completed else None,
        what_matters=story["what_matters"],
        **{f"{area}_{part}": story[area][i]
           for area in ("own_health", "family_network", "housing_economy", "school_work")
           for i, part in enumerate(("needs", "resources"))},
    )
    for position, (text, score) in enumerate(psfs, start=1):
        PsfsActivity.objects.create(assessment=assessment, position=position, activity=text,
                                    score=score)
    for code, score in iplos_scores.items():
        IplosScore.objects.create(assessment=assessment, variable=code, score=score)
    return assessment


def create_demo_assessments(
    *,
    municipality: Municipality,
    persons: Sequence[Person],
    staff_by_role: dict[str, list[User]],
    today: dt.date,
) -> None:
    """Create repeated assessments for a handful of the municipality's persons, once."""
    unit = _first(staff_by_role, Role.COORDINATING_UNIT)
    if unit is None:
        return
    member = _first(staff_by_role, Role.TEAM_MEMBER)
    coordinator = _first(staff_by_role, Role.COORDINATOR)
    fallback_gp = _first(staff_by_role, Role.GP)
    chosen = [p for p in persons if p.municipality_id == municipality.pk][: len(STORIES) + 2]
    for index, person in enumerate(chosen):
        if person.assessments.exists():
            continue
        gp = person.gp or fallback_gp
        if index < len(STORIES):
            story = STORIES[index]
            first = _assessment(person, story, 0, created_by=unit,
                                started_on=today - dt.timedelta(days=300), completed=True)
            _participants(first, [unit, member, gp])
            if gp is not None:
                MedicalAssessment.objects.create(
                    assessment=first, gp=gp, requested_by=unit,
                    requested_at=_at(first.started_on + dt.timedelta(days=1)),
                    question="Hvilke helseforhold bør teamet kjenne til, og hva tåler "
                             "personen av aktivitet og trening?",
                    answer="Stabil nå. Bør trappe opp aktivitet gradvis. Jeg følger opp "
                           "medisinene ved neste kontroll.",
                    answered_at=_at(first.started_on + dt.timedelta(days=6)),
                )
            outcome, reason = story["decision"]
            Decision.objects.create(
                person=person, assessment=first, outcome=outcome, reason=reason,
                decided_by=unit, decided_at=_at(first.started_on + dt.timedelta(days=15)),
            )
            second = _assessment(person, story, 1, created_by=unit,
                                 started_on=today - dt.timedelta(days=60), completed=True)
            _participants(second, [unit, coordinator, member])
        else:
            # Open assessments, waiting for the GP: they fill the GP's start page.
            story = STORIES[index % len(STORIES)]
            current = _assessment(person, story, 0, created_by=unit,
                                  started_on=today - dt.timedelta(days=7), completed=False)
            _participants(current, [unit, member])
            if gp is not None:
                MedicalAssessment.objects.create(
                    assessment=current, gp=gp, requested_by=unit,
                    requested_at=_at(today - dt.timedelta(days=5)),
                    question=OPEN_QUESTIONS[index % len(OPEN_QUESTIONS)],
                )
