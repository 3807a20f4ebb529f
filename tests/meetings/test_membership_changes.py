"""A change in the team after the invitations went out reaches the meetings already planned."""

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from oppfolging.access.grants import PersonGrant
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.meetings import services
from oppfolging.meetings.models import Invitation
from oppfolging.meetings.tasks import run_meeting_jobs
from oppfolging.notifications.models import Delivery
from oppfolging.teams.models import Consent, TeamMembership
from oppfolging.teams.services import membership_add, membership_end

from .conftest import at, grant_for


def _newcomer(cast) -> User:
    user = User.objects.create(username="ny", first_name="Mona", last_name="Medlem", email="mona@example.invalid")
    RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    return user


def _method(message) -> str:
    (attachment,) = message.attachments
    return str(Calendar.from_ical(attachment.content)["METHOD"])


def test_it_invites_a_member_added_after_the_invitations_went_out(deliver, cast, team, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    before = len(mail.outbox)
    membership_add(grant=grant_for(cast.cu, cast.person), team=team, user=_newcomer(cast), service=cast.service,
                   role_in_team="Fysioterapeut")
    deliver()
    (message,) = mail.outbox[before:]
    assert message.to == ["mona@example.invalid"]
    assert "Du er innkalt til møte i oppfølgingsteamet." in message.body
    assert f"/mote/person/{cast.person.pk}/{meeting.pk}/" in message.body
    assert _method(message) == "REQUEST"
    assert meeting.invitations.filter(membership__user__username="ny", withdrawn_at=None).count() == 1
    # The next send, by hand or by the job, tells nobody twice.
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    run_meeting_jobs()
    deliver()
    assert len(mail.outbox) == before + 1


def test_it_puts_a_new_member_on_a_meeting_not_yet_sent_and_the_job_invites_them(deliver, cast, team, meeting):
    membership_add(grant=grant_for(cast.cu, cast.person), team=team, user=_newcomer(cast), service=cast.service)
    deliver()
    assert mail.outbox == []  # nothing is sent before the agenda goes out
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Mona Medlem" in html
    run_meeting_jobs()
    deliver()
    assert "mona@example.invalid" in [m.to[0] for m in mail.outbox]


def test_it_withdraws_a_member_who_leaves_and_sends_them_a_cancellation(deliver, cast, team, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    before = len(mail.outbox)
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    deliver()
    (message,) = mail.outbox[before:]
    assert message.to == ["kim@example.invalid"]
    assert "er avlyst" in message.body and _method(message) == "CANCEL"
    invitation = Invitation.objects.get(meeting=meeting, membership=membership)
    assert invitation.withdrawn_at is not None
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Kim Kollega" not in html
    # Later changes to the meeting no longer reach the one who left.
    services.meeting_update(grant=grant_for(cast.cu, cast.person), meeting=meeting, starts_at=at(4),
                            location="Helsehuset, møterom 2", expected_version=meeting.version)
    deliver()
    assert "kim@example.invalid" not in [m.to[0] for m in mail.outbox[before + 1:]]


def test_it_keeps_a_member_on_meetings_before_the_day_they_leave(deliver, cast, team, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    before = len(mail.outbox)
    later = services.meeting_schedule(grant=grant_for(cast.cu, cast.person), team=team, starts_at=at(20),
                                      location="Rådhuset")
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=later)
    deliver()
    before = len(mail.outbox)
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership,
                   left_on=timezone.localdate() + dt.timedelta(days=10))
    deliver()
    (message,) = mail.outbox[before:]
    assert message.to == ["kim@example.invalid"] and _method(message) == "CANCEL"
    assert f"meeting-{later.pk}@" in message.attachments[0].content
    assert meeting.invitations.get(membership=membership).withdrawn_at is None
    assert later.invitations.get(membership=membership).withdrawn_at is not None


def test_it_sends_no_cancellation_to_one_the_invitation_never_reached(deliver, cast, team, meeting):
    """The cancellation goes out past the policy only to whom the invitation itself reached."""
    Consent.objects.filter(scope="share_with_service").update(withdrawn_at=timezone.now())
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    assert Delivery.objects.get(notification__recipient_user=cast.colleague).status == "refused"
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    deliver()
    assert "kim@example.invalid" not in [m.to[0] for m in mail.outbox]
    cancellation = Delivery.objects.get(notification__recipient_user=cast.colleague,
                                        notification__kind="meeting_cancelled")
    assert cancellation.status == "refused"
