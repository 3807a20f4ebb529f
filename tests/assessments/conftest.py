"""Helpers for the assessment tests: referrals, assessments with scores, extra staff."""

from __future__ import annotations

import datetime as dt

import pytest

from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import (
    Assessment,
    AssessmentStatus,
    IplosScore,
    PsfsActivity,
)
from oppfolging.referrals.models import Channel, ConsentToReport, Referral, Source


def make_referral(cast, *, code: str = "ABC123", reporter_email: str = "") -> Referral:
    return Referral.objects.create(
        municipality=cast.municipality, person=cast.person,
        subject_given_name=cast.person.given_name, subject_family_name=cast.person.family_name,
        source=Source.SCHOOL, channel=Channel.PUBLIC_FORM, reporter_name="Rita Rektor",
        reporter_email=reporter_email, observations="Mye fravær og lite søvn.",
        consent=ConsentToReport.GIVEN, deadline=dt.date(2026, 12, 31), receipt_code=code,
    )


def make_assessment(cast, *, status=AssessmentStatus.IN_PROGRESS, started_on=dt.date(2026, 1, 5),
                    psfs=(), iplos=None, direction="higher_is_better") -> Assessment:
    assessment = Assessment.objects.create(
        person=cast.person, created_by=cast.cu, status=status, started_on=started_on,
        psfs_direction=direction,
    )
    for position, (text, score) in enumerate(psfs, start=1):
        PsfsActivity.objects.create(assessment=assessment, position=position, activity=text,
                                    score=score)
    for code, score in (iplos or {}).items():
        IplosScore.objects.create(assessment=assessment, variable=code, score=score)
    return assessment


@pytest.fixture
def other_team_member(cast):
    """Return a second team member in the municipality who takes part in nothing."""
    user = User.objects.create(username="annen", first_name="Anna", last_name="Annen")
    RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    return user


def make_user_in(cast, role=Role.COORDINATOR, username="koord") -> User:
    """Return a new user holding a role in the cast's municipality."""
    user = User.objects.create(username=username, first_name="Kai", last_name="Koordinator",
                               title="Koordinator")
    RoleAssignment.objects.create(user=user, role=role, municipality=cast.municipality)
    return user
