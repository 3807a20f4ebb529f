"""The iCalendar invitation attached to the agenda e-mail (RFC 5545, METHOD:REQUEST)."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from oppfolging.meetings.models import Meeting

PRODID = "-//Oppfolging//Motet som planlegger//NB"


def meeting_uid(meeting: Meeting) -> str:
    """Return the UID calendars know the meeting by; it never changes, so updates replace it."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return f"meeting-{meeting.pk}@{domain or 'localhost'}"


def meeting_calendar(
    meeting: Meeting, *, summary: str, description: str, attendee: str = "", method: str = "REQUEST"
) -> bytes:
    """Return the meeting as an iCalendar file with one event, times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at_or_default.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("description", description)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.video_link:
        event.add("url", meeting.video_link)
        if not meeting.location:
            event.add("location", meeting.video_link)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText("Oppfølging")
    event.add("organizer", organizer)
    if attendee:
        address = vCalAddress(f"mailto:{attendee}")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
