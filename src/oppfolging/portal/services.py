"""What the person and next of kin do in «Min plan». Each write is logged like any other."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import Basis, PersonGrant, PortalGrant
from oppfolging.access.policy import related_person_bases
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import (
    Recipient,
    notifications_done,
    notifications_done_for_person,
    notify,
)
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.people.services import portal_links_sync
from oppfolging.plans.history import record_change, snapshot
from oppfolging.plans.models import ChangeAction, IndividualPlan
from oppfolging.plans.services import goal_create
from oppfolging.portal.models import (
    CitizenAccount,
    GoalProposal,
    Message,
    ProposalStatus,
    ProposerKind,
    PsfsSelfScore,
    SenderKind,
)
from oppfolging.teams.models import CoordinatorWish, WishKind
from oppfolging.teams.selectors import coordinators_of, staff_of


def _notify_coordinators(person: Person, *, kind: str, key: str, subject: models.Model, url: str) -> None:
    """Tell the person's coordinator (or the unit, for a team without one) that something waits."""
    for coordinator in coordinators_of(person):
        notify(kind=kind, key=key, recipient=Recipient(user=coordinator), person=person, url=url, subject=subject)


def _audit(grant: PortalGrant, action: str, resource: str, item: object) -> None:
    audit_grant(grant=grant.as_person_grant(), action=action, resource=resource,
                resource_id=getattr(item, "pk", ""))


@transaction.atomic
def notice_channels_save(
    *, grant: PortalGrant, notify_email: bool, email: str, notify_sms: bool, phone: str, expected_version: int
) -> Person | RelatedPerson:
    """Save how the reader is told that something waits: by e-mail, by SMS, or (with neither) a letter.

    Each reader chooses for themself: the person on their own record, a next of kin on theirs.
    The messages never carry health information, only that something waits and a link. The
    record's version is the one the page was opened on: a save after someone else changed the
    record (staff correcting the address, the reader in another tab) is refused with EditConflict.
    """
    who: Person | RelatedPerson | None = grant.person if grant.is_self else grant.related_person
    if who is None:
        raise PermissionDenied("Only the person or a next of kin chooses their own channels.")
    grant.require_owns(who)
    errors = {}
    if notify_email and not email.strip():
        errors["email"] = _("Skriv e-postadressen du vil få beskjed på.")
    if notify_sms and not phone.strip():
        errors["phone"] = _("Skriv mobilnummeret du vil få beskjed på.")
    if errors:
        raise ValidationError(errors)
    who.notify_email, who.email, who.notify_sms, who.phone = notify_email, email.strip(), notify_sms, phone.strip()
    who.full_clean()
    save_versioned(who, expected_version=expected_version, fields=["notify_email", "email", "notify_sms", "phone"])
    _audit(grant, Action.UPDATE, "notice_channels", who)
    return who


@transaction.atomic
def what_matters_save(*, grant: PortalGrant, text: str, expected_version: int) -> IndividualPlan:
    """Write or change «what matters to me» in the person's own plan.

    `expected_version` is the plan's version the page was opened on: a save on a plan someone has
    changed since is refused with EditConflict, as a staff save of the plan is.
    """
    grant.require_self()
    plan = IndividualPlan.objects.select_for_update().filter(person=grant.person).first()
    if plan is None:
        raise ValidationError(_("Du har ikke en individuell plan ennå. Skriv til koordinatoren din."))
    before = snapshot(plan)
    plan.what_matters = text.strip()
    save_versioned(plan, expected_version=expected_version, fields=["what_matters"])
    record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.UPDATE,
                  summary=_("Personen skrev hva som er viktig"), before=before)
    _audit(grant, Action.UPDATE, "individual_plan", plan)
    return plan


@transaction.atomic
def goal_propose(*, grant: PortalGrant, text: str) -> GoalProposal:
    """Send a goal in the person's own words to the coordinator."""
    if not text.strip():
        raise ValidationError({"text": _("Skriv målet.")})
    proposal = GoalProposal.objects.create(
        person=grant.person, text=text.strip(),
        proposed_by_kind=ProposerKind.PERSON if grant.is_self else ProposerKind.NEXT_OF_KIN,
        proposed_by_related=grant.related_person,
    )
    _notify_coordinators(grant.person, kind=Kind.GOAL_PROPOSAL, key=f"goal-proposal:{proposal.pk}",
                         subject=proposal, url=reverse("plans:detail", args=[grant.person.pk]) + "#proposals")
    _audit(grant, Action.CREATE, "goal_proposal", proposal)
    return proposal


@transaction.atomic
def goal_proposal_accept(
    *, grant: PersonGrant, proposal: GoalProposal, next_evaluation_on: dt.date
) -> GoalProposal:
    """Take a proposed goal into the plan, with the person (or next of kin) as its author."""
    grant.require_write()
    grant.require_owns(proposal)
    actor = grant.require_user()
    plan = IndividualPlan.objects.filter(person=proposal.person).first()
    if plan is None:
        raise ValidationError(_("Personen har ikke individuell plan."))
    proposal = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("Forslaget er allerede behandlet."))
    goal = goal_create(
        grant=grant, plan=plan, text=proposal.text,
        author_kind=proposal.proposed_by_kind, author_related=proposal.proposed_by_related,
        next_evaluation_on=next_evaluation_on,
    )
    proposal.status, proposal.goal = ProposalStatus.ACCEPTED, goal
    proposal.handled_by, proposal.handled_at = actor, timezone.now()
    proposal.save(update_fields=["status", "goal", "handled_by", "handled_at"])
    notifications_done(subject=proposal)
    return proposal


@transaction.atomic
def goal_proposal_decline(*, grant: PersonGrant, proposal: GoalProposal, reply: str) -> GoalProposal:
    """Answer a proposal without taking it into the plan, saying why."""
    grant.require_write()
    grant.require_owns(proposal)
    actor = grant.require_user()
    proposal = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("Forslaget er allerede behandlet."))
    if not reply.strip():
        raise ValidationError({"reply": _("Skriv et svar til personen.")})
    proposal.status, proposal.reply = ProposalStatus.DECLINED, reply.strip()
    proposal.handled_by, proposal.handled_at = actor, timezone.now()
    proposal.save(update_fields=["status", "reply", "handled_by", "handled_at"])
    notifications_done(subject=proposal)
    audit_grant(grant=grant, action=Action.UPDATE, resource="goal_proposal", resource_id=proposal.pk)
    return proposal


@transaction.atomic
def psfs_self_score(*, grant: PortalGrant, scores: dict[str, int]) -> list[PsfsSelfScore]:
    """Record the person's own scores of their PSFS activities between meetings.

    A next of kin never scores as if they were the person. A guardian, a parent of a child, or a
    next of kin the person explicitly asked to may score on the person's behalf; such proxy scores
    are labelled with who scored and kept apart from self-scores.
    """
    if not grant.may_score_psfs:
        raise PermissionDenied("Only the person, or someone allowed to score on their behalf, scores PSFS.")
    if not scores:
        raise ValidationError(_("Gi minst én aktivitet en skår."))
    if any(not 0 <= s <= 10 for s in scores.values()):
        raise ValidationError(_("Skåren er fra 0 til 10."))
    rows = [PsfsSelfScore.objects.create(person=grant.person, activity=a[:200], score=s,
                                         scored_by_kind=grant.psfs_scorer)
            for a, s in scores.items()]
    _audit(grant, Action.CREATE, "psfs_self_score", rows[0])
    return rows


@transaction.atomic
def coordinator_wish_state(*, grant: PortalGrant, text: str, wished_user: User | None = None) -> CoordinatorWish:
    """Record who the person wishes as coordinator, in their own words.

    Only the person, a guardian or a parent of a child states the person's wish; a next of kin
    on the person's consent takes part, but does not speak for the person.
    """
    grant.require_speaks_for_person()
    if wished_user is not None and not staff_of(grant.person.municipality_id).filter(pk=wished_user.pk).exists():
        raise ValidationError({"wished_user": _("Velg en ansatt i kommunen.")})
    if not (text.strip() or wished_user):
        raise ValidationError({"text": _("Skriv hvem du ønsker, eller hvorfor.")})
    wish = CoordinatorWish.objects.create(
        person=grant.person, wished_user=wished_user, text=text.strip(),
        stated_by=WishKind.PERSON if grant.is_self else WishKind.NEXT_OF_KIN, recorded_by=grant.user,
    )
    _audit(grant, Action.CREATE, "coordinator_wish", wish)
    return wish


@transaction.atomic
def message_send(*, grant: PersonGrant, body: str) -> Message:
    """Send a message in the person's thread; it is part of the person's record and logged.

    The person and next of kin write from «Min plan»; of the staff, those who serve the person.
    A message from the team is told to everyone who reads the thread: the person, and each next
    of kin who takes part now (often the one who asked), each by their own channels.
    """
    if not grant.is_portal:
        grant.require_serves()
    user = grant.require_user()
    if not body.strip():
        raise ValidationError({"body": _("Skriv en melding.")})
    sender_kind = {Basis.PERSON_SELF: SenderKind.PERSON, Basis.NEXT_OF_KIN: SenderKind.NEXT_OF_KIN}.get(
        grant.basis, SenderKind.PROFESSIONAL)
    message = Message.objects.create(person=grant.person, sender_user=user,
                                     sender_kind=sender_kind, body=body.strip())
    if grant.is_portal:
        _notify_coordinators(grant.person, kind=Kind.MESSAGE, key=f"message:{message.pk}", subject=message,
                             url=reverse("portal:staff_messages", args=[grant.person.pk]))
    else:
        url = reverse("portal:messages", args=[grant.person.pk])
        readers = [Recipient(person=grant.person)] + [
            Recipient(related=related) for related in grant.person.related_persons.filter(
                pk__in=list(related_person_bases(grant.person))).order_by("pk")]
        for reader in readers:
            notify(kind=Kind.MESSAGE_FROM_TEAM, key=f"message:{message.pk}", recipient=reader,
                   person=grant.person, url=url, subject=message)
    audit_grant(grant=grant, action=Action.CREATE, resource="message", resource_id=message.pk)
    return message


def messages_mark_read(*, grant: PersonGrant) -> None:
    """Mark the other side's messages as read: the team's for the person and next of kin."""
    now = timezone.now()
    if grant.is_portal:
        Message.objects.filter(person=grant.person, sender_kind=SenderKind.PROFESSIONAL,
                               read_by_person_at__isnull=True).update(read_by_person_at=now)
    else:
        grant.require_serves()
        Message.objects.filter(person=grant.person, read_by_team_at__isnull=True).exclude(
            sender_kind=SenderKind.PROFESSIONAL).update(read_by_team_at=now)
        notifications_done_for_person(user=grant.require_user(), person=grant.person, kinds=(Kind.MESSAGE,))


def username_for(pid: str) -> str:
    """Return a stable user name that does not reveal the identity number."""
    return "idporten-" + hashlib.sha256(pid.encode()).hexdigest()[:20]


@transaction.atomic
def citizen_account_sign_in(*, pid: str, user: User | None) -> User | None:
    """Sign a citizen in by the identity number ID-porten vouched for; None when refused.

    `user` is the account already bound to `pid`, or None to make one. Refused (None) while the
    register knows no person or related person with the number, or for a deactivated account.
    A new account is bound to the number for good (`CitizenAccount`); the register's account
    links are brought in step with it (`people.services.portal_links_sync`).
    """
    source = (Person.objects.filter(identity_number=pid).first()
              or RelatedPerson.objects.filter(identity_number=pid).first())
    if source is None:
        return None
    if user is None:
        account = CitizenAccount.objects.filter(identity_number=pid).select_related("user").first()
        if account is not None:
            return None  # the caller looks the bound account up first; never a second one
        username = username_for(pid)
        user = User.objects.filter(username=username, citizen_account__isnull=True).first()
        if user is None:
            user = User.objects.create(username=username, first_name=source.given_name,
                                       last_name=source.family_name)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        CitizenAccount.objects.create(user=user, identity_number=pid)
    elif not CitizenAccount.objects.filter(user=user, identity_number=pid).exists():
        return None
    if not user.is_active:
        return None
    CitizenAccount.objects.filter(user=user).update(last_sign_in_at=timezone.now())
    portal_links_sync(identity_number=pid)
    return user
