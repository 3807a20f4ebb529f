"""Reads for assessments: who may edit and decide, whom to ask, what changed between assessments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from oppfolging.access import policy
from oppfolging.access.grants import CLINICAL_ROLES, PersonGrant
from oppfolging.accounts.models import Role, User
from oppfolging.assessments import scoring
from oppfolging.assessments.models import Assessment, AssessmentStatus, MedicalAssessment


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
        role_assignments__role__in=list(CLINICAL_ROLES),
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
            # A proxy's scores are never compared with the person's own (nor averaged with them).
            psfs=None if before.psfs_is_proxy or after.psfs_is_proxy else scoring.psfs_change(
                before.psfs_pairs(), before.psfs_direction, after.psfs_pairs(), after.psfs_direction
            ),
            iplos_before=before.iplos_mean,
            iplos_after=after.iplos_mean,
        ))
    return list(reversed(changes))
