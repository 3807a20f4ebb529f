"""The calendar at /kalender/ (staff and «Min plan» alike), the task list, and the ICS feed.

The calendar is a real table: a week as one row per day, a month as one row per week with a
column per weekday, with headings for both; every item is a link, so each is reached by Tab.
The subscription address is secret, shown once, revocable; the feed asks the policy again at
every fetch and writes each fetch to the access log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import written_standard
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.calendars import ics, selectors, services
from oppfolging.calendars.models import CalendarFeed, token_hash
from oppfolging.calendars.selectors import CalendarItem
from oppfolging.people.models import Person

WEEK, MONTH = "uke", "maned"
FEED_PAST_DAYS, FEED_FUTURE_DAYS = 60, 400


def _anchor(request: AuthenticatedHttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("dato", ""))
    except ValueError:
        return timezone.localdate()


def _range(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    if view == MONTH:
        first = anchor.replace(day=1)
        start = first - dt.timedelta(days=first.weekday())
        next_month = (first + dt.timedelta(days=32)).replace(day=1)
        last = next_month - dt.timedelta(days=1)
        end = last + dt.timedelta(days=6 - last.weekday())
        return start, end
    start = anchor - dt.timedelta(days=anchor.weekday())
    return start, start + dt.timedelta(days=6)


def _items(user: Any, start: dt.date, end: dt.date) -> list[CalendarItem]:
    if selectors.is_staff(user):
        return selectors.staff_calendar(user=user, start=start, end=end)
    return selectors.portal_calendar(user=user, start=start, end=end)


def _log_list(request: AuthenticatedHttpRequest, items: list[CalendarItem], resource: str) -> None:
    persons = {item.person_id for item in items}
    if persons:
        audit_record(actor=request.user, action=Action.LIST, resource=resource,
                     municipality=getattr(request, "municipality", None), ip=client_ip(request),
                     purpose=_("Kalender: %(count)s personer") % {"count": len(persons)})


def _calendar_context(request: AuthenticatedHttpRequest, *, new_feed_url: str = "") -> dict[str, Any]:
    view = MONTH if request.GET.get("visning") == MONTH else WEEK
    anchor = _anchor(request)
    start, end = _range(view, anchor)
    items = _items(request.user, start, end)
    _log_list(request, items, "calendar")
    by_day: dict[dt.date, list[CalendarItem]] = defaultdict(list)
    for item in items:
        by_day[item.day].append(item)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    if view == MONTH:
        step = dt.timedelta(days=32)
        previous = (anchor.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        following = (anchor.replace(day=1) + step).replace(day=1)
        caption = formats.date_format(anchor, "F Y").capitalize()
    else:
        previous, following = start - dt.timedelta(days=7), start + dt.timedelta(days=7)
        caption = _("Uke %(week)s: %(start)s – %(end)s") % {
            "week": start.isocalendar().week, "start": formats.date_format(start, "j. F"),
            "end": formats.date_format(end, "j. F Y")}
    weeks = [[(d, by_day.get(d, [])) for d in days[i:i + 7]] for i in range(0, len(days), 7)]
    base = reverse("calendars:calendar")
    return {
        "view": view, "caption": caption, "today": timezone.localdate(), "month": anchor.month,
        "week_rows": [(d, by_day.get(d, [])) for d in days] if view == WEEK else [],
        "month_rows": [(week[0][0].isocalendar().week, week) for week in weeks] if view == MONTH else [],
        "weekdays": days[:7], "count": len(items),
        "previous_url": f"{base}?visning={view}&dato={previous.isoformat()}",
        "next_url": f"{base}?visning={view}&dato={following.isoformat()}",
        "today_url": f"{base}?visning={view}",
        "week_url": f"{base}?visning={WEEK}&dato={anchor.isoformat()}",
        "month_url": f"{base}?visning={MONTH}&dato={anchor.isoformat()}",
        "feed": CalendarFeed.objects.active().filter(user=request.user).first(),
        "new_feed_url": new_feed_url, "is_staff": selectors.is_staff(request.user),
    }


def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's calendar by week or month: meetings, evaluations due, tasks due."""
    return render(request, "calendars/calendar.html", _calendar_context(request))


def tasks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own open tasks, most urgent first."""
    user = request.user
    items = selectors.staff_tasks(user=user) if selectors.is_staff(user) else selectors.portal_tasks(user=user)
    _log_list(request, items, "tasks")
    return render(request, "calendars/tasks.html", {"tasks": items, "today": timezone.localdate()})


@require_POST
def feed_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make a new secret subscription address and show it, this once."""
    _feed, token = services.calendar_feed_create(user=request.user)
    url = request.build_absolute_uri(reverse("calendars:feed", args=[token]))
    return render(request, "calendars/calendar.html", _calendar_context(request, new_feed_url=url))


@require_POST
def feed_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    for feed in CalendarFeed.objects.active().filter(user=request.user):
        services.calendar_feed_revoke(user=request.user, feed=feed)
    return redirect("calendars:calendar")


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription: checked against the policy now, logged per person, no health information."""
    subscription = (CalendarFeed.objects.active().select_related("user")
                    .filter(token_hash=token_hash(token)).first())
    if subscription is None or not subscription.user.is_active:
        raise Http404
    user = subscription.user
    today = timezone.localdate()
    items = _items(user, today - dt.timedelta(days=FEED_PAST_DAYS), today + dt.timedelta(days=FEED_FUTURE_DAYS))
    persons = Person.objects.in_bulk({item.person_id for item in items})
    for person in persons.values():
        audit_record(actor=user, action=Action.EXPORT, resource="calendar_feed", resource_id=subscription.pk,
                     person=person, ip=client_ip(request),
                     purpose=_("Kalenderabonnement hentet (tid og sted, uten helseopplysninger)"))
    CalendarFeed.objects.filter(pk=subscription.pk).update(last_fetched_at=timezone.now())
    with translation.override(written_standard(user, None)):
        body = ics.feed(items, name=_("Oppfølging"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="oppfolging.ics"'
    return response
