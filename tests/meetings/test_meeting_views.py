import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.meetings import services
from oppfolging.meetings.models import Invitation, Meeting
from oppfolging.plans.models import GoalEvaluation
from oppfolging.teams.models import Consent, CoordinatorAssignment

from .conftest import at, grant_for


def test_it_schedules_a_meeting_and_invites_the_team(cast, team):
    Consent.objects.filter(scope="next_of_kin").update(withdrawn_at=timezone.now())
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu)
    client = cast.client_for(cast.cu)
    assert "Planlegg møtet" in client.get(reverse("meetings:schedule", args=[cast.person.pk])).content.decode()
    day = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(reverse("meetings:schedule", args=[cast.person.pk]), {
        "day": day.isoformat(), "start": "09:30", "end": "11:00", "location": "", "video_link": ""})
    assert "Oppgi sted eller lenke til videomøte." in response.content.decode()
    response = client.post(reverse("meetings:schedule", args=[cast.person.pk]), {
        "day": day.isoformat(), "start": "09:30", "end": "11:00", "location": "Hjemme hos Petra"})
    meeting = Meeting.objects.get()
    assert response.url == reverse("meetings:detail", args=[cast.person.pk, meeting.pk])
    assert timezone.localtime(meeting.starts_at).time() == dt.time(9, 30)
    assert sorted((i.kind, i.name) for i in meeting.invitations.all()) == [
        ("coordinator", "Kari Koordinerende"), ("person", "Petra Person"), ("professional", "Kim Kollega")]
    assert AuditEvent.objects.filter(resource="meeting", action="create", actor=cast.cu).exists()
    html = client.get(reverse("meetings:list", args=[cast.person.pk])).content.decode()
    assert "Hjemme hos Petra" in html and "Ikke sendt – sendes" in html


def test_it_lets_the_coordinator_set_how_often_the_team_meets(cast, team):
    client = cast.client_for(cast.cu)
    client.post(reverse("meetings:interval_set", args=[cast.person.pk]),
                {"meeting_interval_weeks": "6", "version": team.version})
    team.refresh_from_db()
    assert team.meeting_interval_weeks == 6
    assert "Teamet møtes hver 6. uke." in client.get(reverse("meetings:list", args=[cast.person.pk])).content.decode()
    client.post(reverse("meetings:interval_set", args=[cast.person.pk]),
                {"meeting_interval_weeks": "", "version": team.version})
    team.refresh_from_db()
    assert team.meeting_interval_weeks is None


def test_it_records_attendance_and_counts_no_shows_per_service(cast, meeting):
    from oppfolging.meetings.selectors import no_show_rates_by_service

    client = cast.client_for(cast.cu)
    url = reverse("meetings:attendance", args=[cast.person.pk, meeting.pk])
    colleague = Invitation.objects.get(kind="professional")
    person = Invitation.objects.get(kind="person")
    client.post(url, {f"attendance_{colleague.pk}": "absent_without_notice"}, follow=True)
    meeting.refresh_from_db()
    assert meeting.status == "planned" and not Invitation.objects.exclude(attendance="").exists()
    with time_machine.travel(meeting.starts_at + dt.timedelta(hours=2)):
        client = cast.client_for(cast.cu)
        response = client.post(url, {f"attendance_{colleague.pk}": "absent_without_notice",
                                     f"attendance_{person.pk}": "present"}, follow=True)
        assert "Oppmøtet er lagret." in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.status == "held"
        assert {i.kind: i.attendance for i in meeting.invitations.all()} == {
            "professional": "absent_without_notice", "person": "present", "next_of_kin": ""}
        (row,) = no_show_rates_by_service(municipality=cast.municipality, since=timezone.localdate())
        assert (row.service, row.invited, row.present, row.absent_with_notice, row.absent_without_notice,
                row.rate) == (cast.service, 1, 0, 0, 1, 1.0)
        html = client.get(reverse("meetings:unit_overview")).content.decode()
        assert "Hjemmesykepleien" in html and "100 %" in html
    assert no_show_rates_by_service(municipality=cast.other_municipality, since=timezone.localdate()) == []
    assert cast.client_for(cast.colleague).get(reverse("meetings:unit_overview")).status_code == 403
    # The other municipality's unit sees its own figures, none of ours.
    html = cast.client_for(cast.stranger).get(reverse("meetings:unit_overview")).content.decode()
    assert "Ingen gjennomførte møter" in html and "Petra" not in html


def test_the_unit_start_page_reads_the_no_show_rates_from_the_summary_table(cast, meeting):
    from oppfolging.indicators.models import IndicatorFigure
    from oppfolging.indicators.tasks import FRESH_FOR, no_show_rates_last_year
    from oppfolging.meetings.selectors import no_show_rates_by_service

    url = reverse("meetings:attendance", args=[cast.person.pk, meeting.pk])
    colleague = Invitation.objects.get(kind="professional")
    held = meeting.starts_at + dt.timedelta(hours=2)
    with time_machine.travel(held, tick=False):
        client = cast.client_for(cast.cu)
        client.post(url, {f"attendance_{colleague.pk}": "absent_without_notice"})
        live = no_show_rates_by_service(municipality=cast.municipality, since=timezone.now() - dt.timedelta(days=365))
        # The first view counts and stores; the figures are the ones counted from the meetings.
        html = client.get(reverse("home:start")).content.decode()
        assert '<td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">1</td>' in html
        stored = IndicatorFigure.objects.get(municipality=cast.municipality, key="no_show/services", period="365d")
        assert stored.rows == [{"service": cast.service.pk, "invited": 1, "present": 0, "with_notice": 0,
                                "without_notice": 1}]
        assert no_show_rates_last_year(municipality=cast.municipality) == live
        # While fresh, the page shows what the table says (only the table says 7 invited).
        IndicatorFigure.objects.filter(pk=stored.pk).update(rows=[{
            "service": cast.service.pk, "invited": 7, "present": 4, "with_notice": 0, "without_notice": 3}])
        html = client.get(reverse("home:start")).content.decode()
        assert '<td class="num">7</td><td class="num">4</td><td class="num">0</td><td class="num">3</td>' in html
    # When stale, it is counted again from the meetings.
    with time_machine.travel(held + FRESH_FOR + dt.timedelta(minutes=1), tick=False):
        assert no_show_rates_last_year(municipality=cast.municipality) == live
    assert IndicatorFigure.objects.get(pk=stored.pk).rows == stored.rows


def test_it_refuses_a_stale_edit_of_the_minutes_and_keeps_both_texts(cast, meeting):
    client = cast.client_for(cast.cu)
    url = reverse("meetings:minutes", args=[cast.person.pk, meeting.pk])
    with time_machine.travel(meeting.starts_at):
        client = cast.client_for(cast.cu)
        first = client.post(url, {"minutes": "Petra fortalte om turene.", "version": 1})
        assert first.status_code == 302
        response = client.post(url, {"minutes": "Min versjon av referatet.", "version": 1})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring" in html
    assert "Petra fortalte om turene." in html and "Min versjon av referatet." in html
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.version) == ("Petra fortalte om turene.", 2)


def test_it_records_decisions_and_action_items_with_owner_and_deadline(cast, meeting):
    client = cast.client_for(cast.cu)
    owner = meeting.team.memberships.get(user=cast.colleague)
    due = timezone.localdate() + dt.timedelta(days=14)
    with time_machine.travel(meeting.starts_at):
        client = cast.client_for(cast.cu)
        client.post(reverse("meetings:decision_add", args=[cast.person.pk, meeting.pk]),
                    {"text": "Vi søker om brukerstyrt personlig assistanse."})
        client.post(reverse("meetings:action_item_add", args=[cast.person.pk, meeting.pk]),
                    {"description": "Sende søknad om BPA", "owner_membership": owner.pk, "due_on": due.isoformat()})
        html = client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Vi søker om brukerstyrt personlig assistanse." in html
    assert "Sende søknad om BPA" in html and "Kim Kollega" in html
    item = meeting.action_items.get()
    assert (item.owner_membership, item.due_on, item.created_by, item.team) == (owner, due, cast.cu, meeting.team)
    decision = meeting.decisions.get()
    client.post(reverse("meetings:decision_withdraw", args=[cast.person.pk, meeting.pk, decision.pk]),
                {"reason": "Ført inn på feil møte"})
    decision.refresh_from_db()
    assert decision.is_withdrawn and decision.withdrawn_by == cast.cu and decision.text  # the text stays
    assert AuditEvent.objects.filter(resource="meeting_decision", action="update").exists()
    html = client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Ført inn på feil møte" in html and "<del>" in html


def test_it_creates_one_decision_and_one_action_item_from_a_double_click(cast, meeting):
    client = cast.client_for(cast.cu)
    token = "6f1c0b7e-8a4b-4a63-9c3f-1d2e3f4a5b6c"
    url = reverse("meetings:decision_add", args=[cast.person.pk, meeting.pk])
    for _ in range(2):
        client.post(url, {"text": "Søke BPA", "submission_token": token})
    assert meeting.decisions.count() == 1
    response = client.post(url, {"text": "Søke BPA", "submission_token": token}, follow=True)
    assert "Dette var allerede lagret." in response.content.decode()


def test_it_keeps_every_wording_of_the_minutes(cast, meeting):
    grant = grant_for(cast.cu, cast.person)
    services.minutes_save(grant=grant, meeting=meeting, minutes="Første utkast", expected_version=meeting.version)
    services.minutes_save(grant=grant, meeting=meeting, minutes="Rettet", expected_version=meeting.version)
    assert list(meeting.minutes_revisions.values_list("text", flat=True)) == ["Rettet", "Første utkast"]
    # #13.13: the earlier wording is readable on the meeting page, not only kept in the database.
    html = cast.client_for(cast.colleague).get(
        reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Tidligere versjoner av referatet (1)" in html and "Første utkast" in html


def test_it_evaluates_a_due_goal_from_the_meeting_page(cast, meeting, due_goal):
    client = cast.client_for(cast.cu)
    html = client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Mål som skal evalueres" in html and "Lagre evalueringen" in html
    next_on = timezone.localdate() + dt.timedelta(days=90)
    prefix = f"goal-{due_goal.pk}-"
    response = client.post(reverse("meetings:goal_evaluate", args=[cast.person.pk, meeting.pk, due_goal.pk]), {
        prefix + "result": "partly", prefix + "learned": "Går med følge, ikke alene ennå.",
        prefix + "next_step": "continue", prefix + "next_evaluation_on": next_on.isoformat()}, follow=True)
    evaluation = GoalEvaluation.objects.get()
    assert (evaluation.goal, evaluation.meeting, evaluation.result, evaluation.evaluated_by) == (
        due_goal, meeting, "partly", cast.cu)
    due_goal.refresh_from_db()
    assert due_goal.next_evaluation_on == next_on
    assert "Evaluert i møtet: Delvis nådd" in response.content.decode()


def test_it_shows_upcoming_and_past_meetings(cast, team, meeting):
    grant = grant_for(cast.cu, cast.person)
    old = services.meeting_schedule(grant=grant, team=team, starts_at=at(30), location="Rådhuset")
    services.meeting_cancel(grant=grant, meeting=old, reason="Syk")
    html = cast.client_for(cast.colleague).get(reverse("meetings:list", args=[cast.person.pk])).content.decode()
    upcoming, past = html.split("Tidligere og avlyste møter", 1)
    assert "Helsehuset, møterom 2" in upcoming and "Rådhuset" in past and "Avlyst" in past
    assert "Planlegg møte" not in html and "Lagre møtehyppighet" not in html


def _tokens(html: str, action: str) -> str:
    """Return the one-time token of the form posting to `action`, as the page carries it."""
    import re

    form = html[html.index(f'action="{action}"'):]
    form = form[:form.index("</form>")]
    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', form).group(1)


def test_a_double_click_on_an_agenda_item_and_an_action_item_records_each_once(cast, meeting):
    """#13.4: every create on the meeting page carries the page's one-time token; a repeat shows the record made."""
    client = cast.client_for(cast.cu)
    owner = meeting.team.memberships.get(user=cast.colleague)
    page = reverse("meetings:detail", args=[cast.person.pk, meeting.pk])
    agenda_url = reverse("meetings:agenda_item_add", args=[cast.person.pk, meeting.pk])
    action_url = reverse("meetings:action_item_add", args=[cast.person.pk, meeting.pk])
    html = client.get(page).content.decode()
    agenda = {"title": "Skoleskyss", "details": "", "submission_token": _tokens(html, agenda_url)}
    assert client.post(agenda_url, agenda).status_code == 302
    repeat = client.post(agenda_url, agenda, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert meeting.agenda_items.filter(title="Skoleskyss").count() == 1
    with time_machine.travel(meeting.starts_at):
        client = cast.client_for(cast.cu)  # signed in on the meeting's day
        html = client.get(page).content.decode()
        action = {"description": "Ringe skolen", "owner_membership": owner.pk,
                  "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
                  "submission_token": _tokens(html, action_url)}
        assert client.post(action_url, action).status_code == 302
        repeat = client.post(action_url, action, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert "Ringe skolen" in repeat.content.decode()
    assert meeting.action_items.filter(description="Ringe skolen").count() == 1


def test_it_refuses_a_stale_edit_of_an_agenda_item_and_keeps_what_was_typed(cast, meeting):
    """#13.6: the agenda item is saved through the versioned-save helper, like a plan."""
    grant = grant_for(cast.cu, cast.person)
    item = services.agenda_item_add(grant=grant, meeting=meeting, title="Skoleskyss", details="")
    seen = item.version
    services.agenda_item_update(grant=grant, item=item, title="Skoleskyss fra august", expected_version=seen)
    response = cast.client_for(cast.cu).post(
        reverse("meetings:agenda_item_edit", args=[cast.person.pk, meeting.pk, item.pk]),
        {"title": "Min gamle tittel", "details": "", "version": seen})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Noen andre endret saken" in html and "Skoleskyss fra august" in html and "Min gamle tittel" in html
    item.refresh_from_db()
    assert item.title == "Skoleskyss fra august"


def test_a_double_click_on_a_goals_evaluation_in_the_meeting_records_it_once(cast, meeting, due_goal):
    """#13.4: the evaluation form on the meeting page carries a one-time token; a repeat shows the page."""
    import re

    client = cast.client_for(cast.cu)
    prefix = f"goal-{due_goal.pk}-"
    html = client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    token = re.search(rf'name="{prefix}submission_token" value="([0-9a-f-]{{36}})"', html).group(1)
    url = reverse("meetings:goal_evaluate", args=[cast.person.pk, meeting.pk, due_goal.pk])
    data = {prefix + "result": "partly", prefix + "learned": "Går med følge.", prefix + "next_step": "continue",
            prefix + "next_evaluation_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
            prefix + "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert "Evaluert i møtet: Delvis nådd" in repeat.content.decode()
    assert GoalEvaluation.objects.filter(goal=due_goal).count() == 1


def test_a_stale_change_of_how_often_the_team_meets_is_refused_and_the_number_kept(cast, team):
    """#13.6: the coordinator and the unit set the interval at once; the later save is refused, not applied."""
    from oppfolging.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=cast.colleague, role="coordinator", municipality=cast.municipality)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    page = reverse("meetings:list", args=[cast.person.pk])
    url = reverse("meetings:interval_set", args=[cast.person.pk])
    coordinator, unit = cast.client_for(cast.colleague), cast.client_for(cast.cu)
    for client in (coordinator, unit):
        assert f'name="version" value="{team.version}"' in client.get(page).content.decode()
    assert coordinator.post(url, {"meeting_interval_weeks": "4", "version": team.version}).status_code == 302
    response = unit.post(url, {"meeting_interval_weeks": "8", "version": team.version})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "<td>4</td>" in html and 'name="meeting_interval_weeks" value="8"' in html
    team.refresh_from_db()
    assert team.meeting_interval_weeks == 4
