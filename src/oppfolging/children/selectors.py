"""Reads for a child's follow-up: the barnekoordinator, the parents, the child's own view, and
the family's needs across services (as far as the reader may see them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant
from oppfolging.access.models import Visibility
from oppfolging.catalogue.models import Sector
from oppfolging.children.models import AgeBand, ChildCoordinatorDecision, ChildView, ParentExclusion
from oppfolging.documents.selectors import documents_visible
from oppfolging.notes.selectors import notes_visible
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.plans.models import Measure
from oppfolging.teams.models import MemberKind, TeamMembership, TeamStatus

QUESTIONS = {
    AgeBand.UNDER_7: _("Hva liker du å gjøre? Hva er vanskelig? Hvem hjelper deg?"),
    AgeBand.FROM_7: _("Hva er bra for deg nå, og hva skulle du ønske var annerledes – hjemme, på skolen og med venner?"),
    AgeBand.FROM_13: _("Hva er viktig for deg nå, og hva vil du at de som hjelper deg, skal gjøre annerledes?"),
    AgeBand.FROM_16: _("Hva er målene dine, og hva vil du bestemme selv? Du kan be om at noe ikke blir delt med foreldrene dine."),
}


def age_band(age: int) -> AgeBand:
    """Return the age band the question to the child is adapted to."""
    if age < 7:
        return AgeBand.UNDER_7
    if age < 13:
        return AgeBand.FROM_7
    if age < 16:
        return AgeBand.FROM_13
    return AgeBand.FROM_16


def current_decision(person: Person) -> ChildCoordinatorDecision | None:
    return (ChildCoordinatorDecision.objects.filter(person=person, ended_at__isnull=True)
            .select_related("coordinator", "decided_by").first())


@dataclass(frozen=True)
class ParentRow:
    related: RelatedPerson
    exclusion: ParentExclusion | None
    in_team: bool
    portal: bool


def parents_of(person: Person) -> list[ParentRow]:
    """Return the child's parents and guardians: excluded or not, in the team, with «Min plan»."""
    today = timezone.localdate()
    members = set(TeamMembership.objects.filter(team__person=person, team__status=TeamStatus.ACTIVE, left_on__isnull=True,
                                                joined_on__lte=today, related_person__isnull=False)
                  .values_list("related_person_id", flat=True))
    exclusions = {e.related_person_id: e for e in ParentExclusion.objects.active().filter(person=person)
                  .select_related("decided_by")}
    with_account = set(person.related_persons.filter(policy.portal_account_q()).values_list("pk", flat=True))
    rows = []
    for related in person.related_persons.filter(has_parental_responsibility=True) | person.related_persons.filter(
            is_guardian=True):
        rows.append(ParentRow(related, exclusions.get(related.pk), related.pk in members,
                              related.pk in with_account and policy.related_person_basis(related) is not None))
    return sorted({r.related.pk: r for r in rows}.values(), key=lambda r: (r.related.family_name, r.related.given_name))


SECTOR_ORDER = [Sector.EDUCATION, Sector.HEALTH_AND_CARE, Sector.CHILD_WELFARE, Sector.SPECIALIST, Sector.NAV,
                Sector.GP, Sector.HOUSING, Sector.OTHER]


def family_needs(*, grant: PersonGrant) -> list[dict[str, Any]]:
    """Return, per sector, the services in the child's team and their measures, and the notes and
    documents the reader may see from each: the family's needs across services.

    What a service keeps to itself (child welfare by default) stays out unless shared with the
    reader; nothing here counts or hints at what the reader may not see.
    """
    person = grant.person
    today = timezone.localdate()
    memberships = list(TeamMembership.objects.filter(
        team__person=person, team__status=TeamStatus.ACTIVE, kind=MemberKind.PROFESSIONAL, joined_on__lte=today, left_on__isnull=True,
        service__isnull=False).select_related("service", "user"))
    measures = list(Measure.objects.filter(goal__plan__person=person, responsible_service__isnull=False)
                    .select_related("responsible_service", "goal"))
    measures += list(Measure.objects.filter(goal__plan__person=person, responsible_membership__service__isnull=False)
                     .select_related("responsible_membership__service", "goal"))
    notes = list(notes_visible(grant=grant).filter(visibility=Visibility.SERVICES))
    documents = list(documents_visible(grant=grant).filter(visibility=Visibility.SERVICES))
    groups: dict[str, dict[str, Any]] = {}
    for membership in memberships:
        service = membership.service
        assert service is not None  # members with a service only
        group = groups.setdefault(service.sector, {"sector": service.get_sector_display(), "services": {}})
        entry = group["services"].setdefault(service.pk, {"service": service, "members": [], "measures": [],
                                                          "notes": [], "documents": []})
        entry["members"].append(membership)
    for measure in measures:
        responsible = measure.responsible_membership
        service = measure.responsible_service or (responsible.service if responsible else None)
        assert service is not None  # measures with a responsible service only
        group = groups.setdefault(service.sector, {"sector": service.get_sector_display(), "services": {}})
        entry = group["services"].setdefault(service.pk, {"service": service, "members": [], "measures": [],
                                                          "notes": [], "documents": []})
        if measure not in entry["measures"]:
            entry["measures"].append(measure)
    for record, key in [(n, "notes") for n in notes] + [(d, "documents") for d in documents]:
        for service in record.services.all():
            sector = groups.get(service.sector)
            if sector and service.pk in sector["services"]:
                sector["services"][service.pk][key].append(record)
    return [dict(groups[s], services=list(groups[s]["services"].values())) for s in SECTOR_ORDER if s in groups]


def child_views(person: Person) -> list[ChildView]:
    return list(ChildView.objects.filter(person=person).select_related("recorded_by"))
