import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.meetings.models import AgendaItem
from oppfolging.plans.models import Goal
from oppfolging.portal.models import GoalProposal, Message, PsfsSelfScore
from oppfolging.teams.models import Consent


def test_it_lets_the_person_write_what_matters(cast, portal):
    client = cast.client_for(portal.person_user)
    client.post(reverse("portal:matters", args=[cast.person.pk]),
                {"save_matters": "1", "matters-text": "Hunden min", "matters-version": portal.plan.version})
    portal.plan.refresh_from_db()
    assert portal.plan.what_matters == "Hunden min"
    assert portal.plan.changes.filter(actor=portal.person_user).exists()


def test_a_save_of_what_matters_without_the_version_changes_nothing_and_keeps_the_text(cast, portal):
    """#13: a missing version is refused like a stale one, not taken to mean "the latest"."""
    client = cast.client_for(portal.person_user)
    before = portal.plan.what_matters
    response = client.post(reverse("portal:matters", args=[cast.person.pk]),
                           {"save_matters": "1", "matters-text": "Hunden min"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "endret av noen andre" in html and "Hunden min</textarea>" in html
    portal.plan.refresh_from_db()
    assert portal.plan.what_matters == before and not portal.plan.changes.filter(actor=portal.person_user).exists()


def test_it_takes_a_proposed_goal_into_the_plan_with_the_person_as_author(cast, portal):
    cast.client_for(portal.person_user).post(
        reverse("portal:matters", args=[cast.person.pk]), {"propose_goal": "1", "goal-text": "Svømme igjen"})
    proposal = GoalProposal.objects.get()
    assert proposal.proposed_by_kind == "person"
    html = cast.client_for(cast.cu).get(reverse("plans:detail", args=[cast.person.pk])).content.decode()
    assert "Svømme igjen" in html
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    cast.client_for(cast.cu).post(reverse("portal:proposal_accept", args=[cast.person.pk, proposal.pk]),
                                  {"next_evaluation_on": due})
    goal = Goal.objects.get(text="Svømme igjen")
    assert goal.author_kind == "person" and goal.author_user is None
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.goal == goal


def test_it_records_the_persons_own_psfs_scores(cast, portal):
    response = cast.client_for(portal.person_user).post(reverse("portal:psfs", args=[cast.person.pk]), {"a0": "6"})
    assert response.status_code == 302
    score = PsfsSelfScore.objects.get()
    assert (score.activity, score.score) == ("Gå tur", 6)


def test_it_adds_the_persons_item_to_the_next_meeting(cast, portal):
    cast.client_for(portal.person_user).post(
        reverse("portal:agenda_add", args=[cast.person.pk, portal.meeting.pk]), {"title": "Transport til dagsenteret"})
    item = AgendaItem.objects.get(title="Transport til dagsenteret")
    assert item.added_by_kind == "person" and item.meeting == portal.meeting


def test_it_records_the_persons_coordinator_wish(cast, portal):
    cast.client_for(portal.person_user).post(reverse("portal:wish", args=[cast.person.pk]), {"text": "Kim, som kjenner meg"})
    assert cast.person.coordinator_wishes.get().stated_by == "person"


def test_it_shows_what_a_withdrawal_would_mean_before_it_happens(cast, portal):
    share = Consent.objects.get(scope="share_with_service")
    html = cast.client_for(portal.person_user).get(
        reverse("portal:consent_withdraw", args=[cast.person.pk, share.pk])).content.decode()
    assert "Kim Kollega (Hjemmesykepleien)" in html
    share.refresh_from_db()
    assert share.withdrawn_at is None


def test_it_gives_consent_digitally(cast, portal):
    cast.client_for(portal.person_user).post(reverse("portal:consent", args=[cast.person.pk]), {
        "scope": "next_of_kin", "related_person": portal.other_kin.pk})
    consent = Consent.objects.get(related_person=portal.other_kin)
    assert consent.method == "digital" and consent.given_by == "person" and consent.recorded_by == portal.person_user


def test_it_exchanges_messages_with_the_team_and_logs_them(cast, portal):
    cast.client_for(portal.person_user).post(reverse("portal:messages", args=[cast.person.pk]), {"body": "Hei!"})
    html = cast.client_for(cast.colleague).get(reverse("portal:staff_messages", args=[cast.person.pk])).content.decode()
    assert "Hei!" in html
    cast.client_for(cast.colleague).post(reverse("portal:staff_messages", args=[cast.person.pk]), {"body": "Hei, Petra"})
    assert list(Message.objects.values_list("sender_kind", flat=True)) == ["person", "professional"]
    assert AuditEvent.objects.filter(resource="message", action="create").count() == 2
    assert cast.client_for(cast.stranger).get(reverse("portal:staff_messages", args=[cast.person.pk])).status_code == 404


def test_it_lists_the_coordinators_reads_on_the_access_page(cast, portal):
    cast.client_for(cast.cu).get(reverse("people:detail", args=[cast.person.pk]))
    html = cast.client_for(portal.person_user).get(reverse("portal:access_log", args=[cast.person.pk])).content.decode()
    assert "Kari Koordinerende" in html and "koordinerende enhet i kommunen" in html


def test_a_next_of_kin_on_consent_cannot_state_the_persons_coordinator_wish(cast, portal):
    """Issue 12, finding 12: only the person, a guardian or a parent states the wish."""
    from django.core.exceptions import PermissionDenied

    from oppfolging.access import policy
    from oppfolging.portal import services

    kin = cast.client_for(portal.kin_user)
    url = reverse("portal:wish", args=[cast.person.pk])
    assert kin.get(url).status_code == 403
    assert kin.post(url, {"text": "Nils vil ha Kim"}).status_code == 403
    grant = policy.portal_grant(user=portal.kin_user, person_id=cast.person.pk)
    assert grant.basis == "consent"
    with pytest.raises(PermissionDenied):
        services.coordinator_wish_state(grant=grant, text="Nils vil ha Kim")
    assert not cast.person.coordinator_wishes.exists()
    # The plan page does not offer the next of kin what they may not do.
    plan = kin.get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert url not in plan
    assert url in cast.client_for(portal.person_user).get(reverse("portal:plan", args=[cast.person.pk])).content.decode()


def test_it_lets_the_person_and_a_next_of_kin_each_choose_how_they_are_told(cast, portal):
    from oppfolging.notifications.services import Recipient, channels_for

    url = reverse("portal:notices", args=[cast.person.pk])
    kin = cast.client_for(portal.kin_user)
    page = kin.get(url).content.decode()
    assert "pårørende til Petra" in page and "aldri helseopplysninger" in page
    refused = kin.post(url, {"notify_sms": "on", "phone": "", "version": portal.kin.version}).content.decode()
    assert "Skriv mobilnummeret du vil få beskjed på." in refused
    assert kin.post(url, {"notify_sms": "on", "phone": "987 65 432", "version": portal.kin.version}).status_code == 302
    portal.kin.refresh_from_db()
    cast.person.refresh_from_db()
    assert channels_for(Recipient(related=portal.kin)) == [("sms", "987 65 432")]
    assert channels_for(Recipient(person=cast.person)) == [("email", "petra@example.invalid")]  # untouched
    own = cast.client_for(portal.person_user)
    assert own.post(url, {"notify_email": "", "email": "", "version": cast.person.version}).status_code == 302
    cast.person.refresh_from_db()
    assert not cast.person.notify_email
    assert cast.client_for(portal.other_kin_user).get(url).status_code == 404


def test_a_stale_or_unversioned_save_of_the_notice_channels_changes_nothing_and_keeps_the_choice(cast, portal):
    """#13: staff changed the e-mail address after the person opened the page; the person's save is refused."""
    from django.db.models import F

    from oppfolging.people.models import Person

    url = reverse("portal:notices", args=[cast.person.pk])
    own = cast.client_for(portal.person_user)
    seen = own.get(url).context["form"].initial["version"]
    Person.objects.filter(pk=cast.person.pk).update(email="ny@example.invalid", version=F("version") + 1)
    for data in ({"notify_sms": "on", "phone": "912 34 567", "version": seen},
                 {"notify_sms": "on", "phone": "912 34 567"}):
        response = own.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Noen andre har lagret en endring" in html and 'value="912 34 567"' in html
        cast.person.refresh_from_db()
        assert (cast.person.email, cast.person.notify_sms, cast.person.phone) == ("ny@example.invalid", False, "")
    # Saving again on the page now shown is a deliberate choice, and goes through.
    again = own.post(url, {"notify_sms": "on", "phone": "912 34 567",
                           "version": response.context["form"].data["version"]})
    assert again.status_code == 302
    cast.person.refresh_from_db()
    assert cast.person.notify_sms and cast.person.phone == "912 34 567"



def test_a_stale_save_of_what_matters_is_refused_and_keeps_what_the_person_wrote(cast, portal):
    """#13.6: «what matters to me» is saved through the versioned-save helper, like the rest of the plan."""
    from django.db.models import F

    from oppfolging.plans.models import IndividualPlan

    url = reverse("portal:matters", args=[cast.person.pk])
    client = cast.client_for(portal.person_user)
    seen = client.get(url).context["matters_form"].initial["version"]
    IndividualPlan.objects.filter(pk=portal.plan.pk).update(what_matters="Koordinatoren skrev dette",
                                                            version=F("version") + 1)
    response = client.post(url, {"save_matters": "1", "matters-text": "Hunden min", "matters-version": seen})
    html = response.content.decode()
    assert response.status_code == 200
    assert "endret av noen andre" in html and "Koordinatoren skrev dette" in html and "Hunden min" in html
    portal.plan.refresh_from_db()
    assert portal.plan.what_matters == "Koordinatoren skrev dette"
    # Saving again is a deliberate choice: the form now carries the current version.
    again = client.post(url, {"save_matters": "1", "matters-text": "Hunden min",
                              "matters-version": response.context["matters_form"].data["matters-version"]})
    assert again.status_code == 302
    portal.plan.refresh_from_db()
    assert portal.plan.what_matters == "Hunden min"


def _token(html: str, name: str = "submission_token", action: str = "") -> str:
    import re

    if action:
        html = html[html.index(f'action="{action}"'):]
    return re.search(rf'name="{name}" value="([0-9a-f-]{{36}})"', html).group(1)


def test_a_double_click_sends_a_message_once_from_min_plan_and_from_the_team(cast, portal):
    """#13.4: the message forms carry a one-time token; sent twice, the thread holds the message once."""
    for user, page, body in ((portal.person_user, "portal:messages", "Kan vi flytte møtet?"),
                             (portal.kin_user, "portal:messages", "Jeg kommer også."),
                             (cast.colleague, "portal:staff_messages", "Ja, vi flytter det.")):
        client = cast.client_for(user)
        url = reverse(page, args=[cast.person.pk])
        data = {"body": body, "submission_token": _token(client.get(url).content.decode())}
        assert client.post(url, data).status_code == 302
        repeat = client.post(url, data, follow=True)
        assert "Dette var allerede sendt." in repeat.content.decode() and body in repeat.content.decode()
        assert Message.objects.filter(body=body).count() == 1


def test_a_double_click_proposes_a_goal_once(cast, portal):
    """#13.4: the goal proposal in «Min plan» carries a one-time token; a repeat shows the goal sent."""
    client = cast.client_for(portal.person_user)
    url = reverse("portal:matters", args=[cast.person.pk])
    data = {"propose_goal": "1", "goal-text": "Svømme igjen",
            "goal-submission_token": _token(client.get(url).content.decode(), "goal-submission_token")}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede sendt." in repeat.content.decode() and "Svømme igjen" in repeat.content.decode()
    assert GoalProposal.objects.filter(text="Svømme igjen").count() == 1


def test_a_double_click_adds_the_persons_agenda_item_once(cast, portal):
    """#13.4: each meeting's agenda form in «Min plan» has its own one-time token."""
    client = cast.client_for(portal.person_user)
    url = reverse("portal:agenda_add", args=[cast.person.pk, portal.meeting.pk])
    html = client.get(reverse("portal:meetings", args=[cast.person.pk])).content.decode()
    data = {"title": "Transport til dagsenteret", "details": "", "submission_token": _token(html, action=url)}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede sendt." in repeat.content.decode()
    assert "Transport til dagsenteret" in repeat.content.decode()
    assert AgendaItem.objects.filter(title="Transport til dagsenteret").count() == 1


def test_a_double_click_gives_a_consent_in_min_plan_once(cast, portal):
    """#13.4: two consents from one double click left a twin active after a withdrawal; now there is one."""
    client = cast.client_for(portal.person_user)
    url = reverse("portal:consent", args=[cast.person.pk])
    data = {"scope": "next_of_kin", "related_person": portal.other_kin.pk,
            "submission_token": _token(client.get(url).content.decode())}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert Consent.objects.filter(related_person=portal.other_kin).count() == 1


def test_a_double_click_records_the_persons_wish_and_psfs_scores_once(cast, portal):
    """#13.4: the wish and the PSFS self-score forms in «Min plan» carry the one-time token."""
    client = cast.client_for(portal.person_user)
    url = reverse("portal:wish", args=[cast.person.pk])
    data = {"text": "Kim, som kjenner meg", "submission_token": _token(client.get(url).content.decode())}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede sendt." in repeat.content.decode()
    assert cast.person.coordinator_wishes.filter(text="Kim, som kjenner meg").count() == 1

    url = reverse("portal:psfs", args=[cast.person.pk])
    data = {"a0": "6", "submission_token": _token(client.get(url).content.decode())}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Gå tur" in repeat.content.decode()
    assert PsfsSelfScore.objects.filter(person=cast.person).count() == 1


def test_the_second_of_two_users_answering_a_proposed_goal_is_told_it_was_already_handled(cast, portal):
    """#13: two team members answer the same proposal at once; the later answer changes nothing."""
    from oppfolging.accounts.models import RoleAssignment

    from ..conftest import make_user

    other_unit_user = make_user("ku2", "Kåre", "Koordinerende")
    RoleAssignment.objects.create(user=other_unit_user, municipality=cast.municipality, role="coordinating_unit")
    proposal = GoalProposal.objects.create(person=cast.person, text="Svømme igjen", proposed_by_kind="person")
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    accepted = cast.client_for(cast.cu).post(
        reverse("portal:proposal_accept", args=[cast.person.pk, proposal.pk]), {"next_evaluation_on": due})
    assert accepted.status_code == 302
    for url, data in (("portal:proposal_decline", {"reply": "Vi tar det opp på møtet."}),
                      ("portal:proposal_accept", {"next_evaluation_on": due})):
        late = cast.client_for(other_unit_user).post(reverse(url, args=[cast.person.pk, proposal.pk]), data,
                                                     follow=True)
        assert late.status_code == 200
        assert "Forslaget er allerede behandlet." in late.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reply, proposal.handled_by) == ("accepted", "", cast.cu)
    assert Goal.objects.filter(text="Svømme igjen").count() == 1


def test_a_score_lands_on_the_activity_the_person_saw_though_the_team_changed_the_list_meanwhile(cast, portal):
    from oppfolging.assessments.models import PsfsActivity

    client = cast.client_for(portal.person_user)
    url = reverse("portal:psfs", args=[cast.person.pk])
    page = client.get(url).content.decode()
    assert 'name="t0" value="Gå tur"' in page
    activity = PsfsActivity.objects.get(activity="Gå tur")
    second = PsfsActivity.objects.get(activity="Lage middag")
    data = {"a0": "6", "t0": "Gå tur", "submission_token": _token(page)}
    # The team rewrites the first activity while the person scores it: nothing is saved, the page says why.
    activity.activity = "Sove hele natten"
    activity.save()
    response = client.post(url, {**data, "a1": "2", "t1": "Lage middag"})
    html = response.content.decode()
    assert response.status_code == 409 and not PsfsSelfScore.objects.exists()
    assert "Teamet endret aktivitetene mens du skåret" in html and "Sove hele natten" in html
    assert re.search(r'<input[^>]*name="a1"[^>]*value="2"[^>]*checked', html)  # the unchanged score is kept
    # Looked over and sent again: each score on its own activity.
    assert client.post(url, {**data, "t0": "Sove hele natten", "a1": "2", "t1": "Lage middag"}).status_code == 302
    assert sorted(PsfsSelfScore.objects.values_list("activity", "score")) == [("Lage middag", 2), ("Sove hele natten", 6)]
    # An activity removed while the person scored it is not scored in its neighbour's place.
    second.delete()
    page = client.get(url).content.decode()
    stale = {"a0": "5", "t0": "Sove hele natten", "a1": "9", "t1": "Lage middag", "submission_token": _token(page)}
    assert client.post(url, stale).status_code == 409
    assert PsfsSelfScore.objects.count() == 2
