"""The calendar subscription as iCalendar (RFC 5545): times and places, no health information.

Every event says only what kind of thing it is ("Møte i oppfølgingsteam", "Evaluering",
"Oppgave") and, for a meeting, the place. Never a name, a goal, a task's wording or a link
that names the person: a calendar on a phone is read by more eyes than the app.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from oppfolging.calendars.selectors import CalendarItem, ItemKind

PRODID = "-//Oppfolging//Kalender//NB"


def _summary(item: CalendarItem) -> str:
    if item.kind == ItemKind.MEETING:
        return _("Møte i oppfølgingsteam")
    if item.kind == ItemKind.EVALUATION:
        return _("Evaluering")
    return _("Oppgave")


def feed(items: list[CalendarItem], *, name: str) -> bytes:
    """Return the items as one iCalendar file for a subscription."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    now = timezone.now().astimezone(dt.UTC)
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid}@{domain}")
        event.add("dtstamp", now)
        event.add("summary", _summary(item))
        if item.starts_at is not None:
            event.add("dtstart", item.starts_at.astimezone(dt.UTC))
            event.add("dtend", (item.ends_at or item.starts_at + dt.timedelta(hours=1)).astimezone(dt.UTC))
        else:
            event.add("dtstart", item.day)
            event.add("dtend", item.day + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        if item.kind == ItemKind.MEETING and item.place:
            event.add("location", item.place)
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    return calendar.to_ical()
