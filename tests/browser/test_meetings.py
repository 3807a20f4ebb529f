"""A meeting that plans, in a real browser, every page checked with axe.

The coordinator schedules a meeting → the agenda has built itself and a member's item is
added → the agenda goes out with a calendar invitation → attendance, minutes and an action
item with owner and deadline are recorded.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from oppfolging.meetings.models import ActionItem, Meeting
from oppfolging.teams.models import CoordinatorAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_plans_holds_and_records_a_team_meeting(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    assignment = (
        CoordinatorAssignment.objects.filter(coordinator__first_name="Marte", coordinator__last_name="Haugen",
                                             ended_at__isnull=True, team__status="active")
        .select_related("team__person").order_by("pk").first()
    )
    person = assignment.team.person
    demo_sign_in(page, "Marte Haugen")

    # 1. The team's meetings and how often it meets.
    page.goto(f"{page.base_url}/mote/person/{person.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Møter i oppfølgingsteamet"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Teamet møtes hver … uke").fill("4")
    page.get_by_role("button", name="Lagre møtehyppighet").click()
    expect(page.get_by_text("Møtehyppigheten er lagret.")).to_be_visible()

    # 2. Schedule a meeting tomorrow (a meeting cannot be planned in the past).
    page.get_by_role("link", name="Planlegg møte").click()
    assert_accessible(page)
    page.get_by_label("Dato").fill((timezone.localdate() + timedelta(days=1)).isoformat())
    page.get_by_label("Fra klokken").fill("08:00")
    page.get_by_label("Til klokken").fill("09:00")
    page.get_by_label("Sted").fill("Helsehuset, møterom 2")
    page.get_by_role("button", name="Planlegg møtet").click()
    expect(page.get_by_text("Møtet er planlagt.")).to_be_visible()
    meeting = Meeting.objects.filter(team=assignment.team).order_by("-pk").first()
    assert meeting.location == "Helsehuset, møterom 2"
    assert_accessible(page)

    # 3. The agenda: add an item, order it, and send it with the calendar invitation.
    page.get_by_text("Meld inn en sak").click()
    page.get_by_label("Sak").fill("Avklare transport til dagsenteret")
    page.get_by_role("button", name="Legg til saken").click()
    expect(page.get_by_text("Avklare transport til dagsenteret", exact=True)).to_be_visible()
    def position() -> int:
        titles = list(meeting.agenda_items.order_by("position", "pk").values_list("title", flat=True))
        return titles.index("Avklare transport til dagsenteret")

    if meeting.agenda_items.count() > 1:
        before = position()
        page.get_by_role("button", name=re.compile("Flytt opp.*Avklare transport")).click()
        for _ in range(50):
            if position() == before - 1:
                break
            page.wait_for_timeout(100)
        assert position() == before - 1
    assert_accessible(page)
    page.get_by_role("button", name="Send dagsordenen nå").click()
    expect(page.get_by_text(re.compile(r"Innkallingen er sendt til \d+ innkalte?: "))).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.agenda_sent_at is not None

    # 4. The day comes (moved in the database, as time passes): attendance, minutes, and an
    # action item with owner and deadline.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1))
    page.reload()
    invitations = list(meeting.invitations.all())
    for invitation in invitations:
        page.locator(f"#id_attendance_{invitation.pk}").select_option("present")
    page.locator(f"#id_attendance_{invitations[-1].pk}").select_option("absent_without_notice")
    page.get_by_role("button", name="Lagre oppmøte").click()
    expect(page.get_by_text("Oppmøtet er lagret.")).to_be_visible()
    page.get_by_role("textbox", name="Referat").fill("Vi gikk gjennom målene. Transporten er avklart.")
    page.get_by_role("button", name="Lagre referatet").click()
    expect(page.get_by_text("Referatet er lagret.")).to_be_visible()
    page.get_by_role("textbox", name="Beslutning").fill("Dagsenteret tre dager i uka fra neste måned.")
    page.get_by_role("button", name="Før inn beslutningen").click()
    page.get_by_role("textbox", name="Hva skal gjøres").fill("Bestille TT-kort")
    page.locator("#id_owner_membership").select_option(index=1)
    page.locator("#id_due_on").fill((timezone.localdate().replace(day=1)).isoformat())
    page.get_by_role("button", name="Før inn oppgaven").click()
    expect(page.get_by_text("Oppgaven er ført inn.")).to_be_visible()
    assert page.get_by_text("Forfalt").first.is_visible() or timezone.localdate().day == 1
    assert_accessible(page)

    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert meeting.minutes == "Vi gikk gjennom målene. Transporten er avklart."
    assert meeting.decisions.get().text == "Dagsenteret tre dager i uka fra neste måned."
    assert meeting.invitations.filter(attendance="absent_without_notice").count() == 1
    item = ActionItem.objects.get(meeting=meeting)
    assert item.description == "Bestille TT-kort" and item.owner_membership is not None

    # 5. The team's action items, and marking one done.
    page.get_by_role("link", name="Alle oppgaver i teamet").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Merk som gjort.*Bestille TT-kort")).click()
    expect(page.get_by_text("Oppgaven er merket som gjort.")).to_be_visible()
    item.refresh_from_db()
    assert item.done_at is not None
    # The live server runs in this process, so the agenda e-mails are in the test outbox.
    invitations_sent = [m for m in mail.outbox if m.attachments]
    assert invitations_sent and all(m.attachments[0].mimetype.startswith("text/calendar") for m in invitations_sent)
