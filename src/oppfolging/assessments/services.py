"""Writes for assessments, medical assessments and decisions; selectors that take the actor.

Each service validates, saves and writes the access log in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.policy import PersonGrant
from oppfolging.accounts.models import Role, User
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
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned
from oppfolging.referrals.models import Referral, Status

logger = logging.getLogger(__name__)

ASSESSMENT_FIELDS = ("what_matters", "psfs_direction") + tuple(
    f"{prefix}_{part}" for prefix, _label in LIFE_AREAS for part in ("needs", "resources")
)
MAX_PSFS_ACTIVITIES = 5


@dataclass(frozen=True)
class ParticipantInput:
    user: User | None = None
    service: Service | None = None
    role_description: str = ""


# Selectors


def is_participant(*, user: User, assessment: Assessment) -> bool:
    """Tell whether the user is named as a participant of the assessment."""
    return assessment.participants.filter(user=user).exists() if user.is_authenticated else False


def can_edit_assessment(*, grant: PersonGrant, user: User, assessment: Assessment) -> bool:
    """Tell whether the user may change the assessment: the unit, or a participant while open."""
    if assessment.is_locked:
        return False
    return grant.can_write or is_participant(user=user, assessment=assessment)


def can_decide(grant: PersonGrant) -> bool:
    """Tell whether the grant lets its holder record decisions: the coordinating unit only."""
    return grant.can_write and grant.role == Role.COORDINATING_UNIT


def open_medical_requests_for(*, user: User) -> QuerySet[MedicalAssessment]:
    """Return unanswered medical-assessment requests addressed to the GP, oldest first."""
    visible = policy.persons_visible_to(user=user)
    return (
        MedicalAssessment.objects.filter(
            gp=user, answered_at__isnull=True, assessment__person__in=visible
        )
        .select_related("assessment__person", "requested_by")
        .order_by("requested_at")
    )


def gps_for(person: Any) -> QuerySet[User]:
    """Return who may be asked for a medical assessment: the person's own GP.

    Only the person's GP may read the person (the GP rule of the access policy), so a request
    to any other GP could never be answered.
    """
    return User.objects.filter(
        pk=person.gp_id, role_assignments__municipality=person.municipality,
        role_assignments__role=Role.GP, is_active=True,
    ).distinct()


def staff_for(person: Any) -> QuerySet[User]:
    """Return professionals of the person's municipality who may take part in an assessment."""
    return User.objects.filter(
        role_assignments__municipality=person.municipality,
        role_assignments__role__in=list(policy.CLINICAL_ROLES),
        is_active=True,
    ).order_by("last_name", "first_name").distinct()


@dataclass(frozen=True)
class AssessmentChange:
    """What changed from one completed assessment to the next."""

    before: Assessment
    after: Assessment
    psfs: scoring.PsfsChange | None
    iplos_before: float | None
    iplos_after: float | None

    @property
    def iplos_change(self) -> float | None:
        return scoring.iplos_change(self.iplos_before, self.iplos_after)


def assessment_changes(assessments: Iterable[Assessment]) -> list[AssessmentChange]:
    """Return the change between each pair of consecutive completed assessments, newest first."""
    done = sorted(
        (a for a in assessments if a.status == AssessmentStatus.COMPLETED),
        key=lambda a: (a.started_on, a.pk),
    )
    changes = []
    for before, after in zip(done, done[1:], strict=False):
        changes.append(AssessmentChange(
            before=before,
            after=after,
            psfs=scoring.psfs_change(
                before.psfs_pairs(), before.psfs_direction, after.psfs_pairs(), after.psfs_direction
            ),
            iplos_before=before.iplos_mean,
            iplos_after=after.iplos_mean,
        ))
    return list(reversed(changes))


# Services


def _mark_referral_in_assessment(referral: Referral) -> None:
    if referral.status == Status.RECEIVED:
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.IN_ASSESSMENT, version=F("version") + 1
        )


@transaction.atomic
def assessment_start(
    *,
    grant: PersonGrant,
    actor: User,
    referral: Referral | None = None,
    started_on: Any = None,
    copy_psfs_from_previous: bool = False,
    ip: str | None = None,
) -> Assessment:
    """Start a new assessment of the person, optionally carrying over the last PSFS activities."""
    if not grant.can_write:
        raise PermissionDenied
    person = grant.person
    if referral is not None and referral.person_id != person.pk:
        raise ValidationError(_("Meldingen gjelder ikke denne personen."))
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
    audit_grant(grant=grant, actor=actor, action=Action.CREATE, resource="assessment",
                resource_id=assessment.pk, ip=ip)
    return assessment


def _check_iplos(scores: dict[str, int]) -> None:
    for code, score in scores.items():
        if code not in iplos.BY_CODE:
            raise ValidationError(_("Ukjent IPLOS-variabel: %(code)s") % {"code": code})
        if score not in iplos.SCORES:
            raise ValidationError(_("IPLOS-skår må være 1–5 eller 9."))


def _check_psfs(activities: Sequence[tuple[str, int]]) -> None:
    if len(activities) > MAX_PSFS_ACTIVITIES:
        raise ValidationError(_("Skriv inn høyst fem aktiviteter."))
    for text, score in activities:
        if not text.strip():
            raise ValidationError(_("Hver aktivitet trenger en beskrivelse."))
        if not 0 <= score <= scoring.PSFS_MAX:
            raise ValidationError(_("Skåren må være fra 0 til 10."))


@transaction.atomic
def assessment_update(
    *,
    grant: PersonGrant,
    actor: User,
    assessment: Assessment,
    expected_version: int,
    participants: Sequence[ParticipantInput],
    iplos_scores: dict[str, int],
    psfs_activities: Sequence[tuple[str, int]],
    ip: str | None = None,
    **fields: Any,
) -> Assessment:
    """Save an in-progress assessment: text, participants, IPLOS and PSFS; refuse stale edits."""
    if not can_edit_assessment(grant=grant, user=actor, assessment=assessment):
        raise PermissionDenied
    if assessment.is_locked:
        raise ValidationError(_("En fullført utredning kan ikke endres."))
    _check_iplos(iplos_scores)
    _check_psfs(psfs_activities)
    for name, value in fields.items():
        if name not in ASSESSMENT_FIELDS:
            raise TypeError(f"Unexpected field {name}")
        setattr(assessment, name, value)
    assessment.full_clean()
    # Raises EditConflict before anything else is written; the transaction keeps it all or none.
    save_versioned(assessment, expected_version=expected_version, fields=ASSESSMENT_FIELDS)

    # Who takes part decides who may read the person, so only a writer of the person's
    # record (the coordinating unit, the coordinator) may change it; participants may not.
    if grant.can_write:
        assessment.participants.all().delete()
        AssessmentParticipant.objects.bulk_create(
            AssessmentParticipant(assessment=assessment, user=p.user, service=p.service,
                                  role_description=p.role_description)
            for p in participants
        )
    assessment.iplos_scores.all().delete()
    IplosScore.objects.bulk_create(
        IplosScore(assessment=assessment, variable=code, score=score)
        for code, score in iplos_scores.items()
    )
    assessment.psfs_activities.all().delete()
    PsfsActivity.objects.bulk_create(
        PsfsActivity(assessment=assessment, position=i, activity=text.strip(), score=score)
        for i, (text, score) in enumerate(psfs_activities, start=1)
    )
    audit_grant(grant=grant, actor=actor, action=Action.UPDATE, resource="assessment",
                resource_id=assessment.pk, ip=ip)
    return assessment


@transaction.atomic
def assessment_complete(
    *, grant: PersonGrant, actor: User, assessment: Assessment, ip: str | None = None
) -> Assessment:
    """Complete the assessment, which locks it; later changes need a new assessment."""
    if not grant.can_write:
        raise PermissionDenied
    updated = Assessment.objects.filter(
        pk=assessment.pk, status=AssessmentStatus.IN_PROGRESS
    ).update(status=AssessmentStatus.COMPLETED, completed_at=timezone.now(),
             version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise ValidationError(_("Utredningen er allerede fullført."))
    assessment.refresh_from_db()
    audit_grant(grant=grant, actor=actor, action=Action.UPDATE, resource="assessment",
                resource_id=assessment.pk, purpose=_("Utredning fullført"), ip=ip)
    return assessment


@transaction.atomic
def medical_assessment_request(
    *,
    grant: PersonGrant,
    actor: User,
    assessment: Assessment,
    gp: User,
    question: str,
    ip: str | None = None,
) -> MedicalAssessment:
    """Ask a GP of the person's municipality for a medical assessment."""
    if not grant.can_write:
        raise PermissionDenied
    if not gps_for(grant.person).filter(pk=gp.pk).exists():
        raise ValidationError({"gp": _("Velg en fastlege i kommunen.")})
    if not question.strip():
        raise ValidationError({"question": _("Skriv hva fastlegen skal vurdere.")})
    medical = MedicalAssessment.objects.create(
        assessment=assessment, gp=gp, question=question.strip(), requested_by=actor
    )
    audit_grant(grant=grant, actor=actor, action=Action.CREATE, resource="medical_assessment",
                resource_id=medical.pk, ip=ip)
    return medical


@transaction.atomic
def medical_assessment_answer(
    *,
    grant: PersonGrant,
    actor: User,
    medical: MedicalAssessment,
    answer: str,
    ip: str | None = None,
) -> MedicalAssessment:
    """Record the addressed GP's answer; only that GP may answer, and only once."""
    if medical.gp_id != actor.pk:
        raise PermissionDenied
    if not answer.strip():
        raise ValidationError({"answer": _("Skriv den medisinske vurderingen.")})
    now = timezone.now()
    updated = MedicalAssessment.objects.filter(pk=medical.pk, answered_at__isnull=True).update(
        answer=answer.strip(), answered_at=now, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("Forespørselen er allerede besvart."))
    medical.refresh_from_db()
    audit_grant(grant=grant, actor=actor, action=Action.UPDATE, resource="medical_assessment",
                resource_id=medical.pk, purpose=_("Medisinsk vurdering besvart"), ip=ip)
    return medical


def _send(subject: str, body: str, to: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except OSError:
        logger.exception("Could not send decision e-mail")
        return False
    return True


def _person_message(decision: Decision) -> tuple[str, str]:
    person = decision.person
    municipality = person.municipality.name
    subject = _("Svar fra koordinerende enhet i %(municipality)s") % {"municipality": municipality}
    body = _(
        "Hei %(name)s,\n\n"
        "Koordinerende enhet har nå vurdert hvilken oppfølging du trenger.\n\n"
        "Avgjørelse: %(outcome)s\n\n"
        "Begrunnelse:\n%(reason)s\n\n"
        "Har du spørsmål, eller er du uenig, kan du ta kontakt med oss.\n\n"
        "Hilsen\nKoordinerende enhet, %(municipality)s\n"
    ) % {"name": person.given_name, "outcome": decision.get_outcome_display(),
         "reason": decision.reason, "municipality": municipality}
    return subject, body


def _reporter_message(decision: Decision, referral: Referral) -> tuple[str, str]:
    municipality = decision.person.municipality.name
    subject = _("Meldingen din er ferdig behandlet")
    # Tells the reporter only that the report is handled: the outcome is the person's own.
    body = _(
        "Hei %(name)s,\n\n"
        "Takk for at du meldte fra. Meldingen din med kode %(code)s er nå ferdig behandlet "
        "av koordinerende enhet i %(municipality)s.\n\n"
        "Av hensyn til taushetsplikten kan vi ikke fortelle hva som er avgjort. Personen "
        "meldingen gjelder, har fått svar direkte.\n\n"
        "Hilsen\nKoordinerende enhet, %(municipality)s\n"
    ) % {"name": referral.reporter_name, "code": referral.receipt_code,
         "municipality": municipality}
    return subject, body


@transaction.atomic
def decision_record(
    *,
    grant: PersonGrant,
    actor: User,
    outcome: str,
    reason: str,
    referral: Referral | None = None,
    assessment: Assessment | None = None,
    ip: str | None = None,
) -> Decision:
    """Record the decision, close the referral as decided and inform the person and reporter."""
    if not can_decide(grant):
        raise PermissionDenied
    person = grant.person
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": _("Velg en avgjørelse.")})
    if referral is not None and referral.person_id != person.pk:
        raise ValidationError({"referral": _("Meldingen gjelder ikke denne personen.")})
    if assessment is not None and assessment.person_id != person.pk:
        raise ValidationError({"assessment": _("Utredningen gjelder ikke denne personen.")})
    decision = Decision(person=person, referral=referral, assessment=assessment, outcome=outcome,
                        reason=reason.strip(), decided_by=actor)
    decision.full_clean()
    decision.save()
    now = timezone.now()
    if referral is not None:
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.DECIDED, closed_at=now, version=F("version") + 1
        )
        if referral.reporter_email and _send(
            *_reporter_message(decision, referral), referral.reporter_email
        ):
            decision.reporter_informed_at = timezone.now()
    if person.email and _send(*_person_message(decision), person.email):
        decision.person_informed_at = timezone.now()
    decision.save(update_fields=["person_informed_at", "reporter_informed_at"])
    audit_grant(grant=grant, actor=actor, action=Action.CREATE, resource="decision",
                resource_id=decision.pk, ip=ip)
    return decision
