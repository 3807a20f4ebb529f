import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.meetings.models import ActionItem, AgendaItem, Meeting, MeetingDecision
from oppfolging.teams.models import TeamMembership


def _urls(cast, meeting, item, agenda_item, decision):
    p, m = cast.person.pk, meeting.pk
    return {
        "reads": [
            reverse("meetings:list", args=[p]), reverse("meetings:detail", args=[p, m]),
            reverse("meetings:action_items", args=[p]),
        ],
        "writes": [
            reverse("meetings:schedule", args=[p]), reverse("meetings:interval_set", args=[p]),
            reverse("meetings:edit", args=[p, m]), reverse("meetings:cancel", args=[p, m]),
            reverse("meetings:agenda_item_move", args=[p, m, agenda_item.pk]),
            reverse("meetings:agenda_item_edit", args=[p, m, agenda_item.pk]),
            reverse("meetings:agenda_send", args=[p, m]), reverse("meetings:attendance", args=[p, m]),
            reverse("meetings:minutes", args=[p, m]), reverse("meetings:decision_add", args=[p, m]),
            reverse("meetings:decision_withdraw", args=[p, m, decision.pk]),
            reverse("meetings:action_item_add", args=[p, m]),
            reverse("meetings:goal_evaluate", args=[p, m, 1]),
        ],
        "member_writes": [
            reverse("meetings:agenda_item_add", args=[p, m]),
            reverse("meetings:action_item_done", args=[p, item.pk]),
            reverse("meetings:action_item_reopen", args=[p, item.pk]),
        ],
    }


def _setup(cast, meeting):
    gp_membership = TeamMembership.objects.create(team=meeting.team, user=cast.gp, service=cast.service,
                                                  added_by=cast.cu)
    item = ActionItem.objects.create(team=meeting.team, meeting=meeting, description="Søke om BPA",
                                     owner_membership=gp_membership, due_on=timezone.localdate(),
                                     created_by=cast.cu)
    agenda_item = AgendaItem.objects.create(meeting=meeting, title="Transport", added_by_kind="person")
    decision = MeetingDecision.objects.create(meeting=meeting, text="Søke BPA", recorded_by=cast.cu)
    return item, agenda_item, decision


def test_it_hides_meetings_from_strangers_and_colleagues_outside_the_team(cast, meeting, outsider):
    urls = _urls(cast, meeting, *_setup(cast, meeting))
    for user in (cast.stranger, outsider, cast.leader):
        client = cast.client_for(user)
        for url in urls["reads"]:
            assert client.get(url).status_code == 404, (user, url)
        for url in urls["writes"] + urls["member_writes"]:
            assert client.post(url).status_code == 404, (user, url)
    assert Meeting.objects.get().status == "planned"
    assert AgendaItem.objects.count() == 1 and MeetingDecision.objects.count() == 1


def test_it_refuses_writes_to_team_members_with_read_access(cast, meeting):
    urls = _urls(cast, meeting, *_setup(cast, meeting))
    client = cast.client_for(cast.colleague)
    for url in urls["writes"]:
        assert client.post(url).status_code == 403, url
    # Marking someone else's action item is refused too.
    assert client.post(urls["member_writes"][1]).status_code == 403
    assert ActionItem.objects.get().done_at is None
    assert MeetingDecision.objects.count() == 1


def test_it_finds_no_meeting_of_another_person(cast, meeting):
    from oppfolging.people.models import Person

    other = Person.objects.create(municipality=cast.municipality, given_name="Ola", family_name="Annen",
                                  identity_number="1", identity_kind="tenor", birth_date=dt.date(1980, 1, 1),
                                  gender="male")
    response = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[other.pk, meeting.pk]))
    assert response.status_code == 404


def test_it_lets_team_members_read_the_meeting_and_add_to_the_agenda(cast, meeting):
    client = cast.client_for(cast.colleague)
    html = client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Helsehuset, møterom 2" in html and "Meld inn en sak" in html
    assert "Send dagsordenen nå" not in html and "Lagre referatet" not in html
    response = client.post(reverse("meetings:agenda_item_add", args=[cast.person.pk, meeting.pk]),
                           {"title": "Ny dagtilbudsplass", "details": "Fra januar"})
    assert response.status_code == 302
    item = AgendaItem.objects.get(title="Ny dagtilbudsplass")
    assert (item.added_by_kind, item.added_by_user, item.source) == ("professional", cast.colleague, "added")
    assert AuditEvent.objects.filter(resource="agenda_item", action="create", actor=cast.colleague,
                                     person=cast.person).exists()
    assert AuditEvent.objects.filter(resource="meeting", action="read", actor=cast.colleague).exists()
