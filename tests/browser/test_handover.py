"""A dated coordinator handover in a real browser, every page checked with axe.

The next of kin chooses in «Min plan» to be told by SMS → the unit hands the person over to a
coordinator who is over their caseload, from a date a week ahead, and is shown that before it confirms → the person and the next of kin read in «Min plan»
who comes and when, and are told by the channel each chose → the outgoing coordinator finds the
handover note to write in the inbox and writes it → the planned meeting moves: the incoming
coordinator gets the updated calendar invitation, the outgoing one a cancellation → on the date
both coordinators see the person, the incoming one finds the note in the inbox, reads it and
acknowledges it → after the overlap only the incoming coordinator sees the person.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from oppfolging.access import policy
from oppfolging.accounts.models import User
from oppfolging.meetings import services as meeting_services
from oppfolging.notifications.sms import MemoryBackend
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.people.models import Person
from oppfolging.teams.models import CoordinatorAssignment, CoordinatorProfile
from oppfolging.teams.selectors import caseload_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _sign_in(browser, base_url: str, full_name: str, *, portal: bool = False):
    """Open a fresh browser context signed in as a demo user (a new day needs a new session)."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.base_url = base_url
    page.goto(base_url + "/logg-inn/")
    page.get_by_role("button", name=f"Logg inn som {full_name}").click()
    page.wait_for_url(re.compile(r"/min-plan/\d+/$" if portal else r"/$"))
    return page


def _calendar_event(message) -> tuple[str, object]:
    calendar = Calendar.from_ical(message.attachments[0].content)
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0]


def test_it_hands_a_person_over_from_a_date_with_both_coordinators_and_everyone_told(
    page, browser, settings, demo_sign_in, assert_accessible
):
    settings.HANDOVER_OVERLAP_DAYS = 14
    call_command("demo", skip_risk=True, skip_history=True)
    person = Person.objects.get(user__username="demo-person")
    team = person.teams.get(status="active")
    outgoing = team.current_coordinator_assignment.coordinator
    incoming = User.objects.get(
        username="demo-koordinator2" if outgoing.username == "demo-koordinator" else "demo-koordinator")
    kin = person.related_persons.get(user__username="demo-parorende")
    Person.objects.filter(pk=person.pk).update(email="person@example.invalid", notify_email=True)
    for user, address in ((outgoing, "ut@example.invalid"), (incoming, "inn@example.invalid")):
        User.objects.filter(pk=user.pk).update(email=address, notify_email=True)
    # The incoming coordinator already carries more persons than the unit set as their limit.
    count, _ceiling = caseload_of(incoming, person.municipality_id)
    assert count >= 2
    CoordinatorProfile.objects.filter(user=incoming, municipality=person.municipality).update(
        max_caseload=count - 1)
    today = timezone.localdate()
    starts_on = today + dt.timedelta(days=7)
    overlap_ends = starts_on + dt.timedelta(days=settings.HANDOVER_OVERLAP_DAYS)

    # A meeting after the overlap, its invitation already sent by the outgoing coordinator.
    grant = policy.person_grant(user=outgoing, person=person)
    meeting = meeting_services.meeting_schedule(
        grant=grant, team=team, starts_at=_at(overlap_ends + dt.timedelta(days=6), 10),
        ends_at=_at(overlap_ends + dt.timedelta(days=6), 11), location="Helsehuset, møterom 2")
    meeting_services.agenda_send(grant=grant, meeting=meeting)
    meeting.refresh_from_db()
    first_sequence = meeting.sequence
    invited_earlier = next(m for m in mail.outbox if m.to == ["ut@example.invalid"] and m.attachments)
    uid = str(_calendar_event(invited_earlier)[1]["UID"])
    sent_before, sms_before = len(mail.outbox), len(MemoryBackend.outbox)

    # 0. The next of kin chooses in «Min plan» to be told by SMS only.
    kin_page = _sign_in(browser, page.base_url, kin.full_name, portal=True)
    kin_page.get_by_role("link", name="Varsler", exact=True).click()
    expect(kin_page.get_by_text(f"som pårørende til {person.given_name}")).to_be_visible()
    kin_page.get_by_label("Gi beskjed på e-post").uncheck()
    kin_page.get_by_label("Gi beskjed på SMS").check()
    kin_page.get_by_label("Mobilnummer").fill("+47 987 65 432")
    kin_page.get_by_role("button", name="Lagre valget").click()
    expect(kin_page.get_by_text("Valget ditt er lagret.")).to_be_visible()
    assert_accessible(kin_page)
    kin_page.context.close()
    kin.refresh_from_db()
    assert (kin.notify_email, kin.notify_sms, kin.phone) == (False, True, "+47 987 65 432")
    sent_before, sms_before = len(mail.outbox), len(MemoryBackend.outbox)

    # 1. The unit sees the incoming coordinator is over the caseload before it confirms.
    demo_sign_in(page, "Ingrid Solberg")
    page.goto(f"{page.base_url}/team/person/{person.pk}/koordinator/")
    assert_accessible(page)
    pool_row = page.get_by_role("row", name=re.compile(incoming.full_name))
    expect(pool_row).to_contain_text("Overbelastet")
    page.locator("#id_coordinator").select_option(label=incoming.full_name)
    page.get_by_label("Fra dato").fill(starts_on.isoformat())
    page.get_by_role("button", name="Oppnevn").click()
    expect(page.locator("#id_coordinator_error")).to_contain_text(
        f"{incoming.full_name} koordinerer allerede {count} personer, og grensen er {count - 1}")
    assert_accessible(page)
    assert team.coordinator_assignments.count() == 1
    page.get_by_label("Jeg vet at koordinatoren har flere personer enn grensen, og vil oppnevne likevel").check()
    page.get_by_role("button", name="Oppnevn").click()
    expect(page.get_by_text("Koordinator er oppnevnt.")).to_be_visible()
    assert_accessible(page)
    old, new = team.coordinator_assignments.order_by("started_at")
    assert new.coordinator == incoming and timezone.localtime(new.started_at).date() == starts_on
    assert old.coordinator == outgoing and timezone.localtime(old.ended_at).date() == overlap_ends
    page.context.clear_cookies()

    # 2. The planned meeting moves: an update with the same UID and a higher SEQUENCE to the
    #    incoming coordinator and the person, a cancellation to the one who leaves.
    meeting.refresh_from_db()
    assert meeting.sequence > first_sequence
    assert meeting.invitations.get(user=outgoing).withdrawn_at is not None
    assert meeting.invitations.get(user=incoming).withdrawn_at is None
    sent = mail.outbox[sent_before:]
    method, event = _calendar_event(next(m for m in sent if m.to == ["ut@example.invalid"] and m.attachments))
    assert method == "CANCEL" and str(event["UID"]) == uid
    method, event = _calendar_event(next(m for m in sent if m.to == ["person@example.invalid"] and m.attachments))
    assert method == "REQUEST" and str(event["UID"]) == uid and event["SEQUENCE"] == meeting.sequence
    # The incoming coordinator sees the person from the date only, so their update waits for it.
    assert not [m for m in sent if m.to == ["inn@example.invalid"]]

    # 3. The person and the next of kin are told by the channel each chose, with no name but
    #    their own, and read in «Min plan» who comes and from when.
    told = next(m for m in sent if m.to == ["person@example.invalid"] and "ny koordinator" in m.body)
    assert incoming.last_name not in told.body and outgoing.last_name not in told.body
    kin_sms = [s for s in MemoryBackend.outbox[sms_before:] if s.to == "+4798765432"]
    assert any("Den du er pårørende for, får ny koordinator" in s.text for s in kin_sms)
    assert not [m for m in sent if kin.full_name in m.body]
    when = f"{starts_on.day}. {_MONTHS[starts_on.month - 1]} {starts_on.year}"
    own = _sign_in(browser, page.base_url, person.full_name, portal=True)
    expect(own.locator("#coordinator-change")).to_have_text(
        f"Du får ny koordinator fra {when}: {incoming.full_name}. "
        f"Til da er {outgoing.full_name} koordinatoren din.")
    expect(own.get_by_text(f"Din koordinator er {outgoing.full_name}.")).to_be_visible()
    assert_accessible(own)
    own.context.close()
    kin_page = _sign_in(browser, page.base_url, kin.full_name, portal=True)
    kin_page.get_by_role("link", name="Teamet", exact=True).click()
    whose = f"{person.given_name}s" if person.given_name[-1] not in "sxz" else f"{person.given_name}'"
    expect(kin_page.locator("#coordinator-change")).to_have_text(
        f"{person.given_name} får ny koordinator fra {when}: {incoming.full_name}. "
        f"Til da er {outgoing.full_name} {whose} koordinator.")
    expect(kin_page.get_by_role("heading", name=f"{whose} koordinator")).to_be_visible()
    assert "Din koordinator" not in kin_page.content()
    assert_accessible(kin_page)
    kin_page.context.close()

    # 4. The outgoing coordinator finds the handover note to write in the inbox, and writes it.
    demo_sign_in(page, outgoing.full_name)
    expect(page.get_by_role("link", name=re.compile(r"Innboks \(\d+\)"))).to_be_visible()
    page.get_by_role("link", name=f"Overføringsnotat å skrive – {person.full_name}").click()
    assert_accessible(page)
    page.get_by_role("link", name="Skriv overføringsnotatet").click()
    assert_accessible(page)
    page.get_by_label("Overføringsnotat").fill("Vil ha møtene hjemme. Datteren ringer på tirsdager.")
    page.get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.get_by_text("Overføringsnotatet er lagret, og den nye koordinatoren har fått beskjed.")).to_be_visible()
    page.context.clear_cookies()
    # Before the date the incoming coordinator does not see the person, nor the item about them.
    early = _sign_in(browser, page.base_url, incoming.full_name)
    expect(early.get_by_role("link", name=re.compile("Overføringsnotat å lese"))).to_have_count(0)
    assert early.goto(f"{page.base_url}/personer/{person.pk}/").status == 404
    early.context.close()

    # 5. On the date, in the overlap: both coordinators see the person; the incoming one finds
    #    the note in the inbox, reads it and acknowledges it.
    with time_machine.travel(_at(starts_on + dt.timedelta(days=1), 9), tick=True):
        sent_before = len(mail.outbox)
        deliveries_retry_due()  # the worker's sweep, every 15 minutes
        sent = mail.outbox[sent_before:]
        method, event = _calendar_event(next(m for m in sent if m.to == ["inn@example.invalid"] and m.attachments))
        assert method == "REQUEST" and str(event["UID"]) == uid and event["SEQUENCE"] == meeting.sequence
        assert any(m.to == ["inn@example.invalid"] and "overføringsnotat venter" in m.body for m in sent)
        coming = _sign_in(browser, page.base_url, incoming.full_name)
        inbox_link = coming.get_by_role("link", name=re.compile(r"Innboks \((\d+)\)"))
        waiting = int(re.search(r"\((\d+)\)", inbox_link.inner_text()).group(1))
        assert_accessible(coming)
        coming.get_by_role("link", name=f"Overføringsnotat å lese – {person.full_name}").click()
        coming.wait_for_url(re.compile(r"/team/person/\d+/#handover$"))
        expect(coming.get_by_text("Vil ha møtene hjemme. Datteren ringer på tirsdager.")).to_be_visible()
        assert_accessible(coming)
        coming.get_by_role("button", name="Jeg har lest overføringsnotatet").click()
        expect(coming.get_by_text("Du har bekreftet at du har lest overføringsnotatet.")).to_be_visible()
        expect(coming.get_by_text(re.compile("Lest av den nye koordinatoren"))).to_be_visible()
        assert CoordinatorAssignment.objects.get(pk=new.pk).handover_read_at is not None
        expect(coming.get_by_role("link", name=re.compile(r"Innboks"))).not_to_have_text(f"Innboks ({waiting})")
        coming.goto(page.base_url + "/")
        expect(coming.get_by_role("link", name=re.compile("Overføringsnotat å lese"))).to_have_count(0)
        coming.context.close()
        leaving = _sign_in(browser, page.base_url, outgoing.full_name)
        assert leaving.goto(f"{page.base_url}/personer/{person.pk}/").status == 200
        leaving.context.close()
        own = _sign_in(browser, page.base_url, person.full_name, portal=True)
        expect(own.locator("#coordinator-change")).to_have_text(
            f"Du har fått ny koordinator fra {when}: {incoming.full_name}. "
            f"{outgoing.full_name} er med en stund til, så de kan overlappe.")
        expect(own.get_by_text(f"Din koordinator er {incoming.full_name}.")).to_be_visible()
        own.context.close()

    # 6. After the overlap only the incoming coordinator sees the person.
    with time_machine.travel(_at(overlap_ends + dt.timedelta(days=1), 9), tick=True):
        leaving = _sign_in(browser, page.base_url, outgoing.full_name)
        assert leaving.goto(f"{page.base_url}/personer/{person.pk}/").status == 404
        leaving.context.close()
        coming = _sign_in(browser, page.base_url, incoming.full_name)
        assert coming.goto(f"{page.base_url}/personer/{person.pk}/").status == 200
        coming.context.close()


_MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"]
