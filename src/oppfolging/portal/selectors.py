"""Reads for «Min plan» that need more than one query's shaping: who has seen the plan, in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.audit.models import Action, AuditEvent
from oppfolging.audit.words import resource_words, role_words
from oppfolging.people.models import Person

ACTION_WORDS = {
    Action.READ: _("så på"), Action.LIST: _("så på"), Action.SEARCH: _("søkte i"),
    Action.CREATE: _("la til"), Action.UPDATE: _("endret"), Action.DELETE: _("slettet"),
    Action.EXPORT: _("tok ut"), Action.SEND: _("sendte et varsel om"), Action.BREAK_GLASS: _("åpnet nødtilgang til"),
}


@dataclass
class Seen:
    """One line of the access log: who did what, how many times that day."""

    who: str
    role: str
    unit: str
    what: str
    why: str
    break_glass: bool
    first: dt.datetime
    last: dt.datetime
    times: int = 1


@dataclass
class SeenDay:
    day: dt.date
    lines: list[Seen] = field(default_factory=list)


def who_has_seen(*, person: Person, reader: User, after: str = "", size: int = 200) -> tuple[list[SeenDay], str]:
    """Return who has seen or changed the person's data, grouped by day, newest first, in words,
    one page of `size` entries at a time, and the cursor of the older page ("" if none).

    Repeated views of the same thing by the same person on one day become one line with a count;
    the reader's own views are left out. Codes never reach the page: each resource and action is
    said in words (audit.words), an unknown resource as "opplysningene". Keyset pagination
    (AuditEventQuerySet.page), so a person with years of entries gets a page as fast as one with
    a few; a day with more entries than a page continues on the next.
    """
    events, older = (AuditEvent.objects.filter(person=person).exclude(actor=reader)
                     .only("at", "actor_name", "actor_role", "actor_unit", "resource", "action",
                           "purpose", "break_glass").page(after=after, size=size))
    days: list[SeenDay] = []
    index: dict[tuple[object, ...], Seen] = {}
    for event in events:
        day = timezone.localtime(event.at).date()
        if not days or days[-1].day != day:
            days.append(SeenDay(day))
            index = {}
        action_words = ACTION_WORDS.get(Action(event.action)) if event.action in Action.values else None
        action_words = action_words or _("så på")
        what_words = resource_words(event.resource)
        what = f"{action_words} {what_words}"
        key = (event.actor_name, event.actor_role, event.actor_unit, what, event.break_glass)
        if key in index:
            seen = index[key]
            seen.times += 1
            seen.first = event.at
            continue
        seen = Seen(who=event.actor_name, role=role_words(event.actor_role), unit=event.actor_unit,
                    what=what, why=event.purpose, break_glass=event.break_glass, first=event.at, last=event.at)
        index[key] = seen
        days[-1].lines.append(seen)
    return days, older
