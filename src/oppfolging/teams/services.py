"""Writes for coordinators, teams, memberships and consent. Each one audited, in one transaction."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import Basis, PersonGrant, StaffGrant
from oppfolging.access.policy import related_person_bases
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import Decision, DecisionOutcome
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, audit_record
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import EditConflict, save_versioned
from oppfolging.meetings.models import Meeting, MeetingStatus
from oppfolging.meetings.services import (
    action_items_follow_coordinator,
    action_items_hand_over,
    meeting_cancel,
    meetings_follow_coordinator,
    meetings_follow_team,
)
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notifications_done, notify
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.plans.history import record_change
from oppfolging.plans.models import ChangeAction, IndividualPlan, PlanStatus
from oppfolging.plans.services import plan_close
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorAssignment,
    CoordinatorProfile,
    CoordinatorWish,
    GivenBy,
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
    Training,
    coordinating_q,
)
from oppfolging.teams.selectors import (
    caseload_of,
    coordinators_of,
    holdings_of,
    pool_users,
    staff_of,
)

TEAM_OUTCOMES = (DecisionOutcome.TEAM, DecisionOutcome.TEAM_WITH_PLAN)


def _audit(grant: PersonGrant, action: str, resource: str, obj: object, purpose: str = "") -> None:
    audit_grant(grant=grant, action=action, resource=resource,
                resource_id=getattr(obj, "pk", ""), purpose=purpose)


def _require_staff_of(grant: StaffGrant, user: User) -> None:
    """Refuse a user who holds no role in the grant's municipality (a foreign id, not a slip)."""
    if not user.role_assignments.filter(municipality=grant.municipality).exists():
        raise PermissionDenied("The user does not work in the municipality.")


@transaction.atomic
def coordinator_profile_save(
    *, grant: StaffGrant, user: User, is_active: bool, max_caseload: int, expected_version: int,
    note: str | None = None,
) -> CoordinatorProfile:
    """Put a user in the municipality's coordinator pool, or update their entry.

    An update based on an older version, or an "add" of someone already in the pool (added by
    another user meanwhile), is refused with EditConflict, never applied over the entry there.
    A note left out is kept as it is.
    """
    grant.require_role(Role.COORDINATING_UNIT)
    _require_staff_of(grant, user)
    if not staff_of(grant.municipality).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Velg en ansatt i kommunen som møter personer.")})
    values = {"is_active": is_active, "max_caseload": max_caseload} | ({} if note is None else {"note": note})
    profile = CoordinatorProfile.objects.filter(user=user, municipality=grant.municipality).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = CoordinatorProfile.objects.create(user=user, municipality=grant.municipality, **values)
        except IntegrityError:  # added by someone else this very moment
            profile = CoordinatorProfile.objects.get(user=user, municipality=grant.municipality)
            raise EditConflict(profile, [name for name, value in values.items()
                                         if getattr(profile, name) != value]) from None
    else:
        for name, value in values.items():
            setattr(profile, name, value)
        save_versioned(profile, expected_version=expected_version, fields=list(values))
    audit_record(actor=grant.user, action=Action.UPDATE, resource="coordinator_pool",
                 resource_id=profile.pk, municipality=grant.municipality, role=Role.COORDINATING_UNIT,
                 purpose=_("Koordinatorpoolen endret"))
    return profile


@transaction.atomic
def training_add(
    *, grant: StaffGrant, user: User, course: str, completed_on: dt.date, provider: str = "",
    hours: int | None = None,
) -> Training:
    """Record a course a coordinator in the municipality has completed."""
    grant.require_role(Role.COORDINATING_UNIT)
    _require_staff_of(grant, user)
    if not pool_users(grant.municipality).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Velg en koordinator i kommunens pool.")})
    training = Training(user=user, course=course, completed_on=completed_on, provider=provider, hours=hours)
    training.full_clean()
    training.save()
    audit_record(actor=grant.user, action=Action.CREATE, resource="training",
                 resource_id=training.pk, municipality=grant.municipality, role=Role.COORDINATING_UNIT,
                 purpose=_("Opplæring registrert"))
    return training


@transaction.atomic
def coordinator_wish_record(
    *,
    grant: PersonGrant,
    stated_by: str,
    wished_user: User | None = None,
    wished_service: Service | None = None,
    text: str = "",
) -> CoordinatorWish:
    """Record the person's wish for a coordinator; it is shown when the unit appoints.

    Staff with write access record what the person said; in «Min plan» only the person, a
    guardian or a parent may state it (see portal.services.coordinator_wish_state).
    """
    grant.require_write()
    if wished_service is not None and wished_service.municipality_id != grant.person.municipality_id:
        raise ValidationError({"wished_service": _("Tjenesten hører til en annen kommune.")})
    if not (wished_user or wished_service or text.strip()):
        raise ValidationError(_("Skriv ønsket, eller velg en person eller tjeneste."))
    wish = CoordinatorWish.objects.create(
        person=grant.person, wished_user=wished_user, wished_service=wished_service,
        text=text.strip(), stated_by=stated_by, recorded_by=grant.user,
    )
    _audit(grant, Action.CREATE, "coordinator_wish", wish)
    return wish


@transaction.atomic
def team_create(*, grant: PersonGrant) -> Team:
    """Form a follow-up team for the person after a decision that calls for one."""
    grant.require_write()
    actor = grant.require_user()
    person = grant.person
    if not Decision.objects.filter(person=person, outcome__in=TEAM_OUTCOMES).exists():
        raise ValidationError(_("Det må være fattet en beslutning om oppfølgingsteam først."))
    if Team.objects.filter(person=person, status=TeamStatus.ACTIVE).exists():
        raise ValidationError(_("Personen har allerede et aktivt oppfølgingsteam."))
    try:
        with transaction.atomic():
            team = Team.objects.create(person=person, created_by=actor)
    except IntegrityError:
        # Someone else formed the team at the same moment: the loser sees theirs.
        raise ValidationError(_("Teamet ble opprettet av noen andre akkurat nå. Se teamet under.")) from None
    TeamMembership.objects.create(
        team=team, kind=MemberKind.PERSON, role_in_team=_("Personen selv"), added_by=actor
    )
    if person.gp is not None:
        TeamMembership.objects.create(
            team=team, user=person.gp, role_in_team=_("Fastlege"),
            is_medically_responsible=True, added_by=actor,
            service=next((a.service for a in person.gp.role_assignments.all()
                          if a.municipality_id == person.municipality_id and a.service), None),
        )
    # The person has one plan: after an ended follow-up, the new team takes it up again.
    plan = IndividualPlan.objects.filter(person=person, status=PlanStatus.CLOSED).first()
    if plan is not None:
        plan.status, plan.team, plan.period_end = PlanStatus.ACTIVE, team, None
        plan.save(update_fields=["status", "team", "period_end"])
        record_change(plan=plan, actor=actor, item=plan, action=ChangeAction.UPDATE,
                      summary=_("Planen er tatt i bruk igjen med et nytt team"))
    _audit(grant, Action.CREATE, "team", team)
    return team


@transaction.atomic
def coordinator_appoint(
    *,
    grant: PersonGrant,
    team: Team,
    coordinator: User,
    handover_note: str = "",
    starts_on: dt.date | None = None,
    overloaded_ok: bool = False,
) -> CoordinatorAssignment:
    """Appoint the team's coordinator, or hand the team over to a new one from a date.

    At a handover the outgoing coordinator keeps their part for HANDOVER_OVERLAP_DAYS after the
    new one starts, so both see the person in between; the outgoing coordinator (or the unit)
    writes the handover note, now or later, and the incoming one is asked to read it. Planned
    meetings move to the new coordinator, and so do the outgoing one's open action items (unless
    they stay in the team as a member). A coordinator over their caseload is appointed only
    when the unit confirms it knows.
    """
    grant.require_write()
    grant.require_owns(team)
    actor = grant.require_user()
    if not pool_users(grant.person.municipality_id).filter(pk=coordinator.pk).exists():
        raise ValidationError({"coordinator": _("Velg en koordinator i kommunens pool.")})
    today = timezone.localdate()
    if starts_on is not None and not today <= starts_on <= today + dt.timedelta(days=365):
        raise ValidationError({"starts_on": _("Overføringen kan starte i dag eller senere, innen et år.")})
    now = timezone.now()
    start = now if starts_on is None or starts_on <= today else timezone.make_aware(
        dt.datetime.combine(starts_on, dt.time.min))
    count, ceiling = caseload_of(coordinator, grant.person.municipality_id)
    if ceiling is not None and count >= ceiling and not overloaded_ok:
        raise ValidationError({"coordinator": ValidationError(
            _("%(name)s koordinerer allerede %(count)s personer, og grensen er %(ceiling)s. "
              "Kryss av for at du vet dette, eller velg en annen."),
            code="overloaded", params={"name": coordinator.full_name, "count": count, "ceiling": ceiling})})
    current = team.coordinator_assignments.filter(ended_at__isnull=True).select_for_update().first()
    if current is not None:
        if current.coordinator_id == coordinator.pk:
            raise ValidationError(_("Dette er allerede teamets koordinator."))
        current.ended_at = max(start, now) + dt.timedelta(days=settings.HANDOVER_OVERLAP_DAYS)
        current.save(update_fields=["ended_at"])
    wish = CoordinatorWish.objects.filter(person=team.person).first()
    note = handover_note.strip()
    try:
        with transaction.atomic():
            assignment = CoordinatorAssignment.objects.create(
                team=team, coordinator=coordinator, started_at=start, appointed_by=actor,
                handover_note=note, handover_note_by=actor if note else None,
                handover_note_at=now if note else None,
                wish_met=wish.is_met_by(coordinator) if wish else None,
            )
    except IntegrityError:
        # Someone else appointed a coordinator at the same moment.
        raise ValidationError(_("Teamet fikk en ny koordinator akkurat nå. Se teamet før du prøver igjen.")) from None
    team_url = reverse("teams:person_team", args=[team.person_id])
    if current is not None:
        if note:
            _ask_to_read_handover(assignment)
        elif current.coordinator != actor:
            notify(kind=Kind.HANDOVER_TO_WRITE, key=f"handover-write:{assignment.pk}",
                   recipient=Recipient(user=current.coordinator), person=team.person, url=team_url,
                   subject=assignment)
    _tell_person_and_next_of_kin(team.person, kind=Kind.COORDINATOR_CHANGED, key=f"coordinator:{assignment.pk}",
                                 subject=assignment, event_at=assignment.started_at)
    meetings_follow_coordinator(grant=grant, team=team, since=start)
    if current is not None:
        action_items_follow_coordinator(grant=grant, team=team, outgoing=current.coordinator, incoming=coordinator)
    _audit(grant, Action.CREATE, "coordinator_assignment", assignment,
           _("Koordinator oppnevnt: %(name)s") % {"name": coordinator.full_name})
    return assignment


def _ask_to_read_handover(assignment: CoordinatorAssignment) -> None:
    notify(kind=Kind.HANDOVER, key=f"handover:{assignment.pk}", recipient=Recipient(user=assignment.coordinator),
           person=assignment.team.person, subject=assignment,
           url=reverse("teams:person_team", args=[assignment.team.person_id]) + "#handover")


def _tell_person_and_next_of_kin(person: Person, *, kind: str, key: str, subject: models.Model,
                                 event_at: dt.datetime | None = None) -> None:
    """Tell the person, and the next of kin who take part, of a change to their team («Min plan»'s team page)."""
    url = reverse("portal:team", args=[person.pk])
    taking_part = related_person_bases(person)
    recipients = [Recipient(person=person)] + [
        Recipient(related=related) for related in person.related_persons.all() if related.pk in taking_part]
    for recipient in recipients:
        notify(kind=kind, key=key, recipient=recipient, person=person, url=url, subject=subject, event_at=event_at)


@transaction.atomic
def handover_note_save(
    *, grant: PersonGrant, assignment: CoordinatorAssignment, note: str, expected_version: int
) -> CoordinatorAssignment:
    """Write the handover note: the outgoing coordinator, or the coordinating unit.

    The incoming coordinator is then asked, in their inbox, to read it. A save based on an older
    version of the note (the unit and the outgoing coordinator writing at once) is refused with
    EditConflict, never applied over the other's text.
    """
    grant.require_write()
    grant.require_owns(assignment)
    actor = grant.require_user()
    outgoing = assignment.team.coordinator_assignments.filter(
        started_at__lt=assignment.started_at).order_by("-started_at").first()
    if grant.basis != Basis.COORDINATING_UNIT and (outgoing is None or outgoing.coordinator_id != actor.pk):
        raise PermissionDenied("Only the outgoing coordinator or the unit writes the handover note.")
    if not note.strip():
        raise ValidationError({"note": _("Skriv hva den nye koordinatoren må vite.")})
    assignment = CoordinatorAssignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.handover_note, assignment.handover_note_by, assignment.handover_note_at = note.strip(), actor, timezone.now()
    assignment.handover_read_at = None
    save_versioned(assignment, expected_version=expected_version,
                   fields=["handover_note", "handover_note_by", "handover_note_at", "handover_read_at"])
    notifications_done(subject=assignment, kinds=(Kind.HANDOVER_TO_WRITE,))
    _ask_to_read_handover(assignment)
    _audit(grant, Action.UPDATE, "coordinator_assignment", assignment, _("Overføringsnotat skrevet"))
    return assignment


@transaction.atomic
def handover_acknowledge(*, grant: PersonGrant, assignment: CoordinatorAssignment) -> CoordinatorAssignment:
    """Record that the incoming coordinator has read the handover note."""
    grant.require_owns(assignment)
    actor = grant.require_user()
    if assignment.coordinator_id != actor.pk:
        raise PermissionDenied("Only the incoming coordinator acknowledges the handover.")
    if not assignment.handover_note:
        raise ValidationError(_("Det er ikke skrevet noe overføringsnotat ennå."))
    if assignment.handover_read_at is None:
        assignment.handover_read_at = timezone.now()
        assignment.save(update_fields=["handover_read_at"])
    notifications_done(subject=assignment, kinds=(Kind.HANDOVER,))
    _audit(grant, Action.UPDATE, "coordinator_assignment", assignment, _("Overføringsnotat lest"))
    return assignment


@transaction.atomic
def membership_add(
    *,
    grant: PersonGrant,
    team: Team,
    kind: str = MemberKind.PROFESSIONAL,
    user: User | None = None,
    service: Service | None = None,
    related_person: RelatedPerson | None = None,
    role_in_team: str = "",
    is_medically_responsible: bool = False,
    joined_on: dt.date | None = None,
) -> TeamMembership:
    """Add a member to the team: a professional from a service, or a next of kin.

    The member is invited to the team's planned meetings from the day they join, and told at once
    of those whose invitation has already gone out.
    """
    grant.require_write()
    grant.require_owns(team, related_person)
    actor = grant.require_user()
    if kind == MemberKind.PROFESSIONAL and service is None:
        raise ValidationError({"service": _("Velg tjenesten medlemmet kommer fra.")})
    if kind == MemberKind.NEXT_OF_KIN:
        if related_person is None or related_person.person_id != team.person_id:
            raise ValidationError({"related_person": _("Velg en av personens pårørende.")})
        if not Consent.objects.active().filter(
            person=team.person, scope=ConsentScope.NEXT_OF_KIN, related_person=related_person
        ).exists():
            raise ValidationError(
                _("Personen har ikke samtykket til at denne pårørende deltar i teamet.")
            )
    if service is not None and service.municipality_id != team.person.municipality_id:
        raise ValidationError({"service": _("Tjenesten hører til en annen kommune.")})
    if user is not None and not staff_of(team.person.municipality_id).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Velg en ansatt i kommunen som møter personer.")})
    membership = TeamMembership(
        team=team, kind=kind, user=user, service=service, related_person=related_person,
        role_in_team=role_in_team, is_medically_responsible=is_medically_responsible,
        joined_on=joined_on or timezone.localdate(), added_by=actor,
    )
    membership.full_clean()
    membership.save()
    meetings_follow_team(grant=grant, team=team)
    _audit(grant, Action.CREATE, "team_membership", membership,
           _("Med i teamet: %(name)s") % {"name": membership.display_name})
    return membership


@transaction.atomic
def membership_end(
    *, grant: PersonGrant, membership: TeamMembership, left_on: dt.date | None = None
) -> TeamMembership:
    """End a membership; from that day the member no longer sees the person.

    The member is withdrawn from the planned meetings from that day on, and gets a cancellation
    for their calendar of those whose invitation had reached them. Their open action items pass
    to the coordinator, who is told.
    """
    grant.require_write()
    grant.require_owns(membership)
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ValidationError(_("Sluttdatoen kan ikke være før medlemmet ble med."))
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    meetings_follow_team(grant=grant, team=membership.team)
    action_items_hand_over(grant=grant, membership=membership)
    _audit(grant, Action.UPDATE, "team_membership", membership,
           _("Sluttet i teamet: %(name)s") % {"name": membership.display_name})
    return membership


@transaction.atomic
def consent_record(
    *,
    grant: PersonGrant,
    scope: str,
    given_by: str,
    method: str,
    service: Service | None = None,
    related_person: RelatedPerson | None = None,
    given_by_related: RelatedPerson | None = None,
    valid_until: dt.date | None = None,
    note: str = "",
) -> Consent:
    """Record a consent the person (or their guardian) gave.

    Staff with write access record it; in «Min plan» the person, a guardian or a parent give it
    themselves (their grant comes from PortalGrant.as_person_grant after its own check).
    """
    grant.require_consent_right()
    grant.require_owns(related_person, given_by_related)
    person = grant.person
    if given_by == GivenBy.GUARDIAN:
        may_consent = given_by_related is not None and given_by_related.person_id == person.pk and (
            given_by_related.is_guardian or (given_by_related.has_parental_responsibility and person.is_child)
        )
        if not may_consent:
            raise ValidationError({"given_by_related": _("Velg vergen eller den foresatte som samtykket.")})
    if related_person is not None and related_person.person_id != person.pk:
        raise ValidationError({"related_person": _("Velg en av personens pårørende.")})
    if service is not None and service.municipality_id != person.municipality_id:
        raise ValidationError({"service": _("Tjenesten hører til en annen kommune.")})
    consent = Consent(
        person=person, scope=scope, service=service if scope == ConsentScope.SHARE_WITH_SERVICE else None,
        related_person=related_person if scope == ConsentScope.NEXT_OF_KIN else None,
        given_by=given_by, given_by_related=given_by_related, method=method,
        valid_until=valid_until, note=note, recorded_by=grant.user,
    )
    consent.full_clean()
    consent.save()
    _notify_consent(grant, consent, Kind.CONSENT_GIVEN)
    _audit(grant, Action.CREATE, "consent", consent, consent.get_scope_display())
    return consent


def _notify_consent(grant: PersonGrant, consent: Consent, kind: str) -> None:
    """Tell the person's coordinator that a consent changed, unless they changed it themself."""
    for coordinator in coordinators_of(grant.person):
        if coordinator != grant.user:
            notify(kind=kind, key=f"{kind}:{consent.pk}", recipient=Recipient(user=coordinator),
                   person=grant.person, subject=consent, url=reverse("teams:person_team", args=[grant.person.pk]))


@transaction.atomic
def consent_withdraw(*, grant: PersonGrant, consent: Consent, note: str = "") -> Consent:
    """Withdraw a consent; it takes effect at once for everyone it covered."""
    grant.require_consent_right()
    grant.require_owns(consent)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("Samtykket er allerede trukket tilbake."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = grant.user
    consent.withdrawal_note = note
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    _notify_consent(grant, consent, Kind.CONSENT_WITHDRAWN)
    _audit(grant, Action.UPDATE, "consent", consent,
           _("Samtykke trukket: %(scope)s") % {"scope": consent.get_scope_display()})
    return consent


def _may_close(grant: PersonGrant) -> None:
    """Ending or reopening the follow-up is the coordinating unit's or the coordinator's."""
    grant.require_write()
    if grant.basis not in (Basis.COORDINATING_UNIT, Basis.COORDINATOR):
        raise PermissionDenied("Only the coordinating unit or the coordinator ends the follow-up.")


@transaction.atomic
def team_close(*, grant: PersonGrant, team: Team, reason: str, close_plan: bool, expected_version: int) -> Team:
    """End the follow-up: the team closes, and everyone who took part hears of it.

    Planned meetings are cancelled (those who got the invitation get the cancellation for their
    calendar; a past one not yet recorded stays as it is, to be recorded), members and coordinators
    stop seeing the person from now, and the person and the
    next of kin who take part are told. Open action items stay as they were, in the history, and
    nobody is reminded of them. The plan is closed too when asked; it stays readable to the person.
    Nothing is deleted: `team_reopen` undoes it.
    """
    _may_close(grant)
    grant.require_owns(team)
    actor = grant.require_user()
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor oppfølgingen avsluttes.")})
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.status != TeamStatus.ACTIVE:
        raise ValidationError(_("Teamet er allerede avsluttet."))
    if team.version != expected_version:
        raise EditConflict(team, ["status"])
    now = timezone.now()
    today = timezone.localdate()
    cancel_reason = _("Oppfølgingsteamet er avsluttet.")
    for meeting in Meeting.objects.filter(team=team, status=MeetingStatus.PLANNED, starts_at__gte=now).select_related(
            "team__person"):
        meeting_cancel(grant=grant, meeting=meeting, reason=cancel_reason)
    told: dict[int, User] = {}
    for assignment in team.coordinator_assignments.filter(coordinating_q(at=now) | Q(started_at__gt=now)).select_related(
            "coordinator"):
        told[assignment.coordinator_id] = assignment.coordinator
        assignment.ended_at = max(now, assignment.started_at)
        assignment.save(update_fields=["ended_at"])
    for membership in team.memberships.filter(Q(left_on__isnull=True) | Q(left_on__gt=today)).select_related("user"):
        if membership.user is not None and membership.kind == MemberKind.PROFESSIONAL:
            told[membership.user.pk] = membership.user
        membership.left_on = max(today, membership.joined_on)
        membership.save(update_fields=["left_on"])
    team.status, team.closed_at, team.close_reason = TeamStatus.CLOSED, now, reason.strip()
    save_versioned(team, expected_version=expected_version, fields=["status", "closed_at", "close_reason"])
    plan = IndividualPlan.objects.filter(person=team.person, status=PlanStatus.ACTIVE).first()
    if close_plan and plan is not None:
        plan_close(grant=grant, plan=plan, reason=reason.strip())
    _tell_of_the_close(team, told=[user for user in told.values() if user != actor])
    _audit(grant, Action.UPDATE, "team", team, _("Oppfølgingen er avsluttet"))
    return team


def _tell_of_the_close(team: Team, *, told: list[User]) -> None:
    """Tell the person, the next of kin who take part and the team's staff that the team has ended."""
    person = team.person
    key = f"team-closed:{team.pk}:{team.version}"
    _tell_person_and_next_of_kin(person, kind=Kind.TEAM_CLOSED, key=key, subject=team)
    for user in told:
        # They no longer see the person: the link goes to their own inbox, where the item says whose team it was.
        notify(kind=Kind.TEAM_CLOSED, key=key, recipient=Recipient(user=user), person=person,
               url=reverse("notifications:inbox"), subject=team)


@transaction.atomic
def team_reopen(*, grant: PersonGrant, team: Team) -> Team:
    """Undo an ended follow-up: the team, its members and coordinator as they were at the close.

    Meetings cancelled at the close stay cancelled (their invitees were told); a new one is planned.
    The plan is reopened if it was closed with the team.
    """
    _may_close(grant)
    grant.require_owns(team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.status != TeamStatus.CLOSED or team.closed_at is None:
        raise ValidationError(_("Teamet er ikke avsluttet."))
    if Team.objects.filter(person=team.person, status=TeamStatus.ACTIVE).exists():
        raise ValidationError(_("Personen har allerede et aktivt oppfølgingsteam."))
    closed_at = team.closed_at
    # The coordinator goes on; one still handing over at the close has handed over.
    latest = team.coordinator_assignments.filter(ended_at=closed_at).order_by("-started_at").first()
    if latest is not None:
        CoordinatorAssignment.objects.filter(pk=latest.pk).update(ended_at=None)
    closed_on = timezone.localtime(closed_at).date()
    # Those who left at the close: today's members, and those who were to join later (left as they joined).
    team.memberships.filter(Q(left_on=closed_on) | Q(left_on=F("joined_on"), joined_on__gt=closed_on)).update(
        left_on=None)
    team.status, team.closed_at, team.close_reason = TeamStatus.ACTIVE, None, ""
    try:
        with transaction.atomic():
            save_versioned(team, expected_version=team.version, fields=["status", "closed_at", "close_reason"])
    except IntegrityError:
        raise ValidationError(_("Personen har allerede et aktivt oppfølgingsteam.")) from None
    plan = IndividualPlan.objects.filter(person=team.person, status=PlanStatus.CLOSED).first()
    if plan is not None and plan.changes.filter(action=ChangeAction.CLOSE, at__gte=closed_at).exists():
        plan.status = PlanStatus.ACTIVE
        if plan.period_end == timezone.localtime(closed_at).date():
            plan.period_end = None
        plan.save(update_fields=["status", "period_end"])
        record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.UPDATE,
                      summary=_("Planen er tatt i bruk igjen"))
    _audit(grant, Action.UPDATE, "team", team, _("Oppfølgingen er tatt opp igjen"))
    return team


@transaction.atomic
def staff_member_leave(*, grant: StaffGrant, user: User) -> list[str]:
    """End a staff member's part in the municipality: their roles, and their places in teams.

    Whatever only they hold (a person they coordinate, a report of need assigned to them) must
    first be handed to someone by name, so the leaving is refused until it is. Their places in
    teams end today as `membership_end` ends them: they are withdrawn from planned meetings, their
    open action items pass to the coordinator, and the coordinator is told to give their measures
    to someone else. The system does this under its own grant for each person, since the
    administrator does not serve them. The account is switched off when no municipality is left.
    Nothing they wrote is touched. Returns the roles that ended.
    """
    grant.require_role(Role.ADMINISTRATOR)
    actor = grant.user
    if user.pk == actor.pk:
        raise ValidationError(_("Du kan ikke avslutte din egen tilgang. Be en annen administrator."))
    municipality = grant.municipality
    assignments = RoleAssignment.objects.select_for_update().filter(user=user, municipality=municipality)
    roles = [str(Role(role).label) for role in assignments.values_list("role", flat=True)]
    if not roles:
        raise ValidationError(_("%(name)s har ingen roller i kommunen.") % {"name": user.full_name})
    holdings = holdings_of(user, municipality)
    if holdings.must_hand_over_first:
        raise ValidationError(_("%(name)s er fortsatt koordinator eller har meldinger om behov til behandling. "
                                "Koordinerende enhet må gi dem til andre først.") % {"name": user.full_name})
    today = timezone.localdate()
    for membership in holdings.memberships:
        membership.left_on = max(today, membership.joined_on)
        membership.save(update_fields=["left_on"])
        team, person = membership.team, membership.team.person
        on_behalf = PersonGrant.system(person)
        meetings_follow_team(grant=on_behalf, team=team)
        action_items_hand_over(grant=on_behalf, membership=membership)
        current = team.current_coordinator_assignment
        if current is not None:
            notify(kind=Kind.MEMBER_LEFT, key=f"member-left:{membership.pk}", recipient=Recipient(user=current.coordinator),
                   person=person, url=reverse("teams:person_team", args=[person.pk]), subject=membership)
        audit_record(actor=actor, action=Action.UPDATE, resource="team_membership", resource_id=membership.pk,
                     person=person, municipality=municipality,
                     purpose=_("Sluttet i teamet fordi vedkommende sluttet i kommunen: %(name)s") % {"name": user.full_name})
    assignments.delete()
    if not RoleAssignment.objects.filter(user=user).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit_record(actor=actor, action=Action.DELETE, resource="role_assignment", resource_id=user.pk,
                 municipality=municipality,
                 purpose=_("Sluttet i kommunen: %(name)s (%(roles)s)") % {"name": user.full_name, "roles": ", ".join(roles)})
    return roles
