"""Writes for the samarbeidslogg: add a note (or a correction of one), edit within the grace period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oppfolging.access.grants import PersonGrant
from oppfolging.access.models import Visibility
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.catalogue.models import Service
from oppfolging.documents.selectors import validate_visibility
from oppfolging.lib.dates import PAST_EVENT, check_date
from oppfolging.lib.versioning import save_versioned
from oppfolging.notes import selectors
from oppfolging.notes.models import NOTE_MAX_LENGTH, Note
from oppfolging.plans.models import Goal, IndividualPlan


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Skriv notatet.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": _("Notatet kan være høyst %(n)s tegn.") % {"n": NOTE_MAX_LENGTH}})
    return text


@transaction.atomic
def note_add(
    *,
    grant: PersonGrant,
    plan: IndividualPlan,
    text: str,
    goal: Goal | None = None,
    noted_on: dt.date | None = None,
    visibility: str = Visibility.TEAM,
    services: Iterable[Service] = (),
    corrects: Note | None = None,
) -> Note:
    """Write a dated note in the plan's log, on the plan or one of its goals.

    Those who serve the person write the log; a correction is a new note that refers to the one
    it corrects (which the writer must be able to see).
    """
    grant.require_serves()
    grant.require_owns(plan, goal, corrects)
    user = grant.require_user()
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("Målet hører til en annen plan.")})
    if corrects is not None and selectors.note_visible(grant=grant, note_id=corrects.pk) is None:
        raise PermissionDenied("The note is not shared with you.")
    chosen = validate_visibility(grant=grant, visibility=visibility, services=list(services))
    noted_on = noted_on or timezone.localdate()
    check_date(PAST_EVENT, noted_on, field="noted_on")
    if noted_on > timezone.localdate():
        raise ValidationError({"noted_on": _("Datoen kan ikke være fram i tid.")})
    note = Note.objects.create(
        person=grant.person, plan=plan, goal=goal if corrects is None else corrects.goal,
        noted_on=noted_on, text=_check_text(text), visibility=visibility, corrects=corrects, added_by=user,
    )
    note.services.set(chosen)
    audit_grant(grant=grant, action=Action.CREATE, resource="log_note", resource_id=note.pk,
                purpose=_("Retting av notat i samarbeidsloggen") if corrects else _("Notat i samarbeidsloggen"))
    return note


@transaction.atomic
def note_edit(*, grant: PersonGrant, note: Note, text: str, expected_version: int) -> Note:
    """Change a note's text: only its author, and only within the grace period after writing it.

    A save based on an older version (the note changed in another tab) is refused with
    EditConflict, never applied over the newer text.
    """
    grant.require_owns(note)
    user = grant.require_user()
    if note.added_by_id != user.pk:
        raise PermissionDenied("Only the author edits a note.")
    if not note.is_editable():
        raise ValidationError(ngettext(
            "Notatet kan bare endres det første minuttet. Skriv en retting i stedet.",
            "Notatet kan bare endres de første %(n)s minuttene. Skriv en retting i stedet.",
            settings.NOTE_EDIT_GRACE_MINUTES) % {"n": settings.NOTE_EDIT_GRACE_MINUTES})
    note.text = _check_text(text)
    note.edited_at = timezone.now()
    save_versioned(note, expected_version=expected_version, fields=["text", "edited_at"])
    audit_grant(grant=grant, action=Action.UPDATE, resource="log_note", resource_id=note.pk)
    return note
