"""Opening and reviewing emergency access (break the glass)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import CLINICAL_ROLES, StaffGrant
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.people.models import Person


@transaction.atomic
def break_glass_open(*, grant: StaffGrant, person: Person, reason: str) -> BreakGlassAccess:
    """Give the user time-limited read access to one person; flagged for review and logged.

    Only staff who meet persons in the person's municipality may open it, never leaders,
    administrators or evaluators.
    """
    grant.require_role(*CLINICAL_ROLES)
    grant.require_owns(person)
    if len(reason.strip()) < 20:
        raise ValidationError({"reason": _("Skriv en begrunnelse på minst 20 tegn.")})
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        user=grant.user,
        person=person,
        reason=reason.strip(),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    role = min(r for r in grant.roles if r in CLINICAL_ROLES)
    audit_record(
        actor=grant.user,
        action=Action.BREAK_GLASS,
        resource="break_glass",
        resource_id=access.pk,
        person=person,
        role=role,
        purpose=access.reason,
        break_glass=True,
    )
    return access


@transaction.atomic
def break_glass_review(*, grant: StaffGrant, access: BreakGlassAccess, note: str) -> BreakGlassAccess:
    """Record the coordinating unit's review of an emergency access in its municipality.

    An access is reviewed once: when a colleague reviewed it after this page was opened, their
    review stands and this one is refused (ValidationError), never written over it.
    """
    grant.require_role(Role.COORDINATING_UNIT)
    grant.require_owns(access.person)
    reviewed_at = timezone.now()
    if not BreakGlassAccess.objects.filter(pk=access.pk, reviewed_at__isnull=True).update(
            reviewed_by=grant.user, reviewed_at=reviewed_at, review_note=note.strip()):
        first = BreakGlassAccess.objects.select_related("reviewed_by").get(pk=access.pk)
        who = first.reviewed_by.full_name if first.reviewed_by else ""
        refusal = [_("Nødtilgangen ble gjennomgått av %(name)s før deg, og den gjennomgangen gjelder.") % {"name": who}]
        if note.strip():
            refusal.append(_("Merknaden du skrev, er ikke lagret: «%(note)s»") % {"note": note.strip()})
        raise ValidationError(refusal)
    access.reviewed_by, access.reviewed_at, access.review_note = grant.user, reviewed_at, note.strip()
    audit_record(
        actor=grant.user,
        action=Action.UPDATE,
        resource="break_glass",
        resource_id=access.pk,
        person=access.person,
        role=Role.COORDINATING_UNIT,
        purpose=_("Gjennomgang av nødtilgang"),
    )
    return access
