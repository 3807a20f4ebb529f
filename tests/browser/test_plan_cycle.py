"""Keeping the plan alive, end to end in a real browser.

Plan with two goals → meeting scheduled → the agenda contains the goal due and an item the
person added → agenda e-mail with a valid .ics → attendance and minutes with an action item →
evaluation recorded from the meeting → plan history shows each step → the PDF has every item.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect
from pypdf import PdfReader

from oppfolging.accounts.models import Municipality, User
from oppfolging.catalogue.models import Service
from oppfolging.lib import identity
from oppfolging.meetings.models import Meeting
from oppfolging.people.models import Person
from oppfolging.plans.models import GoalEvaluation, IndividualPlan
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fresh_person_with_team() -> Person:
    municipality = Municipality.objects.get(number="9901")
    marte = User.objects.get(username="demo-koordinator")
    unit = User.objects.get(username="demo-ke")
    sofie = User.objects.get(username="demo-teamdeltaker")
    sofie.email = "sofie@example.invalid"
    sofie.save()
    number = identity.make_synthetic(birth_date=dt.date(1955, 9, 9), individual=150)
    user = User.objects.create(username="demo-syklus", first_name="Synne", last_name="Syklus")
    person = Person.objects.create(municipality=municipality, given_name="Synne", family_name="Syklus",
                                   identity_number=number, identity_kind="tenor",
                                   birth_date=dt.date(1955, 9, 9), gender="female", user=user,
                                   email="synne@example.invalid")
    team = Team.objects.create(person=person, created_by=unit)
    service = Service.objects.get(municipality=municipality, name="Fysio- og ergoterapi")
    TeamMembership.objects.create(team=team, kind="person", added_by=unit)
    TeamMembership.objects.create(team=team, user=sofie, service=service, role_in_team="Ergoterapeut", added_by=unit)
    for scope, svc in (("team_and_plan", None), ("share_with_service", service)):
        Consent.objects.create(person=person, scope=scope, service=svc, given_by="person", method="paper")
    CoordinatorAssignment.objects.create(team=team, coordinator=marte, appointed_by=unit)
    return person


def test_it_keeps_a_plan_alive_from_goals_to_an_evaluated_checkpoint(page, browser, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    person = fresh_person_with_team()
    today = timezone.localdate()
    demo_sign_in(page, "Marte Haugen")

    # 1. The plan, with two goals in the person's own words; one is due now.
    page.goto(f"{page.base_url}/team/person/{person.pk}/")
    page.get_by_role("button", name="Opprett individuell plan").click()
    expect(page.get_by_text(re.compile("Individuell plan er opprettet"))).to_be_visible()
    page.goto(f"{page.base_url}/plan/person/{person.pk}/")
    assert_accessible(page)
    for text, due in (("Gå til butikken alene", today), ("Lage middag to dager i uka", today + dt.timedelta(days=60))):
        page.get_by_role("link", name="Nytt mål").click()
        page.get_by_label("Målet med personens egne ord").fill(text)
        page.get_by_label("Personen selv").check()
        page.get_by_label("Dato for evaluering").fill(due.isoformat())
        page.get_by_role("button", name="Lagre").click()
        expect(page.get_by_text("Målet er lagt til.")).to_be_visible()
    assert_accessible(page)

    # 2. A meeting tomorrow (a meeting cannot be planned in the past).
    page.goto(f"{page.base_url}/mote/person/{person.pk}/")
    page.get_by_role("link", name="Planlegg møte").click()
    page.get_by_label("Dato").fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_label("Fra klokken").fill("08:00")
    page.get_by_label("Til klokken").fill("09:00")
    page.get_by_label("Sted").fill("Hjemme hos Synne")
    page.get_by_role("button", name="Planlegg møtet").click()
    expect(page.get_by_text("Møtet er planlagt.")).to_be_visible()
    meeting_url = page.url

    # 3. The person adds an item to the agenda from «Min plan».
    person_context = browser.new_context(locale="nb-NO")
    person_page = person_context.new_page()
    person_page.goto(page.base_url + "/logg-inn/")
    person_page.get_by_role("button", name="Logg inn som Synne Syklus").click()
    person_page.goto(f"{page.base_url}/min-plan/{person.pk}/moter/")
    person_page.get_by_label("Hva vil du ta opp på møtet?").first.fill("Skyss til butikken")
    person_page.get_by_role("button", name="Legg til på dagsordenen").first.click()
    expect(person_page.get_by_text("Saken er lagt til på dagsordenen.")).to_be_visible()
    person_context.close()

    # 4. The agenda built itself; it goes out with a calendar invitation.
    page.goto(meeting_url)
    agenda = page.locator("main")
    expect(agenda).to_contain_text("Gå til butikken alene")
    expect(agenda).to_contain_text("Skyss til butikken")
    assert "Lage middag to dager i uka" not in page.locator("ol").first.inner_text()
    mail.outbox.clear()
    page.get_by_role("button", name="Send dagsordenen nå").click()
    expect(page.get_by_text(re.compile(r"Innkallingen er sendt til \d+ innkalte?: "))).to_be_visible()
    invitation = next(m for m in mail.outbox if "sofie@example.invalid" in m.to)
    ics = next(a for a in invitation.attachments if a[0].endswith(".ics"))
    calendar = Calendar.from_ical(ics[1])
    event = next(iter(calendar.walk("VEVENT")))
    # No health information leaves by e-mail or calendar: the goals stay in the app.
    assert str(calendar["METHOD"]) == "REQUEST" and "Gå til butikken alene" not in str(event.get("DESCRIPTION", ""))
    assert all("Gå til butikken alene" not in m.body for m in mail.outbox)
    assert any("synne@example.invalid" in m.to for m in mail.outbox)

    # 5. The day comes (moved in the database, as time passes). At the meeting: attendance,
    # minutes, an action item, and the goal evaluated.
    meeting = Meeting.objects.filter(team__person=person).latest("pk")
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1))
    page.reload()
    for select in page.locator("select[id^=id_attendance_]").all():
        select.select_option("present")
    page.get_by_role("button", name="Lagre oppmøte").click()
    expect(page.get_by_text("Oppmøtet er lagret.")).to_be_visible()
    page.get_by_role("textbox", name="Referat").fill("Synne har gått til butikken med følge tre ganger.")
    page.get_by_role("button", name="Lagre referatet").click()
    page.get_by_role("textbox", name="Hva skal gjøres").fill("Søke om TT-kort")
    page.locator("#id_owner_membership").select_option(index=1)
    page.locator("#id_due_on").fill((today + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Før inn oppgaven").click()
    expect(page.get_by_text("Oppgaven er ført inn.")).to_be_visible()
    goal_form = page.locator("form", has=page.get_by_role("button", name="Lagre evalueringen")).first
    goal_form.get_by_label("Delvis nådd").check()
    goal_form.get_by_label("Fortsette").check()
    goal_form.get_by_label("Neste evaluering").fill((today + dt.timedelta(days=45)).isoformat())
    goal_form.get_by_role("button", name="Lagre evalueringen").click()
    expect(page.get_by_text(re.compile("Evaluert i møtet: Delvis nådd"))).to_be_visible()
    assert_accessible(page)
    evaluation = GoalEvaluation.objects.get(goal__plan__person=person)
    assert evaluation.meeting is not None and evaluation.result == "partly"

    # 6. The plan's history shows each step; the PDF has every required item.
    page.goto(f"{page.base_url}/plan/person/{person.pk}/historikk/")
    history = page.locator("main").inner_text()
    for step in ("Planen er opprettet", "Nytt mål: Gå til butikken alene", "Nytt mål: Lage middag", "Evaluert: Gå til butikken alene"):
        assert step in history, step
    assert_accessible(page)
    pdf = page.request.get(f"{page.base_url}/plan/person/{person.pk}/pdf/")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = " ".join(text.split())
    for heading in ("1. Hva er viktig for meg", "5–6. Målene mine", "2–3. Hvem er med", "4. Hva vi bidrar med",
                    "7. Hvor lenge planen gjelder", "8. Samtykke", "9. Samarbeid med andre",
                    "Gå til butikken alene", "Marte Haugen"):
        assert heading in text, heading
    assert IndividualPlan.objects.get(person=person).changes.count() >= 4
