"""Several years of synthetic history, so every indicator shows a believable trend.

Extra synthetic persons (Tenor numbers) with the whole path: reports of need from every source
(the GP's risk list from the third year), decisions, teams with coordinators and members,
consents given and withdrawn, plans with goals evaluated on time or late, meetings with
attendance and agendas sent ahead or not, and assessments whose PSFS and IPLOS improve on
average. Practice improves year by year, as a municipality learning the way of working would.

Everything is drawn from a seeded random generator and written with bulk_create; a second run
finds the history there and does nothing. The benchmark (bench/indicators.py) calls
`build_history` with a much larger register.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.assessments import iplos
from oppfolging.assessments.models import (
    Assessment,
    AssessmentStatus,
    Decision,
    DecisionOutcome,
    IplosScore,
    PsfsActivity,
    PsfsDirection,
)
from oppfolging.catalogue.models import Service
from oppfolging.demo import data
from oppfolging.lib import identity
from oppfolging.meetings.models import (
    AddedByKind,
    AgendaItem,
    AgendaSource,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingStatus,
)
from oppfolging.people.models import Gender, Person, RelatedPerson, Relationship
from oppfolging.plans.models import (
    AuthorKind,
    ChangeAction,
    EvaluationResult,
    Goal,
    GoalEvaluation,
    GoalStatus,
    IndividualPlan,
    NextStep,
    PlanChange,
    PlanStatus,
)
from oppfolging.referrals.models import Channel, ConsentToReport, Referral, Source, Status
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
    TeamStatus,
    Training,
    WishKind,
)

GOAL_TEXTS = [
    "Klare meg selv hjemme med litt hjelp om morgenen.",
    "Gå tur alene til butikken.",
    "Komme tilbake i jobb, først i deltid.",
    "Møte opp på skolen hver dag.",
    "Ha en fast bolig og betale regningene selv.",
    "Ta medisinene riktig uten å bli minnet på det.",
    "Være med på trening med venner en gang i uka.",
    "Slippe å fortelle historien min på nytt til alle.",
]
ACTIVITIES = ["Lage middag", "Gå i trapper", "Handle mat", "Være med venner", "Sove hele natten",
              "Gå på skolen", "Ta bussen", "Holde orden hjemme"]
OBSERVATION = "Historisk eksempel: behov for koordinerte tjenester over tid."
CHANGE_FIELDS = ("result",)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _marker(municipality: Municipality) -> str:
    return f"H{municipality.number}"


@dataclass
class _Batch:
    """Objects to write, in dependency order."""

    lists: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def add(self, obj: models.Model) -> Any:
        self.lists.setdefault(type(obj), []).append(obj)
        return obj

    def write(self) -> dict[str, int]:
        order: list[type[Any]] = [Person, RelatedPerson, Referral, Decision, Team, CoordinatorWish,
                 CoordinatorAssignment, TeamMembership, Consent, IndividualPlan, Goal,
                 GoalEvaluation, PlanChange, Meeting, Invitation, AgendaItem, Assessment,
                 PsfsActivity, IplosScore]
        counts = {}
        for model in order:
            objects = self.lists.get(model, [])
            model.objects.bulk_create(objects, batch_size=2000)
            counts[model.__name__] = len(objects)
        return counts


def _progress(day: dt.date, start: dt.date, today: dt.date) -> float:
    """Return 0 at the start of the history and 1 today: how far practice has come."""
    span = (today - start).days or 1
    return min(1.0, max(0.0, (day - start).days / span))


def _staff(municipality: Municipality, rng: random.Random, start: dt.date,
           coordinators: int) -> tuple[User, list[User], list[User]]:
    """Return the coordinating unit, the history's coordinators and the GPs; create the pool."""
    roles = RoleAssignment.objects.filter(municipality=municipality).select_related("user")
    unit = next((a.user for a in roles if a.role == Role.COORDINATING_UNIT), None)
    if unit is None:
        unit, _ = User.objects.get_or_create(username=f"hist-{municipality.number}-ke",
                                             defaults={"first_name": "Kari", "last_name": "Enhet"})
        RoleAssignment.objects.get_or_create(user=unit, municipality=municipality,
                                             role=Role.COORDINATING_UNIT)
    gps = [a.user for a in roles if a.role == Role.GP]
    pool = []
    for i in range(coordinators):
        female = i % 2 == 0
        user, created = User.objects.get_or_create(
            username=f"hist-{municipality.number}-koordinator{i + 1}",
            defaults={"first_name": rng.choice(data.GIVEN_F if female else data.GIVEN_M),
                      "last_name": rng.choice(data.FAMILY), "title": "Koordinator",
                      "is_active": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RoleAssignment.objects.get_or_create(user=user, municipality=municipality,
                                             role=Role.COORDINATOR)
        profile, _ = CoordinatorProfile.objects.get_or_create(
            user=user, municipality=municipality,
            defaults={"is_active": i % 7 != 6, "max_caseload": 8 + i % 3 * 2},
        )
        joined = start + dt.timedelta(days=int(i * 365 * 4 / max(coordinators, 1)) // 2)
        CoordinatorProfile.objects.filter(pk=profile.pk).update(created_at=_at(joined))
        if i % 4 != 3 and not Training.objects.filter(user=user).exists():
            Training.objects.create(user=user, course="Koordinatoropplæring (Helsedirektoratet)",
                                    provider="KS", hours=12,
                                    completed_on=joined + dt.timedelta(days=rng.randint(20, 300)))
        pool.append(user)
    return unit, pool, gps


def _identity_numbers(rng: random.Random, births: list[dt.date], taken: set[str]) -> list[str]:
    numbers = []
    for birth in births:
        while True:
            if birth.year < 2000:
                start = rng.randint(0, 480)
            else:
                start = rng.randint(500, 980)
            try:
                number = identity.make_synthetic(birth_date=birth, individual=start)
            except ValueError:
                continue
            if number not in taken:
                taken.add(number)
                numbers.append(number)
                break
    return numbers


def _source(rng: random.Random, progress: float, age: int) -> str:
    if progress > 0.4 and rng.random() < 0.1 + 0.2 * progress:
        return Source.GP_RISK_LIST
    choices = [Source.GP, Source.MUNICIPAL_SERVICE, Source.NEXT_OF_KIN, Source.HOSPITAL,
               Source.NAV, Source.PERSON, Source.OTHER]
    if age < 18:
        choices = [Source.SCHOOL, Source.KINDERGARTEN, Source.CHILD_WELFARE, Source.NEXT_OF_KIN,
                   Source.GP, Source.MUNICIPAL_SERVICE]
    return rng.choice(choices)


def build_history(
    *,
    municipality: Municipality,
    persons: int,
    referred: int,
    years: int,
    rng: random.Random,
    today: dt.date,
    coordinators: int,
    chunk: int = 2000,
) -> dict[str, int]:
    """Create `persons` synthetic persons, `referred` of them with a path; return row counts.

    Rows are written every `chunk` persons, so a large register does not sit in memory.
    """
    start = today - dt.timedelta(days=365 * years)
    unit, pool, gps = _staff(municipality, rng, start, coordinators)
    services = list(Service.objects.filter(municipality=municipality, is_active=True))
    batch = _Batch()
    counts: dict[str, int] = {}
    taken = set(Person.objects.filter(municipality=municipality).values_list("identity_number", flat=True))
    births = [today - dt.timedelta(days=rng.randint(2 * 365, 95 * 365)) for _ in range(persons)]
    numbers = _identity_numbers(rng, births, taken)
    marker = _marker(municipality)
    deadline_days = municipality.referral_deadline_days
    place = municipality.name.replace(" kommune", "")
    for index, (birth, number) in enumerate(zip(births, numbers, strict=True)):
        female = int(number[8]) % 2 == 0
        person = batch.add(Person(
            municipality=municipality, given_name=rng.choice(data.GIVEN_F if female else data.GIVEN_M),
            family_name=rng.choice(data.FAMILY), identity_number=number,
            identity_kind=str(identity.IdentityKind.TENOR), birth_date=birth,
            gender=Gender.FEMALE if female else Gender.MALE,
            address=f"{rng.choice(data.STREETS)} {rng.randint(1, 80)}", postal_place=place,
            gp=rng.choice(gps) if gps else None,
        ))
        if index < referred:
            _path(batch, person, index, rng=rng, start=start, today=today, unit=unit, pool=pool,
                  services=services, marker=marker, deadline_days=deadline_days)
        if (index + 1) % chunk == 0:
            _add_counts(counts, batch.write())
            batch = _Batch()
    _add_counts(counts, batch.write())
    return counts


def _add_counts(total: dict[str, int], counts: dict[str, int]) -> None:
    for name, n in counts.items():
        total[name] = total.get(name, 0) + n


def _path(batch: _Batch, person: Person, index: int, *, rng: random.Random, start: dt.date,
          today: dt.date, unit: User, pool: list[User], services: list[Service], marker: str,
          deadline_days: int) -> None:
    """Add one person's path: report, decision, and for most a team with everything after."""
    span = (today - start).days - 10
    received = start + dt.timedelta(days=int(span * rng.random() ** 0.7))  # more reports lately
    p = _progress(received, start, today)
    age = received.year - person.birth_date.year
    kin = None
    if age < 18 or rng.random() < 0.5:
        kin = batch.add(RelatedPerson(
            person=person, given_name=rng.choice(data.GIVEN_F + data.GIVEN_M),
            family_name=person.family_name,
            relationship=Relationship.PARENT if age < 18 else Relationship.CHILD,
            is_guardian=age < 18, has_parental_responsibility=age < 18, is_primary_contact=True,
        ))
    handling_days = max(1, int(rng.gauss(20 - 12 * p, 6)))
    closed_on: dt.date | None = received + dt.timedelta(days=handling_days)
    roll = rng.random()
    if closed_on is not None and closed_on >= today:
        status, closed_on = Status.IN_ASSESSMENT, None
    elif roll < 0.03:
        status = Status.WITHDRAWN
    elif roll < 0.13:
        status = Status.DECLINED
    else:
        status = Status.DECIDED
    referral = batch.add(Referral(
        municipality=person.municipality, person=person, subject_given_name=person.given_name,
        subject_family_name=person.family_name, subject_identity_number=person.identity_number,
        subject_birth_date=person.birth_date, source=_source(rng, p, age),
        channel=Channel.IN_APP, observations=OBSERVATION, consent=ConsentToReport.GIVEN,
        status=status, received_at=_at(received, 9), deadline=received + dt.timedelta(days=deadline_days),
        assigned_to=unit, closed_at=_at(closed_on, 14) if closed_on else None,
        receipt_code=f"{marker}{index:06d}",
    ))
    if referral.source == Source.GP_RISK_LIST:
        referral.channel = Channel.GP_RISK_LIST
    if status != Status.DECIDED or closed_on is None:
        return
    outcome = rng.choices(
        [DecisionOutcome.TEAM_WITH_PLAN, DecisionOutcome.TEAM, DecisionOutcome.CONTACT_PERSON,
         DecisionOutcome.NONE], weights=[50, 25, 15, 10])[0]
    batch.add(Decision(person=person, referral=referral, outcome=outcome,
                       reason="Vurdert i tverrfaglig møte.", decided_by=unit,
                       decided_at=_at(closed_on, 14)))
    if outcome not in (DecisionOutcome.TEAM, DecisionOutcome.TEAM_WITH_PLAN):
        return
    team_on = closed_on + dt.timedelta(days=max(1, int(rng.gauss(30 - 20 * p, 8))))
    if team_on >= today:
        return
    if p > 0.4 and rng.random() < 0.2:
        # The GP's risk list also names people the municipality already follows up.
        known_on = team_on + dt.timedelta(days=rng.randint(30, 400))
        if known_on < today - dt.timedelta(days=30):
            batch.add(Referral(
                municipality=person.municipality, person=person,
                subject_given_name=person.given_name, subject_family_name=person.family_name,
                subject_birth_date=person.birth_date, source=Source.GP_RISK_LIST,
                channel=Channel.GP_RISK_LIST, observations=OBSERVATION,
                consent=ConsentToReport.GIVEN, status=Status.DECLINED,
                received_at=_at(known_on, 9), deadline=known_on + dt.timedelta(days=deadline_days),
                assigned_to=unit, closed_at=_at(known_on + dt.timedelta(days=3), 14),
                decline_reason="Personen har alt et oppfølgingsteam.",
                receipt_code=f"{marker}R{index:05d}",
            ))
    _team(batch, person, kin, team_on, rng=rng, start=start, today=today, unit=unit, pool=pool,
          services=services, with_plan=outcome == DecisionOutcome.TEAM_WITH_PLAN or rng.random() < 0.4,
          first_assessed=received + dt.timedelta(days=rng.randint(1, handling_days)))


def _team(batch: _Batch, person: Person, kin: RelatedPerson | None, team_on: dt.date, *,
          rng: random.Random, start: dt.date, today: dt.date, unit: User, pool: list[User],
          services: list[Service], with_plan: bool, first_assessed: dt.date) -> None:
    p = _progress(team_on, start, today)
    closed_on = None
    if rng.random() < 0.3:
        closed_on = team_on + dt.timedelta(days=rng.randint(300, 1100))
        if closed_on >= today:
            closed_on = None
    end = closed_on or today
    team = batch.add(Team(
        person=person, created_by=unit, created_at=_at(team_on, 11),
        status=TeamStatus.CLOSED if closed_on else TeamStatus.ACTIVE,
        closed_at=_at(closed_on) if closed_on else None, meeting_interval_weeks=8,
    ))
    wish = None
    if rng.random() < 0.45:
        wished = rng.choice(pool)
        wish = batch.add(CoordinatorWish(
            person=person, wished_user=wished, stated_by=rng.choice(list(WishKind.values)),
            recorded_by=unit, recorded_at=_at(team_on - dt.timedelta(days=2)),
        ))
    if pool and rng.random() < 0.8 + 0.18 * p:
        coordinator = wish.wished_user if wish and rng.random() < 0.25 + 0.45 * p else rng.choice(pool)
        appointed = team_on + dt.timedelta(days=rng.randint(0, int(20 - 15 * p)))
        if rng.random() < 0.15 and (end - appointed).days > 200:
            handover = appointed + dt.timedelta(days=rng.randint(100, (end - appointed).days - 30))
            batch.add(CoordinatorAssignment(
                team=team, coordinator=coordinator, appointed_by=unit, started_at=_at(appointed),
                ended_at=_at(handover), wish_met=(coordinator == wish.wished_user) if wish else None,
            ))
            coordinator, appointed = rng.choice(pool), handover
        batch.add(CoordinatorAssignment(
            team=team, coordinator=coordinator, appointed_by=unit, started_at=_at(appointed),
            ended_at=_at(closed_on) if closed_on else None,
            wish_met=(coordinator == wish.wished_user) if wish else None,
            handover_note="Overført med hele historikken." if appointed != team_on else "",
        ))
    batch.add(TeamMembership(team=team, kind=MemberKind.PERSON, role_in_team="Personen selv",
                             added_by=unit, joined_on=team_on))
    given_by = GivenBy.GUARDIAN if kin is not None and kin.is_guardian else GivenBy.PERSON
    consent = batch.add(Consent(person=person, scope=ConsentScope.TEAM_AND_PLAN, method=ConsentMethod.PAPER,
                                given_by=given_by, given_at=_at(team_on), recorded_by=unit))
    if rng.random() < 0.04 and (end - team_on).days > 60:
        consent.withdrawn_at = _at(team_on + dt.timedelta(days=rng.randint(30, (end - team_on).days)))
        consent.withdrawn_by = unit
        consent.withdrawal_note = "Personen ønsket ikke lenger team."
    members = rng.sample(services, k=min(len(services), rng.randint(2, 3 + int(2 * p))))
    memberships = []
    for service in members:
        left = None
        if rng.random() < 0.2 and (end - team_on).days > 120:
            left = team_on + dt.timedelta(days=rng.randint(60, (end - team_on).days))
        memberships.append(batch.add(TeamMembership(
            team=team, service=service, role_in_team=service.name, added_by=unit,
            joined_on=team_on, left_on=left,
        )))
        share = batch.add(Consent(person=person, scope=ConsentScope.SHARE_WITH_SERVICE,
                                  service=service, method=ConsentMethod.DIGITAL, given_by=given_by,
                                  given_at=_at(team_on), recorded_by=unit))
        if rng.random() < 0.03:
            share.withdrawn_at = _at(team_on + dt.timedelta(days=rng.randint(10, 400)))
            share.withdrawn_by = unit
    if kin is not None:
        batch.add(Consent(person=person, scope=ConsentScope.NEXT_OF_KIN, related_person=kin,
                          method=ConsentMethod.VERBAL, given_by=GivenBy.PERSON, given_at=_at(team_on), recorded_by=unit))
        batch.add(TeamMembership(team=team, kind=MemberKind.NEXT_OF_KIN, related_person=kin,
                                 role_in_team="Pårørende", added_by=unit, joined_on=team_on))
    goals = _plan(batch, person, team, team_on, end, rng=rng, start=start, today=today, unit=unit,
                  kin=kin) if with_plan else []
    _meetings(batch, team, team_on, end, rng=rng, start=start, today=today, unit=unit,
              memberships=memberships, goals=goals, active=closed_on is None)
    if rng.random() < 0.7:
        _assessments(batch, person, first_assessed, end, rng=rng, unit=unit)


def _plan(batch: _Batch, person: Person, team: Team, team_on: dt.date, end: dt.date, *,
          rng: random.Random, start: dt.date, today: dt.date, unit: User,
          kin: RelatedPerson | None) -> list[Goal]:
    created = team_on + dt.timedelta(days=rng.randint(7, 30))
    if created >= end:
        return []
    plan = batch.add(IndividualPlan(
        person=person, team=team, created_by=unit, created_at=_at(created), period_start=created,
        what_matters="Å klare meg selv og ha folk rundt meg.", last_activity_at=_at(created),
        status=PlanStatus.CLOSED if end < today else PlanStatus.ACTIVE,
    ))
    # Some plans are left in the drawer: evaluations stop after a while.
    drawer = rng.random() < 0.3 - 0.2 * _progress(created, start, today)
    goals = []
    for position, text in enumerate(rng.sample(GOAL_TEXTS, k=rng.randint(2, 4))):
        p = _progress(created, start, today)
        kind = rng.choices([AuthorKind.PERSON, AuthorKind.NEXT_OF_KIN, AuthorKind.PROFESSIONAL],
                           weights=[20 + 40 * p, 10 if kin else 0, 70 - 30 * p])[0]
        goal = batch.add(Goal(
            plan=plan, text=text, author_kind=kind, author_user=unit if kind == AuthorKind.PROFESSIONAL else None,
            author_related=kin if kind == AuthorKind.NEXT_OF_KIN else None, position=position,
            created_at=_at(created), next_evaluation_on=created + dt.timedelta(days=90),
        ))
        goals.append(goal)
        due = created + dt.timedelta(days=90)
        last_activity = created
        stop = end if not drawer else min(end, created + dt.timedelta(days=rng.randint(100, 500)))
        while due < stop:
            q = _progress(due, start, today)
            late = 0 if rng.random() < 0.45 + 0.45 * q else rng.randint(3, 45)
            evaluated = due + dt.timedelta(days=late)
            if evaluated >= today:
                break
            result = rng.choice(list(EvaluationResult.values))
            batch.add(GoalEvaluation(goal=goal, evaluated_on=evaluated, due_on=due, result=result,
                                     next_step=NextStep.CONTINUE, evaluated_by=unit,
                                     created_at=_at(evaluated, 13)))
            batch.add(PlanChange(plan=plan, at=_at(evaluated, 13), actor=unit,
                                 actor_name=unit.full_name, item_type="evaluation", item_id=0,
                                 action=ChangeAction.EVALUATE, summary=f"Målet «{text[:40]}» evaluert",
                                 changed_fields=list(CHANGE_FIELDS), snapshot={"result": result}))
            last_activity = evaluated
            due = evaluated + dt.timedelta(days=90)
        goal.next_evaluation_on = due
        if end < today:
            goal.status = GoalStatus.CLOSED
            goal.closed_at = _at(end)
        plan.last_activity_at = max(plan.last_activity_at, _at(last_activity, 13))
    return goals


def _meetings(batch: _Batch, team: Team, team_on: dt.date, end: dt.date, *, rng: random.Random,
              start: dt.date, today: dt.date, unit: User, memberships: list[TeamMembership],
              goals: list[Goal], active: bool) -> None:
    day = team_on + dt.timedelta(days=rng.randint(7, 21))
    while day < end or (active and day < today + dt.timedelta(days=30)):
        p = _progress(day, start, today)
        held = day < today
        status = MeetingStatus.HELD if held else MeetingStatus.PLANNED
        if held and rng.random() < 0.05:
            status = MeetingStatus.CANCELLED
        starts = _at(day, 9 + rng.randint(0, 5))
        sent = None
        if rng.random() < 0.25 + 0.65 * p:
            sent = starts - dt.timedelta(days=7)
        elif held and rng.random() < 0.5:
            sent = starts - dt.timedelta(hours=2)
        if sent is not None and sent > timezone.now():
            sent = None
        meeting = batch.add(Meeting(team=team, starts_at=starts, status=status, created_by=unit,
                                    created_at=starts - dt.timedelta(days=14), agenda_sent_at=sent,
                                    location="Rådhuset, møterom 2",
                                    minutes="Referat ført." if status == MeetingStatus.HELD else ""))
        batch.add(Invitation(meeting=meeting, kind=InviteeKind.PERSON, name="Personen selv",
                             attendance=Attendance.PRESENT if status == MeetingStatus.HELD else ""))
        for membership in memberships:
            if membership.left_on is not None and membership.left_on <= day:
                continue
            assert membership.service is not None  # the demo's professionals all have a service
            attendance = ""
            if status == MeetingStatus.HELD:
                no_show = 0.14 - 0.09 * p + (0.06 if len(membership.service.name) % 3 == 0 else 0)
                roll = rng.random()
                attendance = (Attendance.ABSENT_WITHOUT_NOTICE if roll < no_show
                              else Attendance.ABSENT_WITH_NOTICE if roll < no_show + 0.08
                              else Attendance.PRESENT)
            batch.add(Invitation(meeting=meeting, kind=InviteeKind.PROFESSIONAL,
                                 membership=membership, service=membership.service,
                                 name=membership.service.name, attendance=attendance))
        for position, goal in enumerate(goals[:2]):
            batch.add(AgendaItem(meeting=meeting, position=position, source=AgendaSource.GOAL,
                                 title=f"Evaluere målet: {goal.text[:60]}", goal=goal))
        if rng.random() < 0.15 + 0.4 * p:
            batch.add(AgendaItem(meeting=meeting, position=5, source=AgendaSource.ADDED,
                                 title="Det jeg vil snakke om", added_by_kind=rng.choice(
                                     [AddedByKind.PERSON, AddedByKind.NEXT_OF_KIN])))
        day += dt.timedelta(days=rng.randint(42, 70))
        if not held:
            break


def _assessments(batch: _Batch, person: Person, first: dt.date, end: dt.date, *,
                 rng: random.Random, unit: User) -> None:
    activities = rng.sample(ACTIVITIES, k=3)
    base = [rng.randint(1, 5) for _ in activities]
    need = {v.code: rng.randint(2, 4) for v in iplos.VARIABLES if v.kind == iplos.Kind.NEED_FOR_HELP}
    gain = rng.gauss(2.2, 1.8)  # the person's eventual PSFS gain, in points
    relief = rng.gauss(-0.5, 0.5)  # the eventual change in need for help
    day, rounds = first, 0
    while day < end and rounds < 4:
        fraction = min(1.0, rounds / 2)
        lower = rng.random() < 0.1
        assessment = batch.add(Assessment(
            person=person, status=AssessmentStatus.COMPLETED, started_on=day,
            completed_at=_at(day, 15), created_by=unit,
            psfs_direction=PsfsDirection.LOWER_IS_BETTER if lower else PsfsDirection.HIGHER_IS_BETTER,
            what_matters="Å klare hverdagen.",
        ))
        for position, (activity, score) in enumerate(zip(activities, base, strict=True), start=1):
            value = min(10, max(0, round(score + gain * fraction + rng.gauss(0, 0.7))))
            batch.add(PsfsActivity(assessment=assessment, position=position, activity=activity,
                                   score=10 - value if lower else value))
        for code, level in need.items():
            value = min(5, max(1, round(level + relief * fraction + rng.gauss(0, 0.4))))
            batch.add(IplosScore(assessment=assessment, variable=code,
                                 score=9 if code == "toileting" and level < 3 else value))
        rounds += 1
        day += dt.timedelta(days=rng.randint(150, 330))


@transaction.atomic
def create_demo_history(
    *, municipality: Municipality, years: int = 5, seed: int, today: dt.date,
    persons: int = 250,
) -> dict[str, int]:
    """Create several years of history for the municipality; do nothing if it is there already.

    Returns the number of rows written per model (empty on a second run).
    """
    if Referral.objects.filter(municipality=municipality,
                               receipt_code__startswith=_marker(municipality)).exists():
        return {}
    rng = random.Random(f"{seed}-{municipality.number}")
    return build_history(municipality=municipality, persons=persons, referred=persons,
                         years=years, rng=rng, today=today,
                         coordinators=max(3, persons // 18))
