"""Reads of the samarbeidslogg, and the plan's timeline: notes with meetings, evaluations,
messages and documents, newest first, each only as far as the grant may see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant
from oppfolging.documents.selectors import documents_visible
from oppfolging.meetings.models import Meeting, MeetingStatus
from oppfolging.notes.models import Note
from oppfolging.plans.models import GoalEvaluation
from oppfolging.portal.models import Message


def notes_visible(*, grant: PersonGrant) -> QuerySet[Note]:
    """Return the person's log notes the grant may see, newest first."""
    return (
        Note.objects.filter(person=grant.person).filter(policy.shared_with(grant)).distinct()
        .select_related("added_by", "goal", "corrects__added_by").prefetch_related("services", "corrections")
    )


def note_visible(*, grant: PersonGrant, note_id: int) -> Note | None:
    return notes_visible(grant=grant).filter(pk=note_id).first()


@dataclass(frozen=True)
class Entry:
    """One line in the plan's timeline."""

    at: dt.datetime
    kind: str
    title: str = ""
    text: str = ""
    who: str = ""
    url: str = ""
    note: Note | None = None


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def timeline(*, grant: PersonGrant, goal_id: int | None = None, limit: int = 300) -> list[Entry]:
    """Return the plan's timeline for the grant: notes, meetings, evaluations, messages, documents.

    Staff see what is shared with them, messages only if they serve the person; in «Min plan»
    the person and next of kin see what is shared with the whole team, their own messages, and
    the team's meetings and evaluations.
    """
    person = grant.person
    portal = grant.is_portal
    entries: list[Entry] = []
    notes = notes_visible(grant=grant)
    evaluations = GoalEvaluation.objects.filter(goal__plan__person=person).select_related("goal", "evaluated_by")
    if goal_id is not None:
        notes = notes.filter(goal_id=goal_id)
        evaluations = evaluations.filter(goal_id=goal_id)
    for note in notes[:limit]:
        entries.append(Entry(
            at=note.added_at if note.noted_on == timezone.localdate(note.added_at) else _at(note.noted_on),
            kind=_("Rettet notat") if note.corrects_id else _("Notat"), title=note.goal.text if note.goal else "",
            text=note.text, who=note.added_by.full_name, note=note))
    for evaluation in evaluations[:limit]:
        entries.append(Entry(
            at=_at(evaluation.evaluated_on), kind=_("Evaluering"),
            title=evaluation.goal.text, text=f"{evaluation.get_result_display()}. {evaluation.learned}".strip(),
            who=evaluation.evaluated_by.full_name,
            url="" if portal else reverse("plans:detail", args=[person.pk]) + f"#goal-{evaluation.goal_id}"))
    if goal_id is None:
        for meeting in Meeting.objects.filter(team__person=person).exclude(status=MeetingStatus.CANCELLED)[:limit]:
            entries.append(Entry(
                at=meeting.starts_at, kind=_("Møte") if meeting.status == MeetingStatus.HELD else _("Planlagt møte"),
                title=meeting.location or _("Videomøte"),
                url=reverse("portal:meetings", args=[person.pk]) if portal
                else reverse("meetings:detail", args=[person.pk, meeting.pk])))
        if portal or grant.serves:
            for message in Message.objects.filter(person=person).select_related("sender_user")[:limit]:
                entries.append(Entry(
                    at=message.created_at, kind=_("Melding"), text=message.body[:300],
                    who=message.sender_user.full_name,
                    url=reverse("portal:messages" if portal else "portal:staff_messages", args=[person.pk])))
        for document in documents_visible(grant=grant)[:limit]:
            entries.append(Entry(
                at=document.added_at, kind=_("Dokument"), title=document.title, who=document.added_by.full_name,
                url=reverse("documents:portal_list" if portal else "documents:detail",
                            args=[person.pk] if portal else [person.pk, document.pk])))
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]
