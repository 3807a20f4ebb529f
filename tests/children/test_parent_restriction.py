"""Parents of young people: pasient- og brukerrettighetsloven § 3-4 in the policy (issue 12 gap).

Under 16 the parents see the plan; at 16 and 17 the young person can keep them out (in «Min
plan», or staff on their behalf with a reason); from 18 parenthood gives nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.accounts.models import User
from oppfolging.audit.models import AuditEvent
from oppfolging.children import services
from oppfolging.children.models import ParentAccessRestriction
from oppfolging.people.models import RelatedPerson

from ..conftest import make_person


def born_years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=30)


@pytest.fixture
def family(cast):
    """A young person aged 16 with a «Min plan» account, and a parent with one too."""
    young = make_person(cast.municipality, given="Una", family="Ung", birth=born_years_ago(16), individual=510)
    young.user = User.objects.create(username="una", first_name="Una", last_name="Ung")
    young.save()
    parent = RelatedPerson.objects.create(
        person=young, given_name="Per", family_name="Ung", relationship="parent", has_parental_responsibility=True,
        user=User.objects.create(username="per", first_name="Per", last_name="Ung"))
    return young, parent


def set_age(person, years: int) -> None:
    person.birth_date = born_years_ago(years)
    person.save()


def basis(parent: RelatedPerson):
    parent.refresh_from_db()
    return policy.related_person_basis(parent)


def test_parents_of_a_child_under_16_see_the_plan_and_of_an_adult_do_not(cast, family):
    young, parent = family
    set_age(young, 15)
    assert basis(parent) == policy.PortalBasis.PARENT
    set_age(young, 18)
    assert basis(parent) is None


def test_a_young_person_of_16_keeps_their_parents_out_in_min_plan(cast, family):
    young, parent = family
    plan = reverse("portal:plan", args=[young.pk])
    assert cast.client_for(parent.user).get(plan).status_code == 200
    una = cast.client_for(young.user)
    page = una.get(reverse("portal:consent", args=[young.pk])).content.decode()
    assert "Foreldrene mine skal ikke se planen" in page

    una.post(reverse("portal:parents", args=[young.pk]), {"action": "restrict"})
    restriction = ParentAccessRestriction.objects.active().get(person=young)
    assert restriction.set_by == young.user and restriction.set_by_kind == "young_person"
    assert cast.client_for(parent.user).get(plan).status_code == 404
    assert basis(parent) is None
    assert "Per Ung" not in [row["who"] for row in policy.who_can_see(young)]
    assert AuditEvent.objects.filter(resource="parent_access_restriction", action="create",
                                     person=young).exists()

    una.post(reverse("portal:parents", args=[young.pk]), {"action": "lift"})
    assert not ParentAccessRestriction.objects.active().exists()
    assert cast.client_for(parent.user).get(plan).status_code == 200


def test_a_restriction_does_not_outlast_the_age_band_nor_reach_below_it(cast, family):
    young, parent = family
    services.parent_access_restrict(grant=policy.portal_grant(user=young.user, person_id=young.pk).as_person_grant())
    assert basis(parent) is None
    set_age(young, 18)
    assert basis(parent) is None  # an adult: no access by parenthood anyway
    set_age(young, 15)
    assert basis(parent) == policy.PortalBasis.PARENT  # under 16 the parents have access


def test_staff_record_it_on_the_young_persons_behalf_with_a_reason(cast, family):
    young, parent = family
    unit = cast.client_for(cast.cu)
    url = reverse("children:parent_access", args=[young.pk])
    unit.post(url, {"action": "restrict", "reason": ""})
    assert not ParentAccessRestriction.objects.exists()
    unit.post(url, {"action": "restrict", "reason": "Una vil ikke at foreldrene skal lese planen."})
    restriction = ParentAccessRestriction.objects.active().get(person=young)
    assert restriction.set_by == cast.cu and restriction.set_by_kind == "staff"
    assert basis(parent) is None
    page = unit.get(reverse("children:child", args=[young.pk])).content.decode()
    assert "Foreldrene ser ikke planen" in page and "Una vil ikke at foreldrene skal lese planen." in page


def test_only_the_young_person_or_staff_serving_them_set_it_and_only_at_16_or_17(cast, family):
    young, parent = family
    parent_grant = policy.portal_grant(user=parent.user, person_id=young.pk)
    with pytest.raises(PermissionDenied):
        services.parent_access_restrict(grant=parent_grant.as_person_grant())
    assert cast.client_for(parent.user).post(reverse("portal:parents", args=[young.pk]),
                                             {"action": "restrict"}).status_code == 403
    set_age(young, 15)
    with pytest.raises(ValidationError):
        services.parent_access_restrict(grant=policy.person_grant(user=cast.cu, person=young), reason="Ønsker det")
    assert not ParentAccessRestriction.objects.exists()


def test_a_parent_the_young_person_consents_to_still_takes_part(cast, family):
    from oppfolging.teams.models import Consent

    young, parent = family
    services.parent_access_restrict(grant=policy.person_grant(user=cast.cu, person=young), reason="Ønsker det")
    Consent.objects.create(person=young, scope="next_of_kin", related_person=parent, given_by="person",
                           method="digital")
    assert basis(parent) == policy.PortalBasis.CONSENT
