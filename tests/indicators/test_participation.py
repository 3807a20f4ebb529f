"""Result goal 4, participation: goals in the person's words, agenda items, wishes, consents."""

from __future__ import annotations

from indicator_helpers import Q1, at, person, team

from oppfolging.indicators import selectors as s
from oppfolging.meetings.models import AgendaItem, Meeting, MeetingStatus
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import Consent, ConsentScope, CoordinatorAssignment


def test_it_gives_the_share_of_goals_written_by_the_person_or_next_of_kin(cast):
    m = cast.municipality
    plan = IndividualPlan.objects.create(person=person(m), created_by=cast.cu, created_at=at(2024, 1, 1))
    for kind, created in (("person", at(2025, 1, 5)), ("next_of_kin", at(2025, 2, 5)),
                          ("professional", at(2025, 2, 5)), ("professional", at(2025, 3, 5)),
                          ("person", at(2025, 4, 5))):
        Goal.objects.create(plan=plan, text="x", author_kind=kind, created_at=created,
                            next_evaluation_on=created.date())

    figure = s.compute_goals_by_person(m, [Q1])[0]
    rows = {r.label: r.value for r in s.breakdown_goals_by_author(m, Q1)}

    assert (figure.numerator, figure.denominator, figure.people) == (2, 4, 1)
    assert rows == {"Personen selv": 1, "Pårørende": 1, "Tjenesteyter": 2}


def test_it_counts_held_meetings_with_an_item_from_the_person_or_next_of_kin(cast):
    m = cast.municipality
    t = team(person(m), at(2024, 1, 1), cast.cu)
    kinds = ["person", "professional", "", "next_of_kin"]
    for i, kind in enumerate(kinds):
        meeting = Meeting.objects.create(team=t, starts_at=at(2025, 1 + i % 3, 10),
                                         created_by=cast.cu,
                                         status=MeetingStatus.HELD if i < 3 else MeetingStatus.CANCELLED)
        AgendaItem.objects.create(meeting=meeting, title="x", added_by_kind=kind)

    figure = s.compute_agenda_from_person(m, [Q1])[0]

    assert (figure.numerator, figure.denominator) == (1, 3)


def test_it_gives_the_share_of_appointments_that_met_a_stated_wish(cast):
    m = cast.municipality
    for wish_met in (True, False, None):
        t = team(person(m), at(2025, 1, 1), cast.cu)
        CoordinatorAssignment.objects.create(team=t, coordinator=cast.colleague, appointed_by=cast.cu,
                                             started_at=at(2025, 2, 1), wish_met=wish_met)

    figure = s.compute_coordinator_wish_met(m, [Q1])[0]

    assert (figure.numerator, figure.denominator) == (1, 2)


def test_it_counts_consents_given_and_withdrawn_in_the_period(cast):
    m = cast.municipality
    who = person(m)
    for given, withdrawn in ((at(2025, 1, 5), None), (at(2025, 2, 5), at(2025, 3, 5)),
                             (at(2025, 3, 5), at(2025, 5, 1)), (at(2024, 12, 5), None)):
        Consent.objects.create(person=who, scope=ConsentScope.TEAM_AND_PLAN, given_by="person",
                               method="paper", given_at=given, withdrawn_at=withdrawn)

    assert s.compute_consents_given(m, [Q1])[0].value == 3
    withdrawn = s.compute_consents_withdrawn(m, [Q1])[0]
    assert (withdrawn.value, withdrawn.people) == (1, 1)
