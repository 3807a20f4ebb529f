from __future__ import annotations

import datetime as dt

from oppfolging.accounts.models import Role
from oppfolging.assessments.models import Assessment, Decision, MedicalAssessment
from oppfolging.assessments.selectors import assessment_changes, open_medical_requests_for
from oppfolging.demo.assessments import create_demo_assessments
from oppfolging.people.models import Person

from .conftest import make_user_in


def test_it_creates_believable_assessments_once(cast):
    persons = [cast.person] + [
        Person.objects.create(
            municipality=cast.municipality, given_name=f"Demo{i}", family_name="Person",
            identity_number=f"0000000000{i}", identity_kind="tenor",
            birth_date=dt.date(1980, 1, 1), gender="female", gp=cast.gp,
        ) for i in range(4)
    ]
    staff = {Role.COORDINATING_UNIT: [cast.cu], Role.GP: [cast.gp],
             Role.TEAM_MEMBER: [cast.colleague], Role.COORDINATOR: [make_user_in(cast)]}
    args = dict(municipality=cast.municipality, persons=persons, staff_by_role=staff,
                today=dt.date(2026, 1, 1))
    create_demo_assessments(**args)
    counts = (Assessment.objects.count(), Decision.objects.count(),
              MedicalAssessment.objects.count())
    create_demo_assessments(**args)
    assert (Assessment.objects.count(), Decision.objects.count(),
            MedicalAssessment.objects.count()) == counts
    assert counts == (3 * 2 + 2, 3, 5)
    changes = assessment_changes(cast.person.assessments.all())
    assert len(changes) == 1 and changes[0].psfs.is_detectable
    assert changes[0].iplos_change < 0
    assert open_medical_requests_for(user=cast.gp).count() == 2
