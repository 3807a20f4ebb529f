"""Demo data for the path from a report of need to a team: every state a person can be in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.assessments.models import Decision, DecisionOutcome
from oppfolging.catalogue.models import Service
from oppfolging.people.models import Person
from oppfolging.plans.models import IndividualPlan
from oppfolging.referrals.models import Channel, ConsentToReport, Referral, Source, Status, Urgency
from oppfolging.teams.models import (
    Consent,
    ConsentMethod,
    ConsentScope,
    CoordinatorAssignment,
    CoordinatorProfile,
    CoordinatorWish,
    GivenBy,
    MemberKind,
    Team,
    TeamMembership,
    Training,
    WishKind,
)

OBSERVATIONS = [
    "Har falt flere ganger hjemme siste måned, glemmer å ta medisinene og spiser lite.",
    "Mye fravær fra skolen dette halvåret. Foreldrene er slitne og vet ikke hvem de skal spørre.",
    "Sliter med angst og rus, har mistet leiligheten og har ikke fastlege i kommunen.",
    "Flere innleggelser for KOLS siste år. Bor alene, datteren bor langt unna.",
    "Ung voksen med autisme som skal ut av videregående; familien trenger hjelp med overgangen.",
    "Hjerneslag i vinter, trenger opptrening og hjelp til å komme tilbake i jobb.",
]
WANTS = [
    "Vil bo hjemme så lenge som mulig.",
    "Ønsker én person å forholde seg til.",
    "Vil ha hjelp til å finne bolig og komme i aktivitet.",
    "Ønsker å slippe å fortelle historien sin på nytt til alle.",
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _service(municipality: Municipality, prefix: str) -> Service | None:
    return Service.objects.filter(municipality=municipality, name__startswith=prefix).first()


def _referral(person: Person, index: int, *, municipality: Municipality, received: dt.date,
              status: str, assigned_to: User | None = None, linked: bool = True,
              urgency: str = Urgency.NORMAL, reason: str = "") -> Referral:
    source = [Source.GP, Source.NEXT_OF_KIN, Source.MUNICIPAL_SERVICE, Source.SCHOOL,
              Source.NAV, Source.PERSON, Source.HOSPITAL][index % 7]
    closed = status in (Status.DECIDED, Status.DECLINED, Status.WITHDRAWN)
    return Referral.objects.create(
        municipality=municipality, person=person if linked else None,
        subject_given_name=person.given_name, subject_family_name=person.family_name,
        subject_identity_number=person.identity_number if linked else "",
        subject_birth_date=person.birth_date,
        source=source, channel=Channel.PUBLIC_FORM if source in (Source.NEXT_OF_KIN, Source.PERSON, Source.SCHOOL) else Channel.IN_APP,
        reporter_name=["Dr. Erik Dahl", "Randi Berg", "Hjemmesykepleien", "Kontaktlærer Ida Lunde",
                       "NAV-veileder", person.full_name, "Sykehuset, utskrivningsklar"][index % 7],
        reporter_email=f"melder{index}@demo.oppfolging.invalid" if index % 2 else "",
        observations=OBSERVATIONS[index % len(OBSERVATIONS)], person_wants=WANTS[index % len(WANTS)],
        urgency=urgency, consent=ConsentToReport.SELF if source == Source.PERSON else ConsentToReport.GIVEN,
        status=status, received_at=_at(received),
        deadline=received + dt.timedelta(days=municipality.referral_deadline_days_for(urgency)),
        assigned_to=assigned_to, assigned_at=_at(received + dt.timedelta(days=1)) if assigned_to else None,
        decline_reason=reason, closed_at=_at(received + dt.timedelta(days=12)) if closed else None,
        receipt_code=f"D{municipality.number[-2:]}{person.pk:05d}",
    )


def _team(person: Person, *, municipality: Municipality, created: dt.date, unit: User,
          coordinators: Sequence[User], members: Sequence[tuple[User, Service | None, str]],
          handover: bool, with_plan: bool, with_coordinator: bool = True) -> Team:
    team = Team.objects.create(person=person, created_by=unit, created_at=_at(created))
    TeamMembership.objects.create(team=team, kind=MemberKind.PERSON, role_in_team="Personen selv",
                                  added_by=unit, joined_on=created)
    Consent.objects.create(person=person, scope=ConsentScope.TEAM_AND_PLAN, method=ConsentMethod.PAPER,
                           given_by=GivenBy.GUARDIAN if person.is_child else GivenBy.PERSON,
                           given_by_related=person.related_persons.filter(is_guardian=True).first() if person.is_child else None,
                           given_at=_at(created), recorded_by=unit)
    if person.gp_id:
        TeamMembership.objects.create(team=team, user=person.gp, role_in_team="Fastlege",
                                      is_medically_responsible=True, added_by=unit, joined_on=created,
                                      service=_service(municipality, "Fjordvik legesenter") or _service(municipality, "Sentrum"))
    for user, service, role in members:
        TeamMembership.objects.create(team=team, user=user, service=service, role_in_team=role,
                                      added_by=unit, joined_on=created)
        if service is not None:
            Consent.objects.get_or_create(
                person=person, scope=ConsentScope.SHARE_WITH_SERVICE, service=service,
                defaults={"method": ConsentMethod.PAPER, "given_by": GivenBy.PERSON, "given_at": _at(created),
                          "recorded_by": unit},
            )
    kin = person.related_persons.filter(is_primary_contact=True).first()
    if kin is not None:
        Consent.objects.create(person=person, scope=ConsentScope.NEXT_OF_KIN, related_person=kin,
                               method=ConsentMethod.VERBAL, given_by=GivenBy.PERSON, given_at=_at(created),
                               recorded_by=unit)
        TeamMembership.objects.create(team=team, kind=MemberKind.NEXT_OF_KIN, related_person=kin,
                                      role_in_team=kin.get_relationship_display(), added_by=unit,
                                      joined_on=created)
    if with_coordinator:
        first = coordinators[0]
        if handover and len(coordinators) > 1:
            CoordinatorAssignment.objects.create(
                team=team, coordinator=first, appointed_by=unit, started_at=_at(created),
                ended_at=_at(timezone.localdate() - dt.timedelta(days=6)), wish_met=None,
            )
            CoordinatorAssignment.objects.create(
                team=team, coordinator=coordinators[1], appointed_by=unit,
                started_at=_at(timezone.localdate() - dt.timedelta(days=6)), wish_met=None,
                handover_note="Marte går over i ny stilling. Personen liker korte møter hjemme, "
                "helst formiddag. Datteren må alltid få innkalling. Neste evaluering av målet om "
                "å gå tur alene er i neste måned. NAV venter på legeerklæring.",
            )
        else:
            CoordinatorAssignment.objects.create(team=team, coordinator=first, appointed_by=unit,
                                                 started_at=_at(created), wish_met=None)
    if with_plan:
        IndividualPlan.objects.create(person=person, team=team, created_by=unit, created_at=_at(created),
                                      period_start=created)
    return team


def create_demo_path(*, municipality: Municipality, persons: Sequence[Person],
                     staff_by_role: dict[str, list[User]], today: dt.date) -> None:
    """Put the municipality's persons in every state from report to team, once."""
    units = staff_by_role.get(Role.COORDINATING_UNIT, [])
    coordinators = staff_by_role.get(Role.COORDINATOR, [])
    members = staff_by_role.get(Role.TEAM_MEMBER, [])
    if not units or not coordinators:
        return
    unit = units[0]
    _pool(municipality, coordinators + members[:1], today)
    if Referral.objects.filter(municipality=municipality).exists():
        return
    home_care = _service(municipality, "Hjemmesykepleien")
    member_rows = [(m, next((a.service for a in m.role_assignments.all()
                             if a.municipality_id == municipality.pk and a.service), home_care),
                    m.title or "Tjenesteyter") for m in members]
    for index, person in enumerate(persons):
        received = today - dt.timedelta(days=10 + (index * 37) % 700)
        decisions = list(Decision.objects.filter(person=person))
        if decisions:  # the assessment stories already decided this person
            decision = decisions[0]
            referral = _referral(person, index, municipality=municipality, received=received,
                                 status=Status.DECIDED, assigned_to=unit)
            Decision.objects.filter(pk=decision.pk).update(referral=referral)
            if decision.outcome in (DecisionOutcome.TEAM, DecisionOutcome.TEAM_WITH_PLAN):
                _team(person, municipality=municipality, created=decision.decided_at.date(), unit=unit,
                      coordinators=coordinators, members=member_rows, handover=False,
                      with_plan=decision.outcome == DecisionOutcome.TEAM_WITH_PLAN)
            continue
        if person.assessments.exists():  # open assessments
            _referral(person, index, municipality=municipality, received=today - dt.timedelta(days=9),
                      status=Status.IN_ASSESSMENT, assigned_to=unit)
            continue
        state = index % 12
        if state == 0:
            _referral(person, index, municipality=municipality, received=today - dt.timedelta(days=20),
                      status=Status.RECEIVED, linked=False)
        elif state == 1:
            _referral(person, index, municipality=municipality, received=today - dt.timedelta(days=2),
                      status=Status.RECEIVED, urgency=Urgency.URGENT)
        elif state == 2:
            _referral(person, index, municipality=municipality, received=today - dt.timedelta(days=5),
                      status=Status.RECEIVED, assigned_to=coordinators[-1], urgency=Urgency.SOON)
        elif state == 3:
            _referral(person, index, municipality=municipality, received=received,
                      status=Status.DECLINED, assigned_to=unit,
                      reason="Behovene dekkes godt av hjemmesykepleien og fastlegen nå.")
        elif state == 4:
            _referral(person, index, municipality=municipality, received=received,
                      status=Status.WITHDRAWN, reason="Personen ønsket ikke oppfølging nå.")
        elif state in (5, 6, 7, 8, 9):
            referral = _referral(person, index, municipality=municipality, received=received,
                                 status=Status.DECIDED, assigned_to=unit)
            decided = received + dt.timedelta(days=12)
            Decision.objects.create(
                person=person, referral=referral, outcome=DecisionOutcome.TEAM_WITH_PLAN,
                reason="Flere tjenester over tid; personen ønsker en koordinator og en plan.",
                decided_by=unit, decided_at=_at(decided),
            )
            if state == 5:
                CoordinatorWish.objects.create(person=person, wished_user=coordinators[0],
                                               text="Hun kjenner meg fra før.", stated_by=WishKind.PERSON,
                                               recorded_by=unit, recorded_at=_at(received))
            _team(person, municipality=municipality, created=decided + dt.timedelta(days=3), unit=unit,
                  coordinators=coordinators[(index // 12) % len(coordinators):] + coordinators,
                  members=member_rows[: 1 + index % max(len(member_rows), 1)],
                  handover=state == 6, with_plan=state != 9, with_coordinator=state != 8)


def _pool(municipality: Municipality, users: Sequence[User], today: dt.date) -> None:
    courses = [("Koordinatoropplæring, grunnkurs", "Koordinerende enhet"),
               ("Individuell plan i praksis", "KS"), ("Samtaler som betyr noe", "USHT")]
    for index, user in enumerate(users):
        CoordinatorProfile.objects.get_or_create(
            user=user, municipality=municipality, defaults={"max_caseload": 4 + index * 2}
        )
        if not Training.objects.filter(user=user).exists():
            for course, provider in courses[: 3 - index if index < 3 else 0]:
                Training.objects.create(user=user, course=course, provider=provider,
                                        completed_on=today - dt.timedelta(days=200 + 90 * index), hours=6)
