"""After sending, the meeting page names who got the invitation and who did not, with what to do (#14)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from tests.meetings.conftest import grant_for

from oppfolging.access.grants import PersonGrant
from oppfolging.meetings import services
from oppfolging.plans.services import goal_evaluate


def test_the_meeting_page_names_who_got_it_how_and_who_did_not(cast, meeting):
    cast.next_of_kin.email = ""
    cast.next_of_kin.save(update_fields=["email"])
    cast.person.email, cast.person.address, cast.person.postal_code, cast.person.postal_place = "", "Fjellveien 3", "9801", "Testvik"
    cast.person.save()
    report = services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    assert "Nils Person" in report.unreachable
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    reach = html.split('id="reach-heading"')[1].split("</ul>")[0]
    assert "<strong>Kim Kollega</strong>:" in reach and "innboks, E-post (venter)" in reach
    assert "Brev i posten" in reach and reverse("notifications:letters") in reach
    assert "<strong>Nils Person</strong>:" in reach and "fikk den ikke" in reach
    assert reverse("people:related_edit", args=[cast.person.pk, cast.next_of_kin.pk]) in reach


def test_a_goal_already_evaluated_elsewhere_leaves_the_planned_agenda(cast, meeting, due_goal):
    grant = PersonGrant.system(cast.person)
    assert due_goal.pk in {item.goal_id for item in services.agenda_build(grant=grant, meeting=meeting)}
    goal_evaluate(grant=grant_for(cast.cu, cast.person), goal=due_goal, result="partly", learned="",
                  next_step="continue", next_evaluation_on=timezone.localdate() + dt.timedelta(days=90))
    assert due_goal.pk not in {item.goal_id for item in services.agenda_build(grant=grant, meeting=meeting)}
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert due_goal.text not in html.split('id="agenda-heading"')[1].split("</section>")[0]


def test_the_meeting_page_shows_an_invitation_that_did_not_get_through(cast, meeting, deliver):
    """The coordinator sees how far each message got, and is told to call when none got through."""
    from oppfolging.notifications.models import Delivery, DeliveryStatus

    cast.person.email = "petra@example.invalid"
    cast.person.save(update_fields=["email"])
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    # The person's e-mail bounced for good (the mail server refused it at every attempt).
    Delivery.objects.filter(notification__recipient_person=cast.person).update(status=DeliveryStatus.FAILED)
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    reach = html.split('id="reach-heading"')[1].split("</ul>")[0]
    petra = reach.split("<strong>Petra Person</strong>:")[1].split("</li>")[0]
    assert "kom ikke fram" in petra and "Innkallingen kom ikke fram. Ring eller snakk med vedkommende." in petra
    kim = reach.split("<strong>Kim Kollega</strong>:")[1].split("</li>")[0]
    assert "E-post (sendt)" in kim and "kom ikke fram" not in kim
