"""What the person and next of kin do in «Min plan». Each write is logged like any other."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.policy import PersonGrant, PortalGrant
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.plans.history import record_change, snapshot
from oppfolging.plans.models import IndividualPlan
from oppfolging.portal.models import GoalProposal, Message, ProposalStatus, PsfsSelfScore
from oppfolging.teams.models import CoordinatorWish


def _audit(grant: PortalGrant, user: User, action: str, resource: str, item: object) -> None:
    audit_grant(grant=grant.as_person_grant(), actor=user, action=action, resource=resource,
                resource_id=getattr(item, "pk", ""))


@transaction.atomic
def what_matters_save(*, grant: PortalGrant, user: User, text: str) -> IndividualPlan:
    """Write or change «what matters to me» in the person's own plan."""
    if not grant.is_self:
        raise PermissionDenied
    plan = IndividualPlan.objects.select_for_update().filter(person=grant.person).first()
    if plan is None:
        raise ValidationError(_("Du har ikke en individuell plan ennå. Skriv til koordinatoren din."))
    before = snapshot(plan)
    plan.what_matters = text.strip()
    plan.version += 1
    plan.save(update_fields=["what_matters", "version"])
    record_change(plan=plan, actor=user, item=plan, action="update",
                  summary=_("Personen skrev hva som er viktig"), before=before)
    _audit(grant, user, Action.UPDATE, "individual_plan", plan)
    return plan


@transaction.atomic
def goal_propose(*, grant: PortalGrant, user: User, text: str) -> GoalProposal:
    """Send a goal in the person's own words to the coordinator."""
    if not text.strip():
        raise ValidationError({"text": _("Skriv målet.")})
    proposal = GoalProposal.objects.create(
        person=grant.person, text=text.strip(), proposed_by_kind=grant.actor_kind,
        proposed_by_related=grant.related_person,
    )
    _audit(grant, user, Action.CREATE, "goal_proposal", proposal)
    return proposal


@transaction.atomic
def goal_proposal_accept(
    *, grant: PersonGrant, actor: User, proposal: GoalProposal, next_evaluation_on: dt.date
) -> GoalProposal:
    """Take a proposed goal into the plan, with the person (or next of kin) as its author."""
    from oppfolging.plans.services import goal_create

    plan = IndividualPlan.objects.filter(person=proposal.person).first()
    if plan is None:
        raise ValidationError(_("Personen har ikke individuell plan."))
    proposal = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("Forslaget er allerede behandlet."))
    goal = goal_create(
        grant=grant, actor=actor, plan=plan, text=proposal.text,
        author_kind=proposal.proposed_by_kind, author_related=proposal.proposed_by_related,
        next_evaluation_on=next_evaluation_on,
    )
    proposal.status, proposal.goal = ProposalStatus.ACCEPTED, goal
    proposal.handled_by, proposal.handled_at = actor, timezone.now()
    proposal.save(update_fields=["status", "goal", "handled_by", "handled_at"])
    return proposal


@transaction.atomic
def goal_proposal_decline(*, grant: PersonGrant, actor: User, proposal: GoalProposal, reply: str) -> GoalProposal:
    """Answer a proposal without taking it into the plan, saying why."""
    if not reply.strip():
        raise ValidationError({"reply": _("Skriv et svar til personen.")})
    proposal.status, proposal.reply = ProposalStatus.DECLINED, reply.strip()
    proposal.handled_by, proposal.handled_at = actor, timezone.now()
    proposal.save(update_fields=["status", "reply", "handled_by", "handled_at"])
    audit_grant(grant=grant, actor=actor, action=Action.UPDATE, resource="goal_proposal", resource_id=proposal.pk)
    return proposal


@transaction.atomic
def psfs_self_score(*, grant: PortalGrant, user: User, scores: dict[str, int]) -> list[PsfsSelfScore]:
    """Record the person's own scores of their PSFS activities between meetings."""
    if not scores:
        raise ValidationError(_("Gi minst én aktivitet en skår."))
    if any(not 0 <= s <= 10 for s in scores.values()):
        raise ValidationError(_("Skåren er fra 0 til 10."))
    rows = [PsfsSelfScore.objects.create(person=grant.person, activity=a[:200], score=s,
                                         scored_by_kind=grant.actor_kind) for a, s in scores.items()]
    _audit(grant, user, Action.CREATE, "psfs_self_score", rows[0])
    return rows


@transaction.atomic
def coordinator_wish_state(*, grant: PortalGrant, user: User, text: str, wished_user: User | None = None) -> CoordinatorWish:
    """Record who the person wishes as coordinator, in their own words."""
    if not (text.strip() or wished_user):
        raise ValidationError({"text": _("Skriv hvem du ønsker, eller hvorfor.")})
    wish = CoordinatorWish.objects.create(
        person=grant.person, wished_user=wished_user, text=text.strip(),
        stated_by="person" if grant.is_self else "next_of_kin", recorded_by=user,
    )
    _audit(grant, user, Action.CREATE, "coordinator_wish", wish)
    return wish


@transaction.atomic
def message_send(*, person_grant: PersonGrant, user: User, sender_kind: str, body: str) -> Message:
    """Send a message in the person's thread; it is part of the person's record and logged."""
    if not body.strip():
        raise ValidationError({"body": _("Skriv en melding.")})
    message = Message.objects.create(person=person_grant.person, sender_user=user,
                                     sender_kind=sender_kind, body=body.strip())
    audit_grant(grant=person_grant, actor=user, action=Action.CREATE, resource="message", resource_id=message.pk)
    return message


def messages_mark_read(*, person_grant: PersonGrant, by_person: bool) -> None:
    """Mark the other side's messages as read."""
    now = timezone.now()
    if by_person:
        Message.objects.filter(person=person_grant.person, sender_kind="professional",
                               read_by_person_at__isnull=True).update(read_by_person_at=now)
    else:
        Message.objects.filter(person=person_grant.person, read_by_team_at__isnull=True).exclude(
            sender_kind="professional").update(read_by_team_at=now)
