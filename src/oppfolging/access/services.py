"""Opening and reviewing emergency access (break the glass)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.people.models import Person


@transaction.atomic
def break_glass_open(
    *, user: User, person: Person, reason: str, role: str, unit: str = "", ip: str | None = None
) -> BreakGlassAccess:
    """Give the user time-limited read access to one person; flagged for review and logged."""
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        user=user,
        person=person,
        reason=reason.strip(),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    audit_record(
        actor=user,
        action=Action.BREAK_GLASS,
        resource="break_glass",
        resource_id=access.pk,
        person=person,
        role=role,
        unit=unit,
        purpose=access.reason,
        break_glass=True,
        ip=ip,
    )
    return access


@transaction.atomic
def break_glass_review(
    *, access: BreakGlassAccess, reviewer: User, note: str, ip: str | None = None
) -> BreakGlassAccess:
    """Record the coordinating unit's review of an emergency access."""
    access.reviewed_by = reviewer
    access.reviewed_at = timezone.now()
    access.review_note = note.strip()
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        actor=reviewer,
        action=Action.UPDATE,
        resource="break_glass",
        resource_id=access.pk,
        person=access.person,
        purpose=_("Gjennomgang av nødtilgang"),
        ip=ip,
    )
    return access
