"""Writes for assessments, medical assessments and decisions; selectors that take the actor.

Each service validates, saves and writes the access log in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import PersonGrant
from oppfolging.accounts.models import User
from oppfolging.assessments import iplos, scoring
from oppfolging.assessments.models import (
    LIFE_AREAS,
    Assessment,
    AssessmentParticipant,
    AssessmentStatus,
    Decision,
    DecisionOutcome,
    IplosScore,
    MedicalAssessment,
    PsfsActivity,
)
from oppfolging.assessments.selectors import can_decide, can_edit_assessment, gps_for, staff_for
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, channels_for, notifications_done, notify
from oppfolging.referrals.models import Referral, Status

ASSESSMENT_FIELDS = ("what_matters", "psfs_direction", "psfs_scored_by") + tuple(
    f"{prefix}_{part}" for prefix, _label in LIFE_AREAS for part in ("needs", "resources")
)
MAX_PSFS_ACTIVITIES = 5


@dataclass(frozen=True)
class ParticipantInput:
    user: User | None = None
    service: Service | None = None
    role_description: str = ""


@dataclass(frozen=True)
class PsfsInput:
    """One «Hva er viktig for deg?» activity as written in row `position` (1–5) of the form."""

    position: int
    activity: str
    score: int


def _mark_referral_in_assessment(referral: Referral) -> None:
    if referral.status == Status.RECEIVED:
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.IN_ASSESSMENT, version=F("version") + 1
        )


@transaction.atomic
def assessment_start(
    *,
    grant: PersonGrant,
    referral: Referral | None = None,
    started_on: Any = None,
    copy_psfs_from_previous: bool = False,
) -> Assessment:
    """Start a new assessment of the person, optionally carrying over the last PSFS activities."""
    grant.require_write()
    grant.require_owns(referral)
    actor = grant.require_user()
    person = grant.person
    previous = person.assessments.order_by("-started_on", "-pk").first()
    assessment = Assessment(
        person=person, referral=referral, created_by=actor,
        started_on=started_on or timezone.localdate(),
    )
    if previous is not None:
        assessment.psfs_direction = previous.psfs_direction
    assessment.full_clean()
    assessment.save()
    if copy_psfs_from_previous and previous is not None:
        # The person re-scores the same activities; scores start from the last ones.
        PsfsActivity.objects.bulk_create(
            PsfsActivity(assessment=assessment, position=a.position, activity=a.activity,
                         score=a.score)
            for a in previous.psfs_activities.all()
        )
    if referral is not None:
        _mark_referral_in_assessment(referral)
    AssessmentParticipant.objects.create(
        assessment=assessment, user=actor, role_description=_("Koordinerende enhet")
    )
    audit_grant(grant=grant, action=Action.CREATE, resource="assessment", resource_id=assessment.pk)
    return assessment


def _check_iplos(scores: dict[str, int]) -> None:
    for code, score in scores.items():
        if code not in iplos.BY_CODE:
            raise ValidationError(_("Ukjent IPLOS-variabel: %(code)s") % {"code": code})
        if score not in iplos.SCORES:
            raise ValidationError(_("IPLOS-skår må være 1–5 eller 9."))


def _check_psfs(activities: Sequence[PsfsInput]) -> None:
    if len(activities) > MAX_PSFS_ACTIVITIES:
        raise ValidationError(_("Skriv inn høyst fem aktiviteter."))
    positions = [a.position for a in activities]
    if len(set(positions)) != len(positions) or not all(1 <= p <= MAX_PSFS_ACTIVITIES for p in positions):
        raise ValueError(f"PSFS positions must be distinct and 1–{MAX_PSFS_ACTIVITIES}: {positions}")
    for a in activities:
        if not a.activity.strip():
            raise ValidationError(_("Hver aktivitet trenger en beskrivelse."))
        if not 0 <= a.score <= scoring.PSFS_MAX:
            raise ValidationError(_("Skåren må være fra 0 til 10."))


def _check_psfs_removals(assessment: Assessment, activities: Sequence[PsfsInput]) -> None:
    """Refuse to remove an activity a goal is about: the goal would lose what it measures by.

    Refusing, rather than quietly keeping the row, tells the user why the activity they emptied
    is still there. The goal's text is the plan's, which whoever fills in the assessment may not
    read, so only the activity is named.
    """
    kept = {a.position for a in activities}
    linked = assessment.psfs_activities.exclude(position__in=kept).filter(goals__isnull=False).first()
    if linked is not None:
        raise ValidationError(
            _("Aktiviteten «%(activity)s» kan ikke fjernes fordi et mål i den individuelle planen "
              "er knyttet til den. Behold aktiviteten, eller fjern koblingen i målet først.")
            % {"activity": linked.activity}
        )


def _save_psfs(assessment: Assessment, activities: Sequence[PsfsInput]) -> None:
    """Update the activities in place by row, so their ids, and the goals linked to them, stay.

    Rows still in the form keep their id with the new text and score; new rows are added; rows
    the form no longer has are removed (after _check_psfs_removals, nothing refers to them).
    """
    existing = {row.position: row for row in assessment.psfs_activities.all()}
    changed: list[PsfsActivity] = []
    added: list[PsfsActivity] = []
    for a in activities:
        row = existing.pop(a.position, None)
        if row is None:
            added.append(PsfsActivity(assessment=assessment, position=a.position,
                                      activity=a.activity.strip(), score=a.score))
        elif (row.activity, row.score) != (a.activity.strip(), a.score):
            row.activity, row.score = a.activity.strip(), a.score
            changed.append(row)
    try:
        PsfsActivity.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    except ProtectedError:
        # A goal was linked after the check at the top of the save: refused the same way, no 500.
        _check_psfs_removals(assessment, activities)
        raise
    PsfsActivity.objects.bulk_update(changed, ["activity", "score"])
    PsfsActivity.objects.bulk_create(added)


def _save_iplos(assessment: Assessment, scores: dict[str, int]) -> None:
    """Update the IPLOS scores in place by variable; a variable left empty loses its score."""
    existing = {row.variable: row for row in assessment.iplos_scores.all()}
    changed: list[IplosScore] = []
    added: list[IplosScore] = []
    for code, score in scores.items():
        row = existing.pop(code, None)
        if row is None:
            added.append(IplosScore(assessment=assessment, variable=code, score=score))
        elif row.score != score:
            row.score = score
            changed.append(row)
    IplosScore.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    IplosScore.objects.bulk_update(changed, ["score"])
    IplosScore.objects.bulk_create(added)


@transaction.atomic
def assessment_update(
    *,
    grant: PersonGrant,
    assessment: Assessment,
    expected_version: int,
    participants: Sequence[ParticipantInput],
    iplos_scores: dict[str, int],
    psfs_activities: Sequence[PsfsInput],
    **fields: Any,
) -> Assessment:
    """Save an in-progress assessment: text, participants, IPLOS and PSFS; refuse stale edits.

    PSFS activities and IPLOS scores are changed in place, never deleted and written anew: a
    goal in the plan may already be linked to an activity of an assessment still in progress.
    Removing an activity a goal is linked to is refused with a message, and nothing is saved.
    """
    grant.require_owns(assessment)
    if not can_edit_assessment(grant=grant, user=grant.require_user(), assessment=assessment):
        raise PermissionDenied("Read-only access to this assessment.")
    if grant.can_write:
        for p in participants:
            if p.user is not None and not staff_for(grant.person).filter(pk=p.user.pk).exists():
                raise ValidationError(_("Velg deltakere blant kommunens ansatte."))
            if p.service is not None and p.service.municipality_id != grant.person.municipality_id:
                raise ValidationError(_("Tjenesten hører til en annen kommune."))
    if assessment.is_locked:
        raise ValidationError(_("En fullført kartlegging kan ikke endres."))
    _check_iplos(iplos_scores)
    _check_psfs(psfs_activities)
    _check_psfs_removals(assessment, psfs_activities)
    for name, value in fields.items():
        if name not in ASSESSMENT_FIELDS:
            raise TypeError(f"Unexpected field {name}")
        setattr(assessment, name, value)
    assessment.full_clean()
    # Raises EditConflict before anything else is written; the transaction keeps it all or none.
    save_versioned(assessment, expected_version=expected_version, fields=ASSESSMENT_FIELDS)

    # Who takes part decides who may read the person, so only a writer of the person's
    # record (the coordinating unit, the coordinator) may change it; participants may not.
    # Nothing refers to a participant row (tests/assessments/test_psfs_in_place.py keeps it
    # so), which is why they may be replaced as a whole.
    if grant.can_write:
        assessment.participants.all().delete()
        AssessmentParticipant.objects.bulk_create(
            AssessmentParticipant(assessment=assessment, user=p.user, service=p.service,
                                  role_description=p.role_description)
            for p in participants
        )
    _save_iplos(assessment, iplos_scores)
    _save_psfs(assessment, psfs_activities)
    audit_grant(grant=grant, action=Action.UPDATE, resource="assessment", resource_id=assessment.pk)
    return assessment


@transaction.atomic
def assessment_complete(*, grant: PersonGrant, assessment: Assessment) -> Assessment:
    """Complete the assessment, which locks it; later changes need a new assessment."""
    grant.require_write()
    grant.require_owns(assessment)
    updated = Assessment.objects.filter(
        pk=assessment.pk, status=AssessmentStatus.IN_PROGRESS
    ).update(status=AssessmentStatus.COMPLETED, completed_at=timezone.now(),
             version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise ValidationError(_("Kartleggingen er allerede fullført."))
    assessment.refresh_from_db()
    audit_grant(grant=grant, action=Action.UPDATE, resource="assessment",
                resource_id=assessment.pk, purpose=_("Kartlegging fullført"))
    return assessment


@transaction.atomic
def medical_assessment_request(
    *,
    grant: PersonGrant,
    assessment: Assessment,
    gp: User,
    question: str,
) -> MedicalAssessment:
    """Ask the person's GP for a medical assessment."""
    grant.require_write()
    grant.require_owns(assessment)
    actor = grant.require_user()
    if not gps_for(grant.person).filter(pk=gp.pk).exists():
        raise ValidationError({"gp": _("Velg en fastlege i kommunen.")})
    if not question.strip():
        raise ValidationError({"question": _("Skriv hva fastlegen skal vurdere.")})
    medical = MedicalAssessment.objects.create(
        assessment=assessment, gp=gp, question=question.strip(), requested_by=actor
    )
    notify(kind=Kind.MEDICAL_REQUEST, key=f"medical-request:{medical.pk}", recipient=Recipient(user=gp),
           person=grant.person, subject=medical,
           url=reverse("assessments:medical_answer", args=[grant.person.pk, medical.pk]))
    audit_grant(grant=grant, action=Action.CREATE, resource="medical_assessment", resource_id=medical.pk)
    return medical


@transaction.atomic
def medical_assessment_answer(
    *,
    grant: PersonGrant,
    medical: MedicalAssessment,
    answer: str,
) -> MedicalAssessment:
    """Record the addressed GP's answer; only that GP may answer, and only once."""
    grant.require_owns(medical)
    if medical.gp_id != grant.require_user().pk:
        raise PermissionDenied("Only the addressed GP may answer.")
    if not answer.strip():
        raise ValidationError({"answer": _("Skriv den medisinske vurderingen.")})
    now = timezone.now()
    updated = MedicalAssessment.objects.filter(pk=medical.pk, answered_at__isnull=True).update(
        answer=answer.strip(), answered_at=now, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("Forespørselen er allerede besvart."))
    medical.refresh_from_db()
    notifications_done(subject=medical, kinds=(Kind.MEDICAL_REQUEST,))
    notify(kind=Kind.MEDICAL_ANSWER, key=f"medical-answer:{medical.pk}",
           recipient=Recipient(user=medical.requested_by), person=grant.person, subject=medical,
           url=reverse("assessments:detail", args=[grant.person.pk, medical.assessment_id]))
    audit_grant(grant=grant, action=Action.UPDATE, resource="medical_assessment",
                resource_id=medical.pk, purpose=_("Medisinsk vurdering besvart"))
    return medical


@transaction.atomic
def decision_record(
    *,
    grant: PersonGrant,
    outcome: str,
    reason: str,
    referral: Referral | None = None,
    assessment: Assessment | None = None,
) -> Decision:
    """Record the decision, close the referral as decided and inform the person and reporter."""
    if not can_decide(grant):
        raise PermissionDenied("Only the coordinating unit records decisions.")
    grant.require_owns(referral, assessment)
    actor = grant.require_user()
    person = grant.person
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": _("Velg en avgjørelse.")})
    if referral is not None and referral.person_id != person.pk:
        raise ValidationError({"referral": _("Meldingen gjelder ikke denne personen.")})
    if assessment is not None and assessment.person_id != person.pk:
        raise ValidationError({"assessment": _("Kartleggingen gjelder ikke denne personen.")})
    decision = Decision(person=person, referral=referral, assessment=assessment, outcome=outcome,
                        reason=reason.strip(), decided_by=actor)
    decision.full_clean()
    decision.save()
    now = timezone.now()
    if referral is not None:
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.DECIDED, closed_at=now, version=F("version") + 1
        )
        # A professional who reported in the app is told it is handled, never what was decided.
        if referral.reporter_user is not None and notify(
            kind=Kind.REFERRAL_CLOSED, key=f"referral-closed:{referral.pk}",
            recipient=Recipient(user=referral.reporter_user), person=None,
            municipality=person.municipality, subject=referral,
        ):
            decision.reporter_informed_at = now
    # The person is told that an answer waits in «Min plan», by their own channel or a letter.
    recipient = Recipient(person=person)
    if channels_for(recipient) and notify(
        kind=Kind.DECISION, key=f"decision:{decision.pk}", recipient=recipient, person=person,
        url=reverse("portal:plan", args=[person.pk]), subject=decision,
    ):
        decision.person_informed_at = now
    decision.save(update_fields=["person_informed_at", "reporter_informed_at"])
    audit_grant(grant=grant, action=Action.CREATE, resource="decision", resource_id=decision.pk)
    return decision
