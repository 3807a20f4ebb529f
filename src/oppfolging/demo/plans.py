"""Demo plans in every state (fresh, healthy, overdue, idle, new coordinator) and portal users."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from oppfolging.accounts.models import Municipality, User
from oppfolging.demo.data import demo_password
from oppfolging.people.models import RelatedPerson, Relationship
from oppfolging.plans.history import record_change
from oppfolging.plans.models import (
    AuthorKind,
    ChangeAction,
    EvaluationResult,
    Goal,
    GoalEvaluation,
    GoalStatus,
    IndividualPlan,
    Measure,
    MeasureStatus,
    NextStep,
)
from oppfolging.portal.models import Message, SenderKind
from oppfolging.teams.models import ConsentScope, MemberKind

GOALS = [
    ("Gå tur med hunden alene hver dag", AuthorKind.PERSON, "Følge på tur to ganger i uka, så alene", "2 ganger i uka", "Fysioterapeut går sammen med personen de første ukene"),
    ("Klare å lage middag selv", AuthorKind.PERSON, "Opptrening på kjøkkenet med ergoterapeut", "1 time i uka", "Hjemme hos personen, med hjelpemidler"),
    ("Ta medisinene riktig uten påminnelse", AuthorKind.PROFESSIONAL, "Multidosepakning og medisinliste", "Daglig", "Hjemmesykepleien følger opp morgen og kveld"),
    ("Komme i jobb eller aktivitet", AuthorKind.PERSON, "Avklaring og arbeidstrening", "3 dager i uka", "NAV-veileder avtaler plass og følger opp"),
    ("At mamma får avlastning", AuthorKind.NEXT_OF_KIN, "Avlastning annenhver helg", "2 døgn per måned", "Kommunen tildeler avlastningsbolig"),
]
STATES = ["healthy", "overdue", "fresh", "idle", "healthy", "overdue"]


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def create_demo_plans(*, municipality: Municipality, today: dt.date) -> None:
    """Fill the municipality's plans with goals, measures and evaluations, once."""
    plans = IndividualPlan.objects.filter(person__municipality=municipality).select_related("team", "person").order_by("pk")
    for index, plan in enumerate(plans):
        if plan.goals.exists():
            continue
        state = STATES[index % len(STATES)]
        author = plan.created_by
        members = list(plan.team.memberships.filter(kind=MemberKind.PROFESSIONAL)) if plan.team else []
        plan.what_matters = "Å bo hjemme, ha noen å snakke med, og slippe å forklare alt på nytt til alle."
        plan.resources = "Datteren kommer hver helg. Liker å gå tur. God humor."
        plan.needs = "Hjelp med medisiner, middag og å komme seg ut."
        plan.person_contribution = "Går tur hver dag når været tillater det."
        plan.next_of_kin_contribution = "Datteren handler og følger til legetimer."
        plan.cooperation = "Fjordvik DPS: samtaler hver annen uke. NAV: arbeidsavklaring."
        plan.next_revision_on = today + dt.timedelta(days=120 if state != "overdue" else -10)
        plan.save()
        record_change(plan=plan, actor=author, item=plan, action=ChangeAction.CREATE, summary="Planen er opprettet")
        for position, (text, kind, measure, extent, how) in enumerate(GOALS[: 2 + index % 3]):
            due = {"healthy": today + dt.timedelta(days=20 + 15 * position),
                   "overdue": today - dt.timedelta(days=12 + 5 * position),
                   "fresh": today + dt.timedelta(days=60),
                   "idle": today + dt.timedelta(days=30)}[state]
            goal = Goal.objects.create(plan=plan, text=text, author_kind=kind, position=position,
                                       next_evaluation_on=due, created_at=plan.created_at,
                                       author_user=author if kind == AuthorKind.PROFESSIONAL else None)
            record_change(plan=plan, actor=author, item=goal, action=ChangeAction.CREATE, summary=f"Nytt mål: {text}")
            Measure.objects.create(goal=goal, description=measure, extent=extent, how=how,
                                   responsible_membership=members[position % len(members)] if members else None,
                                   responsible_service=None if members else getattr(plan.team.memberships.first(), "service", None) if plan.team else None,
                                   status=MeasureStatus.ONGOING)
            if state == "healthy":
                GoalEvaluation.objects.create(
                    goal=goal, evaluated_on=today - dt.timedelta(days=70), due_on=today - dt.timedelta(days=72),
                    result=EvaluationResult.PARTLY, learned="Går bedre når det er avtalt på forhånd.",
                    next_step=NextStep.CONTINUE,
                    psfs_score=5 + position, evaluated_by=author,
                )
        if state == "healthy" and index % 2 == 0:
            done = plan.goals.order_by("pk").last()
            assert done is not None  # the goals were created above
            done.status, done.closed_at = GoalStatus.ACHIEVED, _at(today - dt.timedelta(days=30))
            done.save(update_fields=["status", "closed_at"])
        activity = {"healthy": today - dt.timedelta(days=8), "overdue": today - dt.timedelta(days=40),
                    "fresh": today - dt.timedelta(days=2), "idle": today - dt.timedelta(days=130)}[state]
        IndividualPlan.objects.filter(pk=plan.pk).update(last_activity_at=_at(activity))


def create_demo_portal_users(*, municipality: Municipality) -> None:
    """Give a person, a consenting next of kin, one without consent and a parent demo sign-ins."""
    plans = IndividualPlan.objects.filter(person__municipality=municipality).select_related("person").order_by("pk")
    adult = next((p.person for p in plans if not p.person.is_child and p.team is not None
                  and p.team.current_coordinator_assignment is not None
                  and p.goals.exists()
                  and p.person.related_persons.filter(is_primary_contact=True, consents__scope=ConsentScope.NEXT_OF_KIN).exists()), None)
    child = next((p.person for p in plans if p.person.is_child), None)
    if adult is not None and adult.user_id is None:
        adult.user = _portal_user("demo-person", adult.given_name, adult.family_name, "Person med plan")
        adult.save(update_fields=["user"])
        kin = adult.related_persons.filter(is_primary_contact=True).first()
        assert kin is not None  # the adult was chosen for having one
        if kin.user_id is None:
            kin.user = _portal_user("demo-parorende", kin.given_name, kin.family_name, "Pårørende med samtykke")
            kin.save(update_fields=["user"])
        stranger_kin = RelatedPerson.objects.create(
            person=adult, given_name="Stian", family_name=adult.family_name,
            relationship=Relationship.SIBLING, phone="41234567",
        )
        stranger_kin.user = _portal_user("demo-parorende-uten", "Stian", adult.family_name, "Pårørende uten samtykke")
        stranger_kin.save(update_fields=["user"])
        coordinator = next((a.coordinator for t in adult.teams.all() for a in t.coordinator_assignments.filter(ended_at__isnull=True)), None)
        if coordinator is not None:
            Message.objects.create(person=adult, sender_user=adult.user, sender_kind=SenderKind.PERSON,
                                   body="Kan vi flytte møtet til formiddagen? Jeg er så trøtt på ettermiddagen.")
            Message.objects.create(person=adult, sender_user=coordinator, sender_kind=SenderKind.PROFESSIONAL,
                                   body="Selvsagt. Jeg foreslår kl. 10 neste tirsdag, og sender ny innkalling.")
    if child is not None:
        parent = child.related_persons.filter(has_parental_responsibility=True).first()
        if parent is not None and parent.user_id is None:
            parent.user = _portal_user("demo-forelder", parent.given_name, parent.family_name, "Forelder med foreldreansvar")
            parent.save(update_fields=["user"])


def _portal_user(username: str, first: str, last: str, title: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "title": title,
                                     "email": f"{username}@demo.oppfolging.invalid"})
    if created:
        user.set_password(demo_password())
        user.save(update_fields=["password"])
    return user
