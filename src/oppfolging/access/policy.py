"""The one access policy: who may read or write what. Denies by default.

A professional sees a person only while serving them (tjenstlig behov, Normen): as the
coordinating unit of the person's municipality, as the person's current coordinator, as the
person's GP, as a team member from the day they join until the day they leave (and only while the
person's consent covers their service), as the case worker of an open report, as a participant
in an assessment in progress, or through a time-limited break-the-glass grant with a reason. Leaders and evaluators see aggregates, never a person.
Every rule is written once as a database filter, so the list a user sees and the single record
they may open can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.people.models import Person


class Basis(StrEnum):
    """Why a user may see a person. Shown to the person in their access log."""

    COORDINATING_UNIT = "coordinating_unit"
    COORDINATOR = "coordinator"
    GP = "gp"
    TEAM_MEMBER = "team_member"
    CASE_WORKER = "case_worker"
    ASSESSMENT = "assessment"
    BREAK_GLASS = "break_glass"
    PERSON_SELF = "person_self"
    NEXT_OF_KIN = "next_of_kin"


BASIS_LABELS = {
    Basis.COORDINATING_UNIT: _("koordinerende enhet i kommunen"),
    Basis.COORDINATOR: _("personens koordinator"),
    Basis.GP: _("personens fastlege"),
    Basis.TEAM_MEMBER: _("deltaker i personens oppfølgingsteam"),
    Basis.CASE_WORKER: _("saksbehandler for en melding om behov"),
    Basis.ASSESSMENT: _("deltaker i utredning av behov"),
    Basis.BREAK_GLASS: _("nødtilgang"),
    Basis.PERSON_SELF: _("personen selv"),
    Basis.NEXT_OF_KIN: _("pårørende med samtykke, vergemål eller foreldreansvar"),
}

# Bases on which a user takes part in the person's follow-up (see PersonGrant.serves).
SERVING_BASES = frozenset({"coordinating_unit", "coordinator", "team_member", "gp"})

# Roles that meet persons and so may open emergency access; leaders and evaluators never do.
CLINICAL_ROLES = frozenset({Role.COORDINATING_UNIT, Role.COORDINATOR, Role.TEAM_MEMBER, Role.GP})


@dataclass(frozen=True)
class PersonGrant:
    """A user's right to one person's data, and the basis it rests on."""

    person: Person
    basis: Basis
    role: str
    unit: str
    can_write: bool
    break_glass: BreakGlassAccess | None = None

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

    @property
    def serves(self) -> bool:
        """Tell whether the user serves the person in the team (not only reads by exception).

        Small contributions such as agenda items, messages and progress reports need this;
        emergency access, case work and assessment participation never do.
        """
        return self.basis in SERVING_BASES


def role_assignments(user: User) -> list[RoleAssignment]:
    """Return the user's role assignments, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_role_assignments_cache", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("municipality", "service"))
        user._role_assignments_cache = cached  # type: ignore[attr-defined]
    return cached


def municipalities_with_role(user: User, roles: Iterable[str]) -> list[int]:
    """Return the ids of municipalities where the user holds any of the roles."""
    wanted = set(roles)
    return sorted(
        {a.municipality_id for a in role_assignments(user) if a.role in wanted and a.municipality_id}
    )


def has_role(user: User, role: str, municipality: Municipality | int | None) -> bool:
    """Tell whether the user holds the role in the municipality."""
    municipality_id = municipality.pk if isinstance(municipality, Municipality) else municipality
    return any(
        a.role == role and a.municipality_id == municipality_id for a in role_assignments(user)
    )


def _assignment(user: User, role: str, municipality_id: int) -> RoleAssignment | None:
    for a in role_assignments(user):
        if a.role == role and a.municipality_id == municipality_id:
            return a
    return None


@dataclass(frozen=True)
class _Rule:
    basis: Basis
    role: Role
    can_write: bool
    condition: Callable[[User], Q]


def _coordinating_unit(user: User) -> Q:
    return Q(municipality_id__in=municipalities_with_role(user, [Role.COORDINATING_UNIT]))


def _gp(user: User) -> Q:
    return Q(gp=user, municipality_id__in=municipalities_with_role(user, [Role.GP]))


def _clinical_municipalities(user: User) -> Q:
    """Restrict a rule to municipalities where the user holds a role that meets persons."""
    return Q(municipality_id__in=municipalities_with_role(user, CLINICAL_ROLES))


def _coordinator(user: User) -> Q:
    return Q(
        teams__status="active",
        teams__coordinator_assignments__coordinator=user,
        teams__coordinator_assignments__ended_at__isnull=True,
    ) & _clinical_municipalities(user)


def active_memberships(user: User) -> QuerySet:
    """Return the user's professional team memberships that give access today.

    A membership counts from the day the member joins until the day they leave, in an active
    team, and only while the person's consent to the team and to sharing with the member's
    service is in force (without consent there is no sharing).
    """
    from oppfolging.teams.models import Consent, ConsentScope, MemberKind, TeamMembership

    today = timezone.localdate()
    consents = Consent.objects.active()
    return (
        TeamMembership.objects.filter(
            user=user, kind=MemberKind.PROFESSIONAL, team__status="active", joined_on__lte=today
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .filter(
            Exists(consents.filter(person=OuterRef("team__person"), scope=ConsentScope.TEAM_AND_PLAN)),
            Exists(
                consents.filter(
                    person=OuterRef("team__person"),
                    scope=ConsentScope.SHARE_WITH_SERVICE,
                    service=OuterRef("service"),
                )
            ),
        )
    )


def _team_member(user: User) -> Q:
    return Q(pk__in=active_memberships(user).values("team__person_id")) & _clinical_municipalities(user)


def _case_worker(user: User) -> Q:
    return Q(
        referrals__assigned_to=user, referrals__status__in=["received", "in_assessment"]
    ) & _clinical_municipalities(user)


def _assessment(user: User) -> Q:
    return Q(
        assessments__participants__user=user, assessments__status="in_progress"
    ) & _clinical_municipalities(user)


def _break_glass(user: User) -> Q:
    return Q(
        pk__in=BreakGlassAccess.objects.active().filter(user=user).values("person_id"),
        municipality_id__in=municipalities_with_role(user, CLINICAL_ROLES),
    )


# Ordered: the first rule that matches is the basis recorded in the audit log.
RULES: tuple[_Rule, ...] = (
    _Rule(Basis.COORDINATING_UNIT, Role.COORDINATING_UNIT, True, _coordinating_unit),
    _Rule(Basis.COORDINATOR, Role.COORDINATOR, True, _coordinator),
    _Rule(Basis.GP, Role.GP, False, _gp),
    _Rule(Basis.TEAM_MEMBER, Role.TEAM_MEMBER, False, _team_member),
    _Rule(Basis.CASE_WORKER, Role.COORDINATING_UNIT, False, _case_worker),
    _Rule(Basis.ASSESSMENT, Role.TEAM_MEMBER, False, _assessment),
    _Rule(Basis.BREAK_GLASS, Role.TEAM_MEMBER, False, _break_glass),
)


def persons_visible_to(*, user: User, municipality: Municipality | None = None) -> QuerySet[Person]:
    """Return the persons the user serves now, optionally in one municipality."""
    if not role_assignments(user):
        return Person.objects.none()
    condition = Q(pk__in=[])
    for rule in RULES:
        condition |= rule.condition(user)
    persons = Person.objects.filter(condition).distinct()
    if municipality is not None:
        persons = persons.filter(municipality=municipality)
    return persons


def person_grant(*, user: User, person: Person) -> PersonGrant | None:
    """Return the user's grant to the person, or None when they have no reason to see them."""
    if not role_assignments(user):
        return None
    for rule in RULES:
        if not Person.objects.filter(rule.condition(user), pk=person.pk).exists():
            continue
        break_glass = None
        role = rule.role
        if rule.basis is Basis.BREAK_GLASS:
            break_glass = (
                BreakGlassAccess.objects.active().filter(user=user, person=person).first()
            )
            role = next(
                (a.role for a in role_assignments(user)
                 if a.municipality_id == person.municipality_id and a.role in CLINICAL_ROLES),
                role,
            )
        assignment = _assignment(user, role, person.municipality_id)
        if assignment is None:
            # Rule-derived grants (case worker, assessment, break-glass): record the role the
            # user actually holds there, so the log never claims a role they do not have.
            assignment = next(
                (a for a in role_assignments(user)
                 if a.municipality_id == person.municipality_id and a.role in CLINICAL_ROLES),
                None,
            )
            role = assignment.role if assignment else role
        unit = assignment.service.name if assignment and assignment.service else ""
        if rule.basis is Basis.TEAM_MEMBER:
            membership = (
                active_memberships(user).filter(team__person=person).select_related("service").first()
            )
            unit = membership.service.name if membership and membership.service else unit
        return PersonGrant(person, rule.basis, role, unit, rule.can_write, break_glass)
    return None


# Resources that are not a person's data, still kept apart per municipality.

def can_use_municipality(user: User, municipality: Municipality | None) -> bool:
    """Tell whether the user works in the municipality in any role."""
    return municipality is not None and any(
        a.municipality_id == municipality.pk for a in role_assignments(user)
    )


def can_edit_catalogue(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality) or has_role(
        user, Role.ADMINISTRATOR, municipality
    )


def can_search_audit(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_create_person(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_break_glass(user: User, municipality: Municipality) -> bool:
    return any(has_role(user, role, municipality) for role in CLINICAL_ROLES)


def can_see_aggregates(user: User, municipality: Municipality) -> bool:
    return any(
        has_role(user, role, municipality)
        for role in (Role.LEADER, Role.COORDINATING_UNIT, Role.ADMINISTRATOR)
    )


def can_manage_staff(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.ADMINISTRATOR, municipality)


def is_evaluator(user: User) -> bool:
    return any(a.role == Role.EVALUATOR for a in role_assignments(user))


def referrals_visible_to(*, user: User, municipality: Municipality) -> QuerySet:
    """Return the reports of need the user may open: all for the coordinating unit, else own cases."""
    from oppfolging.referrals.models import Referral

    if has_role(user, Role.COORDINATING_UNIT, municipality):
        return Referral.objects.filter(municipality=municipality)
    if not can_use_municipality(user, municipality):
        return Referral.objects.none()
    return Referral.objects.filter(municipality=municipality, assigned_to=user)


def can_triage(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_report_need(user: User, municipality: Municipality) -> bool:
    """Any role that meets persons may report a need from inside the app."""
    return any(has_role(user, role, municipality) for role in CLINICAL_ROLES)


# The person's own part of the app («Min plan»): the person, and next of kin as far as a valid
# consent, a guardianship or parental responsibility for a child allows.


class PortalBasis(StrEnum):
    SELF = "self"
    CONSENT = "consent"
    GUARDIAN = "guardian"
    PARENT = "parent"


PORTAL_BASIS_LABELS = {
    PortalBasis.SELF: _("Dette er din egen plan."),
    PortalBasis.CONSENT: _("Du ser planen fordi %(name)s har samtykket til at du deltar."),
    PortalBasis.GUARDIAN: _("Du ser planen fordi du er verge for %(name)s."),
    PortalBasis.PARENT: _("Du ser planen fordi du har foreldreansvar for %(name)s, som er under 18 år."),
}


@dataclass(frozen=True)
class PortalGrant:
    """Why a signed-in person or next of kin may see a person's plan, and what they may do."""

    person: Person
    basis: PortalBasis
    related_person: object | None = None

    @property
    def basis_text(self) -> str:
        return str(PORTAL_BASIS_LABELS[self.basis]) % {"name": self.person.given_name}

    @property
    def is_self(self) -> bool:
        return self.basis is PortalBasis.SELF

    @property
    def may_manage_consent(self) -> bool:
        """The person decides on consent; for a child or a ward, the parent or guardian does."""
        return self.basis in (PortalBasis.SELF, PortalBasis.GUARDIAN, PortalBasis.PARENT)

    @property
    def actor_kind(self) -> str:
        return "person" if self.is_self else "next_of_kin"

    def as_person_grant(self) -> PersonGrant:
        """Return the grant in the shape the write services and the audit log take."""
        basis = Basis.PERSON_SELF if self.is_self else Basis.NEXT_OF_KIN
        return PersonGrant(self.person, basis, self.actor_kind, "", False)


def portal_grants(*, user: User) -> list[PortalGrant]:
    """Return every person whose plan the user may see in «Min plan», with the basis for each."""
    from oppfolging.people.models import RelatedPerson
    from oppfolging.teams.models import Consent, ConsentScope

    if not user.is_authenticated or not user.is_active:
        return []
    grants: list[PortalGrant] = []
    own = Person.objects.filter(user=user).first()
    if own is not None:
        grants.append(PortalGrant(own, PortalBasis.SELF))
    for related in RelatedPerson.objects.filter(user=user).select_related("person"):
        person = related.person
        if related.is_guardian and not person.is_child:
            basis: PortalBasis | None = PortalBasis.GUARDIAN
        elif person.is_child and (related.has_parental_responsibility or related.is_guardian):
            basis = PortalBasis.PARENT
        elif Consent.objects.active().filter(
            person=person, scope=ConsentScope.NEXT_OF_KIN, related_person=related
        ).exists():
            basis = PortalBasis.CONSENT
        else:
            basis = None
        if basis is not None:
            grants.append(PortalGrant(person, basis, related))
    return grants


def portal_grant(*, user: User, person_id: int) -> PortalGrant | None:
    """Return the user's portal grant to one person, or None."""
    return next((g for g in portal_grants(user=user) if g.person.pk == person_id), None)


def who_can_see(person: Person) -> list[dict[str, str]]:
    """List who may see the person's data now and why, in plain words for the person."""
    from oppfolging.accounts.models import RoleAssignment
    from oppfolging.teams.models import CoordinatorAssignment

    rows: list[dict[str, str]] = []
    today = timezone.localdate()
    for a in CoordinatorAssignment.objects.filter(
        team__person=person, team__status="active", ended_at__isnull=True
    ).select_related("coordinator"):
        rows.append({"who": a.coordinator.full_name, "why": str(BASIS_LABELS[Basis.COORDINATOR])})
    if person.gp_id:
        rows.append({"who": person.gp.full_name, "why": str(BASIS_LABELS[Basis.GP])})
    from oppfolging.teams.models import TeamMembership

    for membership in TeamMembership.objects.filter(
        team__person=person, team__status="active", kind="professional", user__isnull=False,
        joined_on__lte=today,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=today)).select_related("user", "service"):
        if membership.user_id == person.gp_id:
            continue
        if active_memberships(membership.user).filter(pk=membership.pk).exists():
            rows.append({"who": f"{membership.user.full_name} ({membership.service})",
                         "why": str(BASIS_LABELS[Basis.TEAM_MEMBER])})
    unit_staff = RoleAssignment.objects.filter(
        municipality=person.municipality, role=Role.COORDINATING_UNIT
    ).count()
    if unit_staff:
        rows.append({"who": str(_("Koordinerende enhet (%(n)s ansatte)") % {"n": unit_staff}),
                     "why": str(BASIS_LABELS[Basis.COORDINATING_UNIT])})
    from oppfolging.people.models import RelatedPerson

    for related in RelatedPerson.objects.filter(person=person, user__isnull=False):
        grant = portal_grant(user=related.user, person_id=person.pk)
        if grant is not None:
            rows.append({"who": related.full_name, "why": grant.basis_text})
    return rows


def risk_lists_visible_to(*, user: User) -> QuerySet:
    """Return the GP risk lists the user may open: their own, or ones the GP authorised them for."""
    from oppfolging.gp.models import RiskList

    if not user.is_authenticated or not user.is_active:
        return RiskList.objects.none()
    return RiskList.objects.filter(Q(gp=user) | Q(authorised=user)).distinct()


def can_upload_risk_list(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.GP, municipality)


# Outcome data (hospital stays, service use): the coordinating unit imports them; per-person rows
# are read under person_grant like all personal data; leaders and evaluators see aggregates only
# (can_see_aggregates, is_evaluator).

def can_import_outcomes(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)
