"""The samarbeidslogg: notes by those in the team, scoped like documents, fixed after a grace period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from oppfolging.access.models import Visibility
from oppfolging.meetings.models import Meeting
from oppfolging.notes import selectors, services
from oppfolging.notes.models import Note
from oppfolging.plans.models import GoalEvaluation
from oppfolging.portal.models import Message


def test_it_writes_a_dated_note_on_a_goal_and_shows_it_in_the_timeline(world):
    w = world
    note = services.note_add(grant=w.grant(w.cast.colleague), plan=w.plan, goal=w.goal,
                             text="Snakket med skolen i dag om transport.",
                             noted_on=timezone.localdate() - dt.timedelta(days=1))
    assert (note.person, note.goal, note.added_by, note.visibility) == (w.cast.person, w.goal, w.cast.colleague, "team")
    entries = selectors.timeline(grant=w.grant(w.coordinator), goal_id=w.goal.pk)
    assert [(e.kind, e.text) for e in entries] == [("Notat", "Snakket med skolen i dag om transport.")]


def test_it_puts_notes_with_meetings_evaluations_and_messages_newest_first(world):
    w = world
    now = timezone.now()
    Meeting.objects.create(team=w.team, starts_at=now - dt.timedelta(days=5), location="Helsehuset", status="held",
                           created_by=w.cast.cu)
    GoalEvaluation.objects.create(goal=w.goal, evaluated_on=timezone.localdate() - dt.timedelta(days=3),
                                  due_on=timezone.localdate(), result="partly", next_step="continue",
                                  evaluated_by=w.coordinator)
    Message.objects.create(person=w.cast.person, sender_user=w.person_user, sender_kind="person", body="Hei",
                           created_at=now - dt.timedelta(days=2))
    services.note_add(grant=w.grant(w.coordinator), plan=w.plan, text="Ringte NAV.")
    kinds = [e.kind for e in selectors.timeline(grant=w.grant(w.coordinator))]
    assert kinds == ["Notat", "Melding", "Evaluering", "Møte"]


def test_it_keeps_a_note_to_named_services_and_shows_the_person_only_what_is_shared(world):
    w = world
    services.note_add(grant=w.grant(w.physio), plan=w.plan, text="Bare fysio", visibility=Visibility.SERVICES,
                      services=[w.physio_service])
    services.note_add(grant=w.grant(w.physio), plan=w.plan, text="Bare ansatte", visibility=Visibility.STAFF)
    services.note_add(grant=w.grant(w.physio), plan=w.plan, text="Til alle")

    def texts(grant):
        return sorted(n.text for n in selectors.notes_visible(grant=grant))

    assert texts(w.grant(w.physio)) == ["Bare ansatte", "Bare fysio", "Til alle"]
    assert texts(w.grant(w.cast.colleague)) == ["Bare ansatte", "Til alle"]
    assert texts(w.portal(w.person_user).as_person_grant()) == ["Til alle"]
    assert texts(w.portal(w.kin_user).as_person_grant()) == ["Til alle"]


def test_it_lets_the_author_edit_only_within_the_grace_period_and_then_only_by_a_correction(world, settings):
    w = world
    settings.NOTE_EDIT_GRACE_MINUTES = 30
    note = services.note_add(grant=w.grant(w.cast.colleague), plan=w.plan, text="Møtet er flyttet til torsdag.")
    services.note_edit(grant=w.grant(w.cast.colleague), note=note, text="Møtet er flyttet til fredag.",
                       expected_version=note.version)
    with pytest.raises(PermissionDenied):
        services.note_edit(grant=w.grant(w.coordinator), note=note, text="Noe annet", expected_version=note.version)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        with pytest.raises(ValidationError, match="Skriv en retting"):
            services.note_edit(grant=w.grant(w.cast.colleague), note=note, text="For sent",
                               expected_version=note.version)
        correction = services.note_add(grant=w.grant(w.coordinator), plan=w.plan, text="Riktig dag er mandag.",
                                       corrects=note)
    note.refresh_from_db()
    assert note.text == "Møtet er flyttet til fredag." and note.edited_at is not None
    assert list(note.corrections.all()) == [correction]


def test_it_refuses_notes_from_emergency_access_and_from_min_plan(world):
    w = world
    for grant in (w.grant(w.emergency), w.portal(w.person_user).as_person_grant()):
        with pytest.raises(PermissionDenied):
            services.note_add(grant=grant, plan=w.plan, text="Hei")
    assert Note.objects.count() == 0


def test_the_notes_page_answers_404_to_a_stranger_and_403_to_a_post_without_serving(world):
    url = reverse("notes:list", args=[world.cast.person.pk])
    assert world.client(world.cast.stranger).get(url).status_code == 404
    assert world.client(world.emergency).post(url, {"text": "Hei", "visibility": "team"}).status_code == 403
    response = world.client(world.cast.colleague).post(url, {"text": "Snakket med skolen i dag.", "visibility": "team",
                                                             "noted_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    page = world.client(world.cast.colleague).get(url).content.decode()
    assert "Snakket med skolen i dag." in page


def test_min_plan_shows_the_shared_notes_in_the_persons_timeline(world):
    w = world
    services.note_add(grant=w.grant(w.coordinator), plan=w.plan, text="Til Petra og familien")
    services.note_add(grant=w.grant(w.coordinator), plan=w.plan, text="Internt", visibility=Visibility.STAFF)
    page = w.client(w.person_user).get(reverse("notes:portal_timeline", args=[w.cast.person.pk])).content.decode()
    assert "Til Petra og familien" in page and "Internt" not in page


def test_it_refuses_a_mistyped_year_in_the_form_and_the_service(world):
    """#13.2: a year such as 0001 is refused with a message, never stored."""
    url = reverse("notes:list", args=[world.cast.person.pk])
    response = world.client(world.cast.colleague).post(url, {"noted_on": "0001-01-01", "text": "Skrevet i feil år",
                                                              "visibility": "team"})
    assert response.status_code == 400 and "Datoen må være mellom" in response.content.decode()
    assert "Skrevet i feil år" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.note_add(grant=world.grant(world.cast.colleague), plan=world.plan, text="Feil år",
                          noted_on=dt.date(1, 1, 1))
    assert "noted_on" in refused.value.message_dict
    assert not Note.objects.exists()


def test_a_double_click_writes_one_note(world):
    """#13.4: the note form carries a one-time token; sent twice, the log holds the note once."""
    import re

    client = world.client(world.cast.colleague)
    url = reverse("notes:list", args=[world.cast.person.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"noted_on": timezone.localdate().isoformat(), "text": "Ringte skolen om skyss.", "visibility": "team",
            "submission_token": token}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Note.objects.filter(text="Ringte skolen om skyss.").count() == 1


def test_a_stale_edit_of_a_note_is_refused_and_the_typed_text_kept(world, settings):
    """#13.6: the note edit is a versioned save; the tab opened before another save is refused, nothing is lost."""
    settings.NOTE_EDIT_GRACE_MINUTES = 30
    note = services.note_add(grant=world.grant(world.cast.colleague), plan=world.plan, text="Møtet er torsdag.")
    url = reverse("notes:edit", args=[world.cast.person.pk, note.pk])
    first, second = world.client(world.cast.colleague), world.client(world.cast.colleague)  # two tabs
    assert f'name="version" value="{note.version}"' in first.get(url).content.decode()
    assert f'name="version" value="{note.version}"' in second.get(url).content.decode()
    assert first.post(url, {"text": "Møtet er fredag.", "version": note.version}).status_code == 302
    response = second.post(url, {"text": "Møtet er mandag.", "version": note.version})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "Møtet er fredag." in html and "Møtet er mandag." in html  # theirs shown, mine kept
    note.refresh_from_db()
    assert note.text == "Møtet er fredag."
    assert second.post(url, {"text": "Møtet er mandag.", "version": note.version}).status_code == 302  # deliberate
    note.refresh_from_db()
    assert note.text == "Møtet er mandag."
