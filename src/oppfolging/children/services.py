"""Writes for a child's follow-up: the decision to appoint a barnekoordinator, a parent's
exclusion (and its lifting), and the child's own view. Each audited, each checks its grant."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.children.models import (
    ChildCoordinatorDecision,
    ChildView,
    Grounds,
    HowHeard,
    ParentAccessRestriction,
    ParentExclusion,
    RestrictedBy,
)
from oppfolging.children.selectors import QUESTIONS, age_band
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.people.models import RelatedPerson
from oppfolging.teams.models import Team, TeamStatus
from oppfolging.teams.services import coordinator_appoint


def _require_child(grant: PersonGrant) -> None:
    if not grant.person.is_child:
        raise ValidationError(_("Personen er ikke under 18 år."))


# A due date the unit may record: from two weeks past (a child may be born late) to 42 weeks ahead.
DUE_DATE_PAST_DAYS = 14
DUE_DATE_AHEAD_DAYS = 42 * 7


def due_date_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Return the first and last due date a decision for a family expecting a child may give."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=DUE_DATE_PAST_DAYS), today + dt.timedelta(days=DUE_DATE_AHEAD_DAYS)


def _require_unit(grant: PersonGrant) -> None:
    """The coordinating unit makes these decisions (hol § 7-3)."""
    grant.require_write()
    if grant.basis is not Basis.COORDINATING_UNIT:
        raise PermissionDenied("Only the coordinating unit decides this.")


@transaction.atomic
def child_coordinator_appoint(
    *, grant: PersonGrant, coordinator: User, grounds: str, reason: str, handover_note: str = "",
    expected_on: dt.date | None = None, continues: ChildCoordinatorDecision | None = None,
) -> ChildCoordinatorDecision:
    """Record the unit's decision to appoint a barnekoordinator, and appoint them to the person's team.

    The person is a child under 18, or, with the grounds «expecting» and the due date, the
    expectant parent of a child not yet born (of any age). The barnekoordinator coordinates
    the person's team (and so sees the plan across services); an earlier decision ends with
    this one. `continues` is set only by `child_coordinator_move_to_child`.
    """
    _require_unit(grant)
    actor = grant.require_user()
    if grounds not in Grounds.values:
        raise ValidationError({"grounds": _("Velg grunnlaget for retten til barnekoordinator.")})
    if grounds == Grounds.EXPECTING:
        first, last = due_date_range()
        if expected_on is None:
            raise ValidationError({"expected_on": _("Oppgi termin for barnet familien venter.")})
        if not first <= expected_on <= last:
            raise ValidationError({"expected_on": _(
                "Terminen må være mellom to uker tilbake og 42 uker fram i tid. Er barnet født, registrer "
                "barnet og flytt vedtaket til barnet.")})
    else:
        if not grant.person.is_child:
            raise ValidationError(_("Personen er ikke under 18 år. For en forelder som venter barn, velg "
                                    "«Venter barn» som grunnlag."))
        expected_on = None
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv begrunnelsen for vedtaket.")})
    team = Team.objects.filter(person=grant.person, status=TeamStatus.ACTIVE).first()
    if team is None:
        raise ValidationError(_("Personen har ikke et aktivt oppfølgingsteam. Opprett teamet først."))
    current = team.current_coordinator_assignment
    if current is not None and current.coordinator_id == coordinator.pk:
        assignment = current
    else:
        assignment = coordinator_appoint(grant=grant, team=team, coordinator=coordinator, handover_note=handover_note)
    now = timezone.now()
    ChildCoordinatorDecision.objects.filter(person=grant.person, ended_at__isnull=True).update(
        ended_at=now, end_reason=_("Erstattet av nytt vedtak"))
    decision = ChildCoordinatorDecision.objects.create(
        person=grant.person, coordinator=coordinator, assignment=assignment, grounds=grounds, reason=reason.strip(),
        expected_on=expected_on, continues=continues, decided_by=actor, decided_at=now)
    if coordinator != actor:
        notify(kind=Kind.CHILD_COORDINATOR, key=f"child-coordinator:{decision.pk}", recipient=Recipient(user=coordinator),
               person=grant.person, subject=decision, url=reverse("children:child", args=[grant.person.pk]))
    audit_grant(grant=grant, action=Action.CREATE, resource="child_coordinator_decision", resource_id=decision.pk,
                purpose=_("Vedtak om barnekoordinator: %(name)s") % {"name": coordinator.full_name})
    return decision


@transaction.atomic
def child_coordinator_move_to_child(
    *, grant: PersonGrant, child_grant: PersonGrant, grounds: str, reason: str, handover_note: str = ""
) -> ChildCoordinatorDecision:
    """Move an expectant parent's decision to the child, once the child is born and registered.

    The same barnekoordinator is appointed in the child's team by a new decision on the child
    that continues the parent's; the parent's decision ends with a note that it was moved. Both
    grants are the coordinating unit's, one for the parent and one for the child; both writes
    are logged.
    """
    _require_unit(grant)
    _require_unit(child_grant)
    actor = grant.require_user()
    if child_grant.require_user() != actor:
        raise PermissionDenied("Both grants must be the same user's.")
    current = ChildCoordinatorDecision.objects.select_for_update().filter(
        person=grant.person, ended_at__isnull=True, grounds=Grounds.EXPECTING).select_related("coordinator").first()
    if current is None:
        raise ValidationError(_("Det er ikke noe gjeldende vedtak for en familie som venter barn å flytte."))
    child = child_grant.person
    if child.pk == grant.person.pk:
        raise ValidationError(_("Velg barnet, ikke forelderen."))
    if child.municipality_id != grant.person.municipality_id:
        raise ValidationError(_("Barnet er registrert i en annen kommune."))
    if child.age() >= 1:
        raise ValidationError(_("Barnet er ett år eller eldre. Registrer et nytt vedtak for barnet i stedet."))
    if grounds == Grounds.EXPECTING:
        raise ValidationError({"grounds": _("Barnet er født: velg grunnlaget for barnet.")})
    decision = child_coordinator_appoint(grant=child_grant, coordinator=current.coordinator, grounds=grounds,
                                         reason=reason, handover_note=handover_note, continues=current)
    current.ended_at, current.end_reason = decision.decided_at, _("Barnet er født, og vedtaket er flyttet til barnet.")
    current.save(update_fields=["ended_at", "end_reason"])
    audit_grant(grant=grant, action=Action.UPDATE, resource="child_coordinator_decision", resource_id=current.pk,
                purpose=_("Vedtak om barnekoordinator flyttet til barnet"))
    return decision


@transaction.atomic
def parent_exclude(*, grant: PersonGrant, related: RelatedPerson, reason: str) -> ParentExclusion:
    """Keep a parent out of the child's follow-up, with the reason; they lose «Min plan» and messages."""
    _require_unit(grant)
    grant.require_owns(related)
    _require_child(grant)
    actor = grant.require_user()
    if not (related.has_parental_responsibility or related.is_guardian):
        raise ValidationError(_("Bare en forelder med foreldreansvar eller en verge kan holdes utenfor på denne måten."))
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv begrunnelsen.")})
    if ParentExclusion.objects.active().filter(related_person=related).exists():
        raise ValidationError(_("Forelderen er allerede holdt utenfor."))
    exclusion = ParentExclusion.objects.create(person=grant.person, related_person=related, reason=reason.strip(),
                                               decided_by=actor)
    audit_grant(grant=grant, action=Action.CREATE, resource="parent_exclusion", resource_id=exclusion.pk,
                purpose=_("Forelder holdt utenfor: %(name)s") % {"name": related.full_name})
    return exclusion


@transaction.atomic
def parent_exclusion_lift(*, grant: PersonGrant, exclusion: ParentExclusion, reason: str) -> ParentExclusion:
    """End an exclusion: the parent takes part again from now."""
    _require_unit(grant)
    grant.require_owns(exclusion)
    actor = grant.require_user()
    if exclusion.lifted_at is not None:
        raise ValidationError(_("Unntaket er allerede opphevet."))
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv begrunnelsen.")})
    exclusion.lifted_at, exclusion.lifted_by, exclusion.lift_reason = timezone.now(), actor, reason.strip()
    exclusion.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit_grant(grant=grant, action=Action.UPDATE, resource="parent_exclusion", resource_id=exclusion.pk,
                purpose=_("Forelder er med igjen: %(name)s") % {"name": exclusion.related_person.full_name})
    return exclusion


def _restriction_kind(grant: PersonGrant) -> str:
    """Return who sets a young person's restriction under the grant; refuse anyone else.

    The young person themself in «Min plan»; staff who serve them (with write access) on their
    behalf. A parent or next of kin never does: it is the young person's right against them.
    """
    if grant.is_portal:
        if grant.basis is not Basis.PERSON_SELF:
            raise PermissionDenied("Only the young person restricts what their parents see.")
        return RestrictedBy.YOUNG_PERSON
    grant.require_write()
    grant.require_serves()
    return RestrictedBy.STAFF


@transaction.atomic
def parent_access_restrict(*, grant: PersonGrant, reason: str = "") -> ParentAccessRestriction:
    """Keep a young person's parents out of their plan, at the young person's wish (pbrl. § 3-4).

    Only from 16 to 18: under 16 the parents have access, from 18 parenthood gives none. While
    it is in force, no parent has a «Min plan» basis (`access.policy.related_person_basis`);
    a parent the young person consents to take part sees the plan on that consent.
    """
    kind = _restriction_kind(grant)
    actor = grant.require_user()
    if grant.person.age() not in (16, 17):
        raise ValidationError(_("Bare en ungdom på 16 eller 17 år kan bestemme at foreldrene ikke skal se planen."))
    if kind == RestrictedBy.STAFF and not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor ungdommen ikke vil at foreldrene skal se planen.")})
    if ParentAccessRestriction.objects.active().filter(person=grant.person).exists():
        raise ValidationError(_("Foreldrene ser allerede ikke planen."))
    restriction = ParentAccessRestriction.objects.create(
        person=grant.person, set_by=actor, set_by_kind=kind, reason=reason.replace("\x00", "").strip())
    audit_grant(grant=grant, action=Action.CREATE, resource="parent_access_restriction",
                resource_id=restriction.pk,
                purpose=_("Foreldrene ser ikke planen, etter ungdommens ønske (pasient- og brukerrettighetsloven § 3-4)"))
    return restriction


@transaction.atomic
def parent_access_restriction_lift(*, grant: PersonGrant) -> ParentAccessRestriction:
    """Let the parents see the young person's plan again, at the young person's wish."""
    _restriction_kind(grant)
    actor = grant.require_user()
    restriction = ParentAccessRestriction.objects.active().filter(person=grant.person).first()
    if restriction is None:
        raise ValidationError(_("Foreldrene er ikke holdt utenfor."))
    restriction.lifted_at, restriction.lifted_by = timezone.now(), actor
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    audit_grant(grant=grant, action=Action.UPDATE, resource="parent_access_restriction",
                resource_id=restriction.pk, purpose=_("Foreldrene ser planen igjen, etter ungdommens ønske"))
    return restriction


@transaction.atomic
def child_view_record(*, grant: PersonGrant, words: str, how: str, question: str = "") -> ChildView:
    """Record the child's own view in the child's words, with the question adapted to the child's age."""
    grant.require_serves()
    _require_child(grant)
    actor = grant.require_user()
    if not words.strip():
        raise ValidationError({"words": _("Skriv det barnet sa, med barnets egne ord.")})
    if how not in HowHeard.values:
        raise ValidationError({"how": _("Velg hvordan barnets mening kom fram.")})
    age = grant.person.age()
    band = age_band(age)
    view = ChildView.objects.create(person=grant.person, age_years=age, age_band=band,
                                    question=(question.strip() or str(QUESTIONS[band]))[:300], words=words.strip(),
                                    how=how, recorded_by=actor)
    audit_grant(grant=grant, action=Action.CREATE, resource="child_view", resource_id=view.pk)
    return view
