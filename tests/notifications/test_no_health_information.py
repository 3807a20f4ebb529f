"""No e-mail or SMS body carries a goal, a diagnosis or anyone's name but the recipient's (#14).

Every notification kind is rendered for every kind of recipient (staff, the person, a next of
kin) on both channels, about a person whose plan holds goals, a diagnosis and names.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from oppfolging.assessments.models import Assessment, MedicalAssessment
from oppfolging.meetings.models import Meeting
from oppfolging.meetings.services import _calendar
from oppfolging.notifications.delivery import render
from oppfolging.notifications.models import Channel, Kind, Notification
from oppfolging.notifications.services import Recipient
from oppfolging.people.models import RelatedPerson
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Team

GOAL = "Slutte med rusmidler og komme tilbake til jobben"
DIAGNOSIS = "Paranoid schizofreni (F20.0)"


@pytest.fixture
def world(cast):
    person = cast.person
    person.given_name, person.family_name = "Astrid", "Fjellheim"
    person.save()
    kin = RelatedPerson.objects.create(person=person, given_name="Bjørnar", family_name="Fjellheim",
                                       relationship="child", email="bjornar@example.invalid")
    cast.colleague.first_name, cast.colleague.last_name = "Kim", "Kollegasen"
    cast.colleague.save()
    team = Team.objects.create(person=person, created_by=cast.cu)
    plan = IndividualPlan.objects.create(person=person, team=team, created_by=cast.cu, what_matters=GOAL)
    goal = Goal.objects.create(plan=plan, text=GOAL, author_kind="person", next_evaluation_on=timezone.localdate())
    assessment = Assessment.objects.create(person=person, created_by=cast.cu, what_matters=DIAGNOSIS)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp, question=DIAGNOSIS,
                                               requested_by=cast.cu, answer=DIAGNOSIS)
    meeting = Meeting.objects.create(team=team, starts_at=timezone.now() + dt.timedelta(days=3),
                                     created_by=cast.cu, location="Rådhuset")
    referral = Referral.objects.create(
        municipality=cast.municipality, person=person, subject_given_name="Astrid", subject_family_name="Fjellheim",
        source="next_of_kin", channel="public_form", reporter_name="Bjørnar Fjellheim", observations=DIAGNOSIS,
        consent="given", deadline=timezone.localdate(), receipt_code="KVITT1234")
    return {"person": person, "kin": kin, "goal": goal, "medical": medical, "meeting": meeting,
            "referral": referral}


SUBJECTS = {Kind.MEDICAL_REQUEST: "medical", Kind.MEDICAL_ANSWER: "medical", Kind.REFERRAL_ASSIGNED: "referral",
            Kind.REFERRAL_RECEIPT: "referral", Kind.REFERRAL_CLOSED: "referral", Kind.CHECKPOINT_DUE: "goal",
            Kind.CHECKPOINT_OVERDUE: "goal", Kind.MEETING_INVITATION: "meeting", Kind.MEETING_UPDATED: "meeting",
            Kind.MEETING_CANCELLED: "meeting"}
NAMES = ("Astrid", "Fjellheim", "Bjørnar", "Kim", "Kollegasen", "Kari", "Lars")


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("who", ["staff", "person", "next_of_kin"])
def test_no_message_of_any_kind_carries_health_information_or_another_name(cast, world, who, language):
    person, kin = world["person"], world["kin"]
    recipient = {"staff": Recipient(user=cast.colleague), "person": Recipient(person=person),
                 "next_of_kin": Recipient(related=kin)}[who]
    own = {"staff": "Kim", "person": "Astrid", "next_of_kin": "Bjørnar"}[who]
    cast.colleague.language = language
    cast.colleague.save()
    cast.municipality.language = language
    cast.municipality.save()
    for kind in Kind:
        subject = world.get(SUBJECTS.get(kind, ""), world["goal"])
        calendar = ""
        if kind in (Kind.MEETING_INVITATION, Kind.MEETING_UPDATED, Kind.MEETING_CANCELLED):
            calendar = _calendar(world["meeting"], recipient, f"/moter/{world['meeting'].pk}/",
                                 cancel=kind == Kind.MEETING_CANCELLED)
        notification = Notification.objects.create(
            key=f"{who}-{language}-{kind}", kind=kind, municipality=cast.municipality, person=person,
            recipient_user=recipient.user, recipient_person=recipient.person, recipient_related=recipient.related,
            url=f"/plan/person/{person.pk}/", subject_type=subject._meta.label_lower, subject_id=subject.pk,
            event_at=timezone.now(), calendar=calendar)
        for channel in (Channel.EMAIL, Channel.SMS):
            message = render(notification, channel)
            text = f"{message.subject}\n{message.body}\n{message.calendar}"
            assert message.body.strip(), (kind, channel)
            for forbidden in (GOAL, "rusmidler", DIAGNOSIS, "schizofreni", "F20"):
                assert forbidden not in text, (kind, channel, forbidden)
            for name in NAMES:
                if name != own:
                    assert not re.search(rf"\b{name}\b", text), (kind, channel, name, text)


def test_a_change_from_a_date_is_told_by_its_date_alone_and_a_meeting_by_date_and_time(cast, world):
    person = world["person"]
    midnight = timezone.make_aware(dt.datetime(2026, 12, 9))
    for key, kind, event_at in [("change", Kind.COORDINATOR_CHANGED, midnight),
                                ("meeting", Kind.MEETING_INVITATION, midnight + dt.timedelta(hours=13))]:
        notification = Notification.objects.create(
            key=key, kind=kind, municipality=cast.municipality, person=person, recipient_person=person,
            url=f"/plan/person/{person.pk}/", subject_type="meetings.meeting", subject_id=world["meeting"].pk,
            event_at=event_at)
        body = render(notification, Channel.EMAIL).body
        if kind == Kind.COORDINATOR_CHANGED:
            assert "9. desember 2026" in body and "kl." not in body, body
        else:
            assert "9. desember 2026 kl. 13.00" in body, body
